"""What `pip install .` ships: every package of the source tree, and an installed wheel that
trains without the repository beside it.

Found 2026-12-03: `tinygrad_dl.jit` became a package (jit.py -> jit/) and was never added to
pyproject's explicit `packages` list, so the wheel and the sdist left it out and every
non-editable install failed at `tinygrad-dl train` (ModuleNotFoundError). The editable install
that CI and the tests use hid it: its import finder filled the gap from the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # (Python 3.11+; the package supports 3.10)

ROOT = Path(__file__).resolve().parents[1]
SETUP = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def source_packages() -> dict[str, Path]:
    """Installed package name -> its folder in the repository, for every folder holding an
    __init__.py under a mapped package-dir (tinygrad_dl/, models/, viz/, notebooks/)."""
    out: dict[str, Path] = {}
    for pkg, rel in SETUP["package-dir"].items():
        top = ROOT / rel
        for init in top.rglob("__init__.py"):
            sub = init.parent.relative_to(top).parts
            if "__pycache__" in sub:
                continue
            name = ".".join([pkg, *sub])
            # tinygrad_dl/ holds no models/ or viz/ of its own; a mapped package wins anyway
            out.setdefault(name, init.parent)
    return out


def test_every_package_of_the_tree_is_listed_and_every_listed_one_exists() -> None:
    listed, found = set(SETUP["packages"]), set(source_packages())
    assert not found - listed, f"add to pyproject [tool.setuptools] packages: {found - listed}"
    assert not listed - found, f"listed in pyproject but not in the tree: {listed - found}"


def _copy_tree(dst: Path) -> Path:
    """The files a build reads (a build writes build/ and *.egg-info beside its sources)."""
    ignore = shutil.ignore_patterns(".git", "__pycache__", "build", "*.egg-info", "site", "runs",
                                    ".pytest_cache", ".hypothesis", ".ruff_cache")
    return Path(shutil.copytree(ROOT, dst / "src", ignore=ignore))


@pytest.mark.slow
def test_the_wheel_holds_every_module_and_trains_from_an_isolated_venv(tmp_path: Path) -> None:
    src = _copy_tree(tmp_path)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index",
                    "--no-build-isolation", "-w", str(dist), str(src)], check=True,
                   capture_output=True, text=True)
    (wheel,) = dist.glob("tinygrad_dl-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    for pkg, folder in source_packages().items():
        for f in folder.glob("*.py"):
            member = "/".join([*pkg.split("."), f.name])
            assert member in shipped, f"{member} is not in the wheel"
    # the MIT notice must travel with every copy (it was in pyproject's metadata only)
    assert any(m.endswith(".dist-info/licenses/LICENSE") or m.endswith(".dist-info/LICENSE")
               for m in shipped), "LICENSE is not in the wheel"

    # A venv without the system's site-packages (where the editable install's finder would
    # serve what the wheel lacks); the dependencies come from a plain path line, which adds the
    # folder without running the .pth files in it.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    vpy = bindir / "python"
    purelib = subprocess.run([vpy, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(purelib, "system_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    subprocess.run([vpy, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("PYTHONPATH", None)  # (a PYTHONPATH to a checkout would serve what the wheel lacks)
    where = subprocess.run([vpy, "-c", "import tinygrad_dl.jit as j, tinygrad_dl.models as m; "
                            "print(j.__file__); print(m.__file__)"], cwd=tmp_path, check=True,
                           env=env, capture_output=True, text=True).stdout.split()
    assert all(w.startswith(str(venv)) for w in where), where
    r = subprocess.run([bindir / "tinygrad-dl", "train", "two-layer", "--n-updates", "2",
                        "--out", str(tmp_path / "run")], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "run" / "result.json").is_file()
