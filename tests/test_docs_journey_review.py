"""What a student types from README.md and the guide pages, run as written: the snippets give the
values the pages print, the commands refuse what they cannot use in one line, and a PyTorch
habit (an SGD without lr) means what it means in torch."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Function, optim
from tinygrad_dl.cli import main
from tinygrad_dl.search.trial import resolve_data
from tinygrad_dl.testing import check_grad
from tinygrad_dl.train import run_training

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(page: str) -> list[tuple[str, list[str]]]:
    """Each ```python block of a page with the `# ` lines that show what it prints."""
    text = (ROOT / page).read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    return [(b, [ln[2:] for ln in b.splitlines() if ln.startswith("# ")]) for b in blocks]


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_the_ten_line_example_prints_what_the_page_shows(page, capsys):
    (code, shown), = [b for b in python_blocks(page) if "gradcheck(" in b[0]]
    exec(compile(code, page, "exec"), {})
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed == shown and len(shown) == 3


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_the_testing_your_op_example_passes_on_a_first_run(tmp_path):
    """hypothesis' first run in a folder reads every local module's constants into
    .hypothesis/ and counted that as slow input generation (FailedHealthCheck about one first
    run in two): the page's example now says so and suppresses that check."""
    code = [b for b, _ in python_blocks("docs/testing-your-op.md") if "test_cube()" in b][0]
    assert "suppress_health_check=[HealthCheck.too_slow]" in code
    env = dict(os.environ, PYTHONPATH=str(ROOT), HYPOTHESIS_PROFILE="")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-500:]


def test_a_failed_check_grad_names_plain_numbers():
    """The page shows `analytic ..., numeric ...`; NumPy 2 scalars printed np.float64(...)."""
    class Cube(Function):
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        def backward(ctx, grad):
            return grad * 2 * ctx.saved[0] ** 2

    with pytest.raises(AssertionError) as e:
        check_grad(Cube.apply, np.arange(6.0).reshape(3, 2) - 2.5, ref=lambda a: a ** 3)
    msg = str(e.value)
    assert "np.float64" not in msg
    assert re.search(r"analytic -?\d+\.\d+, numeric -?\d+\.\d+", msg), msg


def test_sgd_without_lr_is_torchs_default():
    """torch 2.13's SGD(params) runs at lr=1e-3; here it was a TypeError, and a param-group
    list with each group's own lr needed a dummy lr too."""
    assert torch.optim.SGD([torch.zeros(1, requires_grad=True)]).defaults["lr"] == 1e-3
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    opt = optim.SGD([w])
    opt.step()
    np.testing.assert_array_equal(w.data, np.array([1.0, 2.0]) - 1e-3 * np.array([2.0, 4.0]))
    a, b = (tg.tensor([1.0], requires_grad=True) for _ in range(2))
    groups = optim.SGD([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.05}])
    assert [g["lr"] for g in groups.param_groups] == [0.1, 0.05]


def test_search_refuses_a_data_flag_its_model_does_not_read(tmp_path, capsys):
    """`train two-layer --text x` is refused; `search two-layer --text x` ran on the CIFAR
    sample without a word (and `search char-rnn --data DIR` on the help text)."""
    with pytest.raises(ValueError, match=r"--text is for char-rnn"):
        resolve_data("two-layer", None, "book.txt")
    with pytest.raises(ValueError, match=r"--data is for the CIFAR-10 classifiers"):
        resolve_data("char-rnn", "/no/such/folder", None)
    out = tmp_path / "s"
    rc = main(["search", "two-layer", "--param", "lambda=log10:-5:-1", "--trials", "1",
               "--epochs", "1", "--text", "README.md", "--out", str(out), "--no-progress"])
    assert rc == 2 and not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("tinygrad-dl search: error: --text is for char-rnn; the classifiers "
                       "read --data")


@pytest.fixture
def embedded_only(tmp_path, monkeypatch):
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.mark.slow  # (over a second: the fast loop skips it, CI runs it)
def test_val_size_on_the_embedded_sample_is_said_not_dropped(embedded_only, capsys):
    """`train one-layer --val-size 500` on the embedded sample kept its 200 validation images
    without a word (result.json recorded no val_size either): now a note says so."""
    res = run_training("one-layer", {"val_size": 500, "epochs": 1}, progress=False)
    assert len(res.notes) == 1 and "val_size=500 (--val-size)" in res.notes[0]
    assert "embedded sample's splits are fixed" in res.notes[0]
    assert "note: val_size=500" in capsys.readouterr().err
    plain = run_training("one-layer", {"epochs": 1}, progress=False)
    assert plain.notes == [] and plain.test_acc == res.test_acc  # (the same run otherwise)


def test_float16_sum_claim_of_the_pytorch_page():
    """docs/pytorch.md: a column sum of 3000 float16 ones stalls at 2048 (NumPy adds row by
    row in float16); a 1-D sum is pairwise and gives 3000 (the page said 2048 for both)."""
    assert tg.ones(3000, 2, dtype=tg.float16).sum(0).tolist() == [2048.0, 2048.0]
    assert tg.ones(3000, dtype=tg.float16).sum(0).item() == 3000.0
    assert torch.ones(3000, 2, dtype=torch.float16).sum(0).tolist() == [3000.0, 3000.0]
