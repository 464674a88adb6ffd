"""A second skeptic's review of the autograd.grad / autograd.functional / graph-drawing review
(tests/test_functional_viz_review.py), against torch 2.13: what it broke or missed, pinned.

- grad() of no outputs (grad([], x)) crashed with IndexError once grad_outputs=None stopped
  being [None] (torch: the input is unused, (None,) with allow_unused, zeros materialized).
- grad() of an OrderedDict (or another non-dict Mapping) differentiated its keys (tensors as
  keys: a tuple of gradients with respect to them); torch raises TypeError.
- a complex grad_output for a real output lost its imaginary part with a warning; torch raises.
- jvp(strict=True) of an empty output refused "independent of every input": no entry, no
  backward pass, so nothing was seen reached; torch answers.
- draw_graph of a name holding U+FFFE or U+FFFF wrote an SVG no XML reader opens (not XML
  characters, as the control characters the review escaped).
"""

from __future__ import annotations

import collections
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import autograd
from tinygrad_dl.autograd import functional as AF
from tinygrad_dl.engine import name_scope
from tinygrad_dl.viz import render_graph

torch = pytest.importorskip("torch")
TF = torch.autograd.functional
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def _x(a: list[float]) -> tuple[tg.Tensor, torch.Tensor]:
    a = np.array(a, dtype=np.float64)
    return tg.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _np(r):
    if isinstance(r, dict):
        return {k: _np(v) for k, v in r.items()}
    if isinstance(r, tuple):
        return tuple(_np(v) for v in r)
    if r is None:
        return None
    return r.detach().numpy() if isinstance(r, torch.Tensor) else np.asarray(r.data)


def _same(a, b) -> None:
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        a, b = tuple(a.values()), tuple(b.values())
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for p, q in zip(a, b):
            _same(p, q)
    elif a is not None:
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ---- autograd.grad -------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [{"allow_unused": True}, {"materialize_grads": True}])
@pytest.mark.parametrize("inputs", ["tensor", "list", "dict"])
def test_grad_of_no_outputs_is_every_input_unused_as_torch(kw, inputs) -> None:
    x, xt = _x([1.0, 2.0])
    wrap = {"tensor": lambda t: t, "list": lambda t: [t], "dict": lambda t: {"a": t}}[inputs]
    _same(_np(autograd.grad([], wrap(x), **kw)), _np(torch.autograd.grad([], wrap(xt), **kw)))


def test_grad_of_no_outputs_without_allow_unused_raises_as_torch() -> None:
    x, xt = _x([1.0, 2.0])
    with pytest.raises(RuntimeError, match="not have been used"):
        torch.autograd.grad([], [xt])
    with pytest.raises(RuntimeError, match="input 0 .* not used"):  # (was IndexError)
        autograd.grad((o for o in []), [x])


@pytest.mark.parametrize("kind", [collections.OrderedDict, type("D", (dict,), {})])
def test_grad_refuses_a_mapping_that_is_not_a_dict_as_torch(kind) -> None:
    x, xt = _x([1.0, 2.0])
    with pytest.raises(TypeError, match="must be a dict"):
        torch.autograd.grad((xt * 2).sum(), kind(a=xt))
    with pytest.raises(TypeError, match="must be a dict, not"):
        autograd.grad((x * 2).sum(), kind(a=x))
    # tensors as its keys: their gradients came back, as if the keys were the inputs
    with pytest.raises(TypeError, match="must be a dict"):
        torch.autograd.grad((xt * 2).sum(), kind([(xt, "a")]))
    with pytest.raises(TypeError, match="must be a dict, not"):
        autograd.grad((x * 2).sum(), kind([(x, "a")]))


def test_grad_refuses_a_complex_grad_output_for_a_real_output_as_torch() -> None:
    x, xt = _x([1.0, 2.0])
    with pytest.raises(RuntimeError, match="complex"):
        torch.autograd.grad((xt * 2).sum(), xt, torch.tensor(1.0 + 2.0j))
    with pytest.raises(RuntimeError, match="grad_output 0 is complex"):  # (dropped .imag)
        autograd.grad((x * 2).sum(), x, np.array(1.0 + 2.0j))
    with pytest.raises(RuntimeError, match="grad_output 1 is complex"):
        autograd.grad([x.sum(), x * 3], x, [None, np.array([1.0, 1j])])


# ---- autograd.functional.jvp ---------------------------------------------------------------
@pytest.mark.parametrize("f", [lambda a: a[:0] * 2, lambda a: (a * 2, a[:0].exp()),
                               lambda a: (a.sum(), a.reshape(3, 1)[:, :0])])
def test_strict_jvp_of_an_empty_output_answers_as_torch(f) -> None:
    x = np.array([0.5, -1.0, 2.0])
    v = np.array([1.0, 2.0, 3.0])
    want = TF.jvp(f, torch.tensor(x), torch.tensor(v), strict=True)
    _same(_np(AF.jvp(f, tg.Tensor(x), tg.Tensor(v), strict=True)), _np(want))
    # an empty output that depends on no input is still refused, as torch's
    w, wt = tg.Tensor(np.ones(2), requires_grad=True), torch.ones(2, dtype=torch.float64,
                                                                  requires_grad=True)
    with pytest.raises(RuntimeError, match="strict mode"):
        TF.jvp(lambda a: (a * 2, wt[:0] * 2), torch.tensor(x), torch.tensor(v), strict=True)
    with pytest.raises(RuntimeError, match="output 1 .* independent of every input"):
        AF.jvp(lambda a: (a * 2, w[:0] * 2), tg.Tensor(x), tg.Tensor(v), strict=True)


# ---- draw_graph ----------------------------------------------------------------------------
@needs_dot
@pytest.mark.parametrize("name", ["\ufffe", "a\uffffb"])
def test_a_name_holding_a_non_xml_character_renders_a_valid_svg(name, tmp_path: Path) -> None:
    x = tg.Tensor(np.ones(2), requires_grad=True, name=name)
    with name_scope(name):
        y = (x * 2.0).sum()
    path = render_graph(y, tmp_path / "g.svg", shapes=False)
    texts = [t.text or "" for t in ET.parse(path).getroot().iter(f"{SVG}text")]  # (failed)
    shown = "".join(ascii(c)[1:-1] if c in "\ufffe\uffff" else c for c in name)
    assert texts.count(shown) == 2, texts  # the tensor's box and the scope's cluster


# ---- plots ---------------------------------------------------------------------------------
def test_learning_curves_of_a_mapping_with_mixed_keys_names_its_columns() -> None:
    from tinygrad_dl.viz import plot_learning_curves

    with pytest.raises(ValueError, match=r"none of train_/val_ .* columns are \[0, 'x'\]"):
        plot_learning_curves({0: [1.0], "x": [2.0]})  # (was "'<' not supported": a TypeError)
