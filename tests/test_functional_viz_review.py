"""A skeptic's review of autograd.grad / autograd.functional (against torch 2.13) and of the
graph drawing (hostile names): what was found, pinned.

- grad(): `inputs` as a dict (torch 2.13 returns a dict of gradients; ours refused it as "input
  0 is not a Tensor"), empty `inputs` (torch raises; ours returned ()), grad_outputs=[None] for
  two outputs (torch: one gradient short; ours took the None for both), materialize_grads=True
  with allow_unused=False (torch: ValueError; ours gave zeros).
- jacobian / vjp / jvp: values, dtypes and the nesting of tuples against torch's over tensor and
  tuple inputs and outputs, 0-d, non-contiguous, independent and constant outputs, strict.
- draw_graph: a name (tensor or name_scope) holding an HTML entity ("&lt;" drew as "<"), a NUL
  (a dot syntax error) or another control character (an SVG no XML reader opens) or a lone
  surrogate (UnicodeEncodeError) is drawn literally; a dot failure is one line.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import autograd
from tinygrad_dl.autograd import functional as AF
from tinygrad_dl.engine import name_scope
from tinygrad_dl.viz import draw_graph, render_graph

torch = pytest.importorskip("torch")
TF = torch.autograd.functional
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def _x(a: list[float] | float) -> tuple[tg.Tensor, torch.Tensor]:
    a = np.array(a, dtype=np.float64)
    return tg.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


# ---- autograd.grad -------------------------------------------------------------------------
def test_grad_takes_a_dict_of_inputs_and_returns_a_dict_as_torch() -> None:
    (x, xt), (y, yt) = _x([1.0, 2.0]), _x(3.0)
    got = autograd.grad((x * x * y).sum(), {"a": x, "b": y})
    want = torch.autograd.grad((xt * xt * yt).sum(), {"a": xt, "b": yt})
    assert isinstance(got, dict) and list(got) == ["a", "b"]
    for k in want:
        np.testing.assert_allclose(got[k].data, want[k].numpy(), rtol=1e-12)
    assert x.grad is None and y.grad is None


def test_grad_refuses_empty_inputs_as_torch() -> None:
    x, xt = _x([1.0, 2.0])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        torch.autograd.grad((xt * 2).sum(), [])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        autograd.grad((x * 2).sum(), [])


def test_one_none_grad_output_for_two_outputs_is_one_short_as_torch() -> None:
    x, xt = _x([1.0, 2.0])
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        torch.autograd.grad([xt.sum(), (xt * xt).sum()], [xt], grad_outputs=[None])
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        autograd.grad([x.sum(), (x * x).sum()], [x], grad_outputs=[None])
    # None itself stands for every output's implicit gradient (torch's)
    (g,) = autograd.grad([x.sum(), (x * x).sum()], [x], grad_outputs=None)
    (gt,) = torch.autograd.grad([xt.sum(), (xt * xt).sum()], [xt], grad_outputs=None)
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-12)


def test_materialize_grads_with_allow_unused_false_is_refused_as_torch() -> None:
    (x, xt), (y, yt) = _x([1.0, 2.0]), _x([3.0])
    with pytest.raises(ValueError, match="allow_unused"):
        torch.autograd.grad(xt.sum(), [xt, yt], materialize_grads=True, allow_unused=False)
    with pytest.raises(ValueError, match="allow_unused"):
        autograd.grad(x.sum(), [x, y], materialize_grads=True, allow_unused=False)
    gx, gy = autograd.grad(x.sum(), [x, y], materialize_grads=True)  # (not passed: zeros)
    assert gy.data.tolist() == [0.0] and gx.data.tolist() == [1.0, 1.0]


# ---- autograd.functional: nesting, values, dtypes against torch ----------------------------
def _as_np(r):
    if isinstance(r, tuple):
        return tuple(_as_np(a) for a in r)
    assert not isinstance(r, list), "a list where torch gives a tuple"
    return r.detach().numpy() if isinstance(r, torch.Tensor) else np.asarray(r.data)


def _same(a, b) -> None:
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), (a, b)
        for p, q in zip(a, b):
            _same(p, q)
        return
    assert not isinstance(b, tuple) and a.shape == b.shape and a.dtype == b.dtype, (a, b)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


rng = np.random.default_rng(0)
X3, Y2, M = rng.standard_normal(3), rng.standard_normal(2), rng.standard_normal((2, 3))
CASES = {
    "tensor": (lambda x: x ** 2, X3),
    "0-d": (lambda x: x.sin(), np.array(0.7)),
    "scalar out": (lambda x: (x ** 2).sum(), X3),
    "tuple in": (lambda x, y: x.sum() * y, (X3, Y2)),
    "tuple of one in": (lambda x: x * 2, (X3,)),
    "tuple out": (lambda x: (x * 2, x.sum()), X3),
    "tuple of one out": (lambda x: (x * 2,), X3),
    "tuple both": (lambda x, y: (x * y.sum(), y.exp()), (X3, Y2)),
    "independent": (lambda x, y: x * 2, (X3, Y2)),
    "non-contiguous": (lambda x: x.T @ x, M.T),
    "float32": (lambda x: x * 2, X3.astype(np.float32)),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("which", ["jacobian", "vjp", "jvp"])
@pytest.mark.parametrize("strict", [False, True])
def test_functional_matches_torch(name: str, which: str, strict: bool) -> None:
    f, ins = CASES[name]
    ours = tuple(tg.Tensor(a) for a in ins) if isinstance(ins, tuple) else tg.Tensor(ins)
    theirs = tuple(torch.tensor(a) for a in ins) if isinstance(ins, tuple) else torch.tensor(ins)
    kw = {"strict": strict}
    if which != "jacobian":  # v: ones shaped as the outputs (vjp) or the inputs (jvp)
        out = f(*theirs) if isinstance(theirs, tuple) else f(theirs)
        like = out if which == "vjp" else theirs
        if isinstance(like, tuple):
            kw["v"] = (tuple(torch.ones_like(t) for t in like), tuple(tg.Tensor(
                np.ones(tuple(t.shape), t.numpy().dtype)) for t in like))
        else:
            kw["v"] = (torch.ones_like(like), tg.Tensor(np.ones(tuple(like.shape),
                                                                like.detach().numpy().dtype)))
    kt = {k: (v[0] if k == "v" else v) for k, v in kw.items()}
    kg = {k: (v[1] if k == "v" else v) for k, v in kw.items()}
    try:
        want = getattr(TF, which)(f, theirs, **kt)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="strict mode|independent"):
            getattr(AF, which)(f, ours, **kg)
        return
    _same(_as_np(getattr(AF, which)(f, ours, **kg)), _as_np(want))


# ---- draw_graph: hostile names -------------------------------------------------------------
HOSTILE = ["&lt;pad&gt;", "&amp;", "&#60;", "a\x00b", "a\x01b", "\x1b[31mred", "x\ud800y"]


def _graph(name: str) -> tg.Tensor:
    x = tg.Tensor(np.ones(2), requires_grad=True, name=name)
    with name_scope(name):
        return (x * 2.0).sum()


def _shown(name: str) -> str:
    """What the label must read: the name, control characters as Python escapes."""
    return "".join(ascii(c)[1:-1] if (ord(c) < 32 and c not in "\t\n\r") or 0xD800 <= ord(c)
                   <= 0xDFFF or ord(c) == 127 else c for c in name)


@needs_dot
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_render_literally_into_a_valid_svg(name: str, tmp_path: Path) -> None:
    path = render_graph(_graph(name), tmp_path / "g.svg", shapes=False)
    texts = [t.text or "" for t in ET.parse(path).getroot().iter(f"{SVG}text")]  # valid XML
    assert texts.count(_shown(name)) == 2, texts  # the tensor's box and the scope's cluster


@needs_dot
def test_a_graphviz_failure_is_one_line(tmp_path: Path) -> None:
    import graphviz

    # a real failure of dot with two lines on stderr: a warning, then a syntax error
    bad = graphviz.Digraph(body=["\ta [shape=nosuch]\n}\ndigraph {\n\t->\n"])
    with pytest.raises(RuntimeError) as e:
        render_graph(bad, tmp_path / "g.svg")
    assert "\n" not in str(e.value), str(e.value)
    assert "Warning: using box for unknown shape nosuch Error:" in str(e.value)


def test_the_dot_source_of_a_hostile_name_encodes() -> None:
    src = draw_graph(_graph("x\ud800\x00y&z"), shapes=False).source
    src.encode("utf-8")  # (a lone surrogate raised UnicodeEncodeError on the way to dot)
    assert "x\\\\ud800\\\\x00y&amp;z" in src


@pytest.mark.parametrize("which", ["vjp", "jvp"])
def test_strict_vjp_and_jvp_check_inputs_over_all_outputs_as_torch(which: str) -> None:
    # y feeds both outputs, x only the first: torch's strict vjp/jvp answer (ours raised
    # "output 1 is independent of input 0"); an input no output uses is an error in both
    w, wt = _x([0.5, -2.0])
    x, y = tg.Tensor(X3), tg.Tensor(Y2)
    xt, yt = torch.tensor(X3), torch.tensor(Y2)
    v = ((tg.Tensor(np.ones(3)), tg.Tensor(np.ones(2))) if which == "vjp"
         else (tg.Tensor(X3), tg.Tensor(Y2)))
    vt = tuple(torch.tensor(a.data) for a in v)
    f = lambda a, b: (a * b.sum(), b.exp())  # noqa: E731
    _same(_as_np(getattr(AF, which)(f, (x, y), v, strict=True)),
          _as_np(getattr(TF, which)(f, (xt, yt), vt, strict=True)))
    g = lambda a, b: (a * 2, a.sum())  # noqa: E731  (b unused)
    v2 = (v[0], tg.Tensor(1.0)) if which == "vjp" else v
    vt2 = (vt[0], torch.tensor(1.0, dtype=torch.float64)) if which == "vjp" else vt
    with pytest.raises(RuntimeError, match="independent of input 1"):
        getattr(TF, which)(g, (xt, yt), vt2, strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        getattr(AF, which)(g, (x, y), v2, strict=True)
    # an output that depends on no input but requires grad (a parameter): jvp's strict raises,
    # vjp's does not (torch's)
    h, ht = (lambda a: (a * 2, w * 3)), (lambda a: (a * 2, wt * 3))
    if which == "vjp":
        _same(_as_np(AF.vjp(h, x, (tg.Tensor(np.ones(3)), tg.Tensor(np.ones(2))),
                            strict=True)[1]),
              _as_np(TF.vjp(ht, xt, (torch.ones(3, dtype=torch.float64),
                                     torch.ones(2, dtype=torch.float64)), strict=True)[1]))
    else:
        with pytest.raises(RuntimeError, match="strict mode"):
            TF.jvp(ht, xt, torch.ones(3, dtype=torch.float64), strict=True)
        with pytest.raises(RuntimeError, match="strict mode"):
            AF.jvp(h, x, tg.Tensor(np.ones(3)), strict=True)


def test_render_graph_refuses_drawing_options_for_a_drawn_graph(tmp_path: Path) -> None:
    dot = draw_graph(_graph("x"))
    with pytest.raises(TypeError, match="values= draw a Tensor's graph"):  # (was ignored)
        render_graph(dot, tmp_path / "g.dot", values=True)
    assert render_graph(dot, tmp_path / "g.dot").read_text() == dot.source


# ---- plots ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cols", [{"train_loss": []}, {"train_loss": [np.nan], "epoch": [0]},
                                  {"train_acc": [], "val_acc": [np.nan, np.nan]}])
def test_learning_curves_of_logged_but_empty_columns_say_so(cols) -> None:
    from tinygrad_dl.viz import plot_learning_curves

    with pytest.raises(ValueError, match="hold no value .empty or all NaN") as e:
        plot_learning_curves(cols)
    assert "none of" not in str(e.value)  # (it said the columns were missing, listing them)


@pytest.mark.parametrize("bad", [None, "train_loss", np.array([1.0, 2.0])])
def test_learning_curves_of_a_non_history_is_a_type_error(bad) -> None:
    from tinygrad_dl.viz import plot_learning_curves

    with pytest.raises(TypeError, match="history must be a History or a mapping"):
        plot_learning_curves(bad)
