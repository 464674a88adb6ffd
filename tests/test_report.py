"""What `tinygrad-dl report` pages say and load: numbered figures with captions and alt text,
findings computed from the run (the one-layer λ paragraph against its own templates), a banner on
--quick runs, and no script or stylesheet from any server (scanned, and rendered by Chromium with
the network blocked where it is installed)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.commands.report import find_pdf_engine
from tinygrad_dl.jupyter import Figures, ResultsTable, quick_banner
from tinygrad_dl.viz import plot_learning_curves, template_smoothness

HAVE_KERNEL = all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel",
                                                        "nbconvert"))
needs_kernel = pytest.mark.skipif(
    not HAVE_KERNEL, reason='needs the notebooks extra: pip install -e ".[notebooks]"')
REMOTE = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


# ---- the helpers the notebooks use -------------------------------------------------------------
def test_template_smoothness_tells_noise_from_smooth_images():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((4, 3072))  # W is (K, 3072): one template per row
    x = np.linspace(0, np.pi, 32)
    blob = np.outer(np.sin(x), np.sin(x)).ravel()
    smooth = np.stack([np.concatenate([blob, -blob, 0.5 * blob]) * s for s in (1, 1e-3)])
    assert np.all(np.abs(template_smoothness(noise)) < 0.05)
    np.testing.assert_allclose(template_smoothness(smooth), 0.99, atol=0.01)  # scale-free
    half = smooth[:1] + 0.02 * noise[:1]  # a smooth image under some noise: in between
    assert 0.1 < template_smoothness(half)[0] < 0.99
    with pytest.raises(ValueError, match="template_smoothness: W has 10 columns"):
        template_smoothness(np.ones((2, 10)))


def test_figures_are_numbered_captioned_and_described():
    figures = Figures()
    hist = {"epoch": [1, 2], "train_cost": [2.0, 1.5], "val_cost": [2.1, 1.9]}
    first = figures.figure(plot_learning_curves(hist), "Costs.", alt="Two falling lines.")
    second = figures.figure(plot_learning_curves(hist), "Again <b>.", alt='He said "no".')
    html = second._repr_html_()
    assert (first.number, second.number) == (1, 2)
    assert "<b>Figure 2.</b> Again &lt;b&gt;." in html and 'alt="He said &quot;no&quot;."' in html
    assert html.count('src="data:image/png;base64,') == 1
    bundle = first._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    with pytest.raises(ValueError, match="alt text"):
        figures.figure(plot_learning_curves(hist), "No alt.", alt=" ")
    table = figures.table(ResultsTable([{"a": 1}]), "One row.")
    assert "<caption>Table 1. One row.</caption>" in table._repr_html_()
    banner = quick_banner("2 epochs.")._repr_html_()
    assert "Quick smoke run, not the assignment&#x27;s settings." in banner
    assert "2 epochs." in banner


def test_an_svg_figure_is_embedded_as_a_data_uri(tmp_path: Path):
    svg = tmp_path / "g.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>')
    fig = Figures().figure(svg, "A graph.", alt="Nothing.")
    assert 'src="data:image/svg+xml;base64,' in fig._repr_html_()
    with pytest.raises(ValueError, match="not a .png or .svg"):
        Figures().figure(tmp_path / "x.txt", "x", alt="x")


# ---- the HTML page -----------------------------------------------------------------------------
@pytest.mark.slow
@needs_kernel
def test_the_html_page_loads_nothing_from_a_server():
    import nbformat

    from tinygrad_dl.commands.report import to_html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\nSome $x^2$ text."),
                nbformat.v4.new_code_cell("1 + 1")]
    html = to_html(nb, code=True)
    assert "<title>" in html and "Title" in html
    assert not REMOTE.search(html), REMOTE.search(html).group(0)
    assert not re.search(r"@import|url\(\s*[\"']?https?:", html)
    # the scan itself can fail: nbconvert's own lab template loads require.js from a CDN
    from nbconvert import HTMLExporter

    from tinygrad_dl.commands.report import nbconvert_template_dirs

    dirs = nbconvert_template_dirs()
    stock = HTMLExporter(template_name="lab", extra_template_basedirs=dirs,
                         extra_template_paths=dirs).from_notebook_node(nb)[0]
    assert REMOTE.search(stock)


def render_offline(html_path: Path, tmp_path: Path) -> list[str]:
    """Load the page in headless Chromium with every host name unresolvable and return the
    http(s) URLs the page itself asked for (from Chromium's net log: the browser's own
    background requests have no origin as initiator)."""
    engine = find_pdf_engine()
    netlog = tmp_path / "netlog.json"
    cmd = [engine, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND",
           f"--log-net-log={netlog}", "--virtual-time-budget=5000",
           f"--screenshot={tmp_path / 'shot.png'}", "--window-size=1000,3000",
           html_path.resolve().as_uri()]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert (tmp_path / "shot.png").is_file(), r.stderr[-2000:]
    events = json.loads(netlog.read_text(encoding="utf-8"))["events"]
    return sorted({e["params"]["url"] for e in events
                   if str(e.get("params", {}).get("url", "")).startswith(("http:", "https:"))
                   and e["params"].get("initiator", "not an origin") != "not an origin"})


@pytest.mark.slow
@pytest.mark.skipif(find_pdf_engine() is None, reason="needs a headless Chromium")
def test_offline_rendering_catches_a_remote_script(tmp_path: Path):
    page = tmp_path / "remote.html"
    page.write_text('<html><head><script src="https://cdn.example.org/x.js"></script></head>'
                    "<body>hi</body></html>")
    assert render_offline(page, tmp_path) == ["https://cdn.example.org/x.js"]


def _markdown_outputs(nb: dict) -> list[str]:
    return ["".join(o["data"]["text/markdown"]) for c in nb["cells"] if c["cell_type"] == "code"
            for o in c["outputs"] if "text/markdown" in o.get("data", {})]


def _tables(html: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(
        r"<caption>(Table \d+)\. .*?</caption>(.*?)</table>", html, flags=re.S)}


@pytest.mark.slow
@needs_kernel
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
@pytest.mark.parametrize("data", ["embedded", "cifar-subset"])
def test_report_a1_states_its_own_findings_and_works_offline(data, tmp_path, request):
    args = [sys.executable, "-m", "tinygrad_dl.cli", "report", "a1", "--quick", "--no-pdf",
            "--out", str(tmp_path)]
    env = {**os.environ, "MPLBACKEND": "Agg", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("TINYGRAD_DL_DATA", None)
    if data == "cifar-subset":
        args += ["--data", str(request.getfixturevalue("cifar_dir"))]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    html = (tmp_path / "a1_one_layer.html").read_text(encoding="utf-8")
    nb = json.loads((tmp_path / "a1_one_layer.ipynb").read_text(encoding="utf-8"))

    # the --quick banner (nbconvert re-serialises the page: ' may or may not be escaped)
    assert re.search(r"Quick smoke run, not the assignment(&#x27;|')s settings\.", html)
    assert not REMOTE.search(html)
    assert "No description has been provided" not in html  # every image has its own alt text
    figures = re.findall(r'<figure class="tgdl-figure".*?</figure>', html, flags=re.S)
    assert len(figures) == 1 + 4 + 4  # the graph, the learning curves, the templates
    for n, fig in enumerate(figures, 1):
        assert f"<figcaption><b>Figure {n}.</b>" in fig
        assert re.search(r'<img [^>]*alt="[^"]{20,}"', fig) and 'src="data:image/' in fig
    assert "`epochs` epochs" not in html and "{" not in "".join(_markdown_outputs(nb))

    # the λ paragraph names the setting whose templates the table measured smoothest
    smooth_table = next(t for t in _tables(html).values() if "template smoothness" in t)
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
                       smooth_table)
    measured = {(float(lam), float(eta)): float(s) for lam, eta, s in cells}
    assert len(measured) == 4
    para = next(p for p in _markdown_outputs(nb) if "smoothest templates came from" in p)
    m = re.search(r"smoothest templates came from λ = ([\d.e-]+), η = ([\d.e-]+)", para)
    assert max(measured, key=measured.get) == (float(m.group(1)), float(m.group(2))), para
    m = re.search(r"noisiest from λ = ([\d.e-]+), η = ([\d.e-]+)", para)
    assert min(measured, key=measured.get) == (float(m.group(1)), float(m.group(2))), para

    if find_pdf_engine() is not None:  # CI installs Chromium: the page must load offline
        assert render_offline(tmp_path / "a1_one_layer.html", tmp_path) == []
