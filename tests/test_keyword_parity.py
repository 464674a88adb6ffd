"""Keyword parity with torch 2.13: every callable name shared with torch (Tensor methods,
top-level functions, nn.functional, nn modules, optimizers, schedulers, autograd, linalg,
special) accepts torch's keyword names (`Tensor.backward(grad=)` raised TypeError on torch's
`gradient=`). The audit reads torch's signatures (Python ones by inspect, C builtins from
torch's .pyi stubs, torch.linalg's and torch.special's from their docstrings' signature
lines) and ours by inspect (a callable taking **kwargs is skipped: it takes any name); the
mismatches left are the commented ALLOWED list. `PYTHONPATH=. python3
tests/test_keyword_parity.py` prints them. Then each keyword added, against torch 2.13."""

from __future__ import annotations

import ast
import inspect
import os
import re
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

# torch keywords that make no sense on NumPy/CPU, refused or ignored on purpose
# (docs/pytorch.md): output buffers, devices and memory layouts, named tensors, and the
# optimizers' implementation switches.
IGNORED = {"out", "device", "layout", "pin_memory", "memory_format", "names", "non_blocking",
           "foreach", "fused", "differentiable", "capturable", "requires_grad", "self"}


# ---- torch's keyword names -------------------------------------------------------------------
def _pyi_functions(path: str, cls: str | None = None) -> dict[str, set[str]]:
    """Name -> union of keyword names over the overloads stubbed in a torch .pyi file."""
    tree = ast.parse(open(path).read())
    body = tree.body
    if cls is not None:
        body = next(n.body for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
    out: dict[str, set[str]] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef):
            a = node.args
            names = {x.arg for x in a.args + a.kwonlyargs if not x.arg.startswith("__")}
            out.setdefault(node.name, set()).update(names)
    return out


_STUBS: dict[str, dict[str, set[str]]] = {}


def _stubs(which: str) -> dict[str, set[str]]:
    if which not in _STUBS:
        d = os.path.join(os.path.dirname(torch.__file__), "_C")
        _STUBS[which] = {
            "functions": lambda: _pyi_functions(os.path.join(d, "_VariableFunctions.pyi")),
            "nn": lambda: _pyi_functions(os.path.join(d, "_nn.pyi")),
            "tensor": lambda: _pyi_functions(os.path.join(d, "__init__.pyi"), "TensorBase"),
        }[which]()
    return _STUBS[which]


_DOC_SIG = re.compile(r"^(?:\.\. function:: )?([A-Za-z_][\w.]*)\((.*)\)\s*(?:->.*)?$")


def _doc_keywords(name: str, doc: str | None) -> set[str] | None:
    """Keyword names from a builtin's docstring signature lines (`sum(input, dim, ...)`)."""
    found = None
    for line in (doc or "").splitlines():
        m = _DOC_SIG.match(line.strip())
        if m and m.group(1).split(".")[-1] == name:
            found = found or set()
            for p in m.group(2).split(","):
                p = p.strip().split("=")[0].split(":")[0].strip()
                if p.isidentifier() and p != "Tensor":  # (not `-> (Tensor, Tensor)`)
                    found.add(p)
    return found


def torch_keyword_names(obj: Callable, name: str, stub: str | None = None) -> set[str] | None:
    """Torch's keyword names for obj, or None if they cannot be read (or it takes any)."""
    try:
        sig = inspect.signature(obj)
    except (ValueError, TypeError):
        sig = None
    if sig is not None:
        ps = sig.parameters.values()
        if not any(p.kind is p.VAR_KEYWORD for p in ps):
            return {p.name for p in ps if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    # (torch.linalg's and torch.special's builtins have no stubs: their docstrings)
    for which in {"tensor": ["tensor"], "functions": ["functions", "nn"],
                  "nn": ["nn", "functions"]}.get(stub or "", []):
        if name in _stubs(which):
            return set(_stubs(which)[name])
    return _doc_keywords(name, getattr(obj, "__doc__", None))


def our_keywords(obj: Callable) -> set[str] | None:
    """Our keyword names, or None where the callable takes **kwargs (accepts any name)."""
    try:
        sig = inspect.signature(obj)
    except (ValueError, TypeError):
        return None
    ps = sig.parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in ps):
        return None
    return {p.name for p in ps if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


# ---- the shared names ------------------------------------------------------------------------
def _public(ns: object) -> set[str]:
    return {n for n in dir(ns) if not n.startswith("_")}


def shared_callables() -> Iterator[tuple[str, Callable, Callable, str | None]]:
    """(qualified name, torch's callable, ours, which stub) for every name both have."""
    import torch.nn.functional as TF

    from tinygrad_dl import autograd, linalg, nn, optim, special
    from tinygrad_dl.optim import lr_scheduler

    for n in sorted(_public(torch.Tensor) & _public(tg.Tensor)):
        t, o = getattr(torch.Tensor, n), getattr(tg.Tensor, n)
        if callable(t) and callable(o) and not isinstance(o, type):
            yield f"Tensor.{n}", t, o, "tensor"
    ours_top = set(tg.__all__) | _public(tg)
    pairs = [("", torch, tg, ours_top, "functions"), ("F.", TF, nn.functional, None, "nn"),
             ("linalg.", torch.linalg, linalg, None, None),
             ("special.", torch.special, special, None, None),
             ("autograd.", torch.autograd, autograd, {"grad", "backward"}, None)]
    for prefix, theirs, ours, names, stub in pairs:
        for n in sorted((names if names is not None else _public(ours)) & _public(theirs)):
            t, o = getattr(theirs, n), getattr(ours, n, None)
            if inspect.ismodule(t) or inspect.isclass(t) or not callable(t) or o is None:
                continue
            if inspect.isclass(o) or inspect.ismodule(o) or not callable(o):
                continue
            yield prefix + n, t, o, stub
    for prefix, theirs, ours in [("nn.", torch.nn, nn), ("optim.", torch.optim, optim),
                                 ("lr_scheduler.", torch.optim.lr_scheduler, lr_scheduler)]:
        for n in sorted(_public(ours) & _public(theirs)):
            t, o = getattr(theirs, n), getattr(ours, n)
            if inspect.isclass(t) and inspect.isclass(o):
                yield prefix + n, t.__init__, o.__init__, None


def audit() -> dict[str, list[str]]:
    """Qualified name -> torch keyword names (beyond IGNORED) that ours does not accept."""
    missing = {}
    for qual, t, o, stub in shared_callables():
        name = qual.split(".")[-1]
        theirs = torch_keyword_names(t, name, stub)
        ours = our_keywords(o)
        if theirs is None or ours is None:
            continue
        lost = sorted(theirs - ours - IGNORED)
        if lost:
            missing[qual] = lost
    return missing


# ---- the mismatches kept, each with its reason ------------------------------------------
_LEGACY_REDUCE = "size_average=/reduce=: deprecated in torch; reduction= works"
_DIM_OTHER = "torch's max/min(other) overload; tg.maximum/minimum are that"
_NEW_FEATURE = "a feature not implemented, not a spelling"
ALLOWED: dict[str, tuple[list[str], str]] = {
    "Tensor.copy_": (["other"], "named src; positional works"),
    "Tensor.expand": (["implicit"], "torch-internal"),
    "Tensor.reshape": (["shape"], "*shape varargs; positional works"),
    "reshape": (["shape"], "*shape varargs; positional works"),
    "Tensor.sum_to_size": (["size"], "*size varargs; positional works"),
    "Tensor.view": (["dtype"], "view(dtype) positional works"),
    "Tensor.gather": (["sparse_grad"], "no sparse tensors"),
    "gather": (["sparse_grad"], "no sparse tensors"),
    "Tensor.max": (["other"], _DIM_OTHER), "Tensor.min": (["other"], _DIM_OTHER),
    "max": (["other"], _DIM_OTHER), "min": (["other"], _DIM_OTHER),
    "Tensor.requires_grad_": (["mode"], "a stub's name torch itself refuses"),
    "F.one_hot": (["tensor"], "a stub's name torch itself refuses (input= works)"),
    "from_numpy": (["ndarray"], "a stub's name: torch takes no keyword here"),
    "Tensor.to": (["other"], "to(other) positional works; a keyword is rare"),
    "addmm": (["out_dtype"], "a low-precision GPU option"),
    "baddbmm": (["out_dtype"], "a low-precision GPU option"),
    "bmm": (["mat2", "out_dtype"], "tg.bmm is matmul's function; x.bmm(mat2=) works"),
    "mm": (["mat2", "out_dtype"], "tg.mm is matmul's function; x.mm(mat2=) works"),
    "asarray": (["copy", "obj"], "NumPy's asarray(a, dtype)"),
    "isin": (["element", "test_element"], "NumPy's isin(x, test); positional works"),
    "result_type": (["other", "scalar", "scalar1", "scalar2", "tensor"], "NumPy's *arrays"),
    "save": (["_disable_byteorder_record", "_use_new_zipfile_serialization", "pickle_module",
              "pickle_protocol"], "one file format, safe pickling"),
    "set_num_threads": (["num"], "named n; positional works"),
    "view_copy": (["dtype"], "view_copy(shape) only"),
    "F.log_softmax": (["_stacklevel"], "torch-internal"),
    "F.softmax": (["_stacklevel"], "torch-internal"),
    "F.softmin": (["_stacklevel"], "torch-internal"),
    "F.l1_loss": (["reduce", "size_average"], _LEGACY_REDUCE),
    "F.mse_loss": (["reduce", "size_average"], _LEGACY_REDUCE),
    **{f"F.{n}": (["reduce", "size_average"], _LEGACY_REDUCE) for n in (
        "binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_embedding_loss",
        "hinge_embedding_loss", "kl_div", "margin_ranking_loss", "multi_margin_loss",
        "multilabel_soft_margin_loss", "poisson_nll_loss", "smooth_l1_loss",
        "soft_margin_loss", "triplet_margin_loss")},
    **{f"nn.{n}": (["reduce", "size_average"], _LEGACY_REDUCE) for n in (
        "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "L1Loss", "MSELoss", "SmoothL1Loss")},
    "autograd.backward": (["grad_variables"], "deprecated in torch: grad_tensors="),
    "autograd.grad": (["only_inputs"], "deprecated and ignored in torch"),
    "nn.RNNBase": (["mode"], "an internal base; RNN/LSTM/GRU are the classes"),
    "nn.RNNCellBase": (["num_chunks"], "an internal base"),
}


def test_the_audit_reads_both_sides():
    assert {"input", "dim", "keepdim", "dtype"} <= torch_keyword_names(torch.sum, "sum",
                                                                        "functions")
    assert {"dim", "keepdim", "dtype"} <= torch_keyword_names(torch.Tensor.sum, "sum", "tensor")
    assert {"input", "weight", "bias", "stride"} <= torch_keyword_names(
        torch.nn.functional.conv2d, "conv2d", "nn")
    assert {"A", "ord"} <= torch_keyword_names(torch.linalg.matrix_norm, "matrix_norm")
    assert our_keywords(lambda x, *a, k=1, **kw: x) is None  # (**kwargs: any name)
    assert our_keywords(lambda x, /, y, *a, k=1: x) == {"y", "k"}


def test_the_audit_finds_only_the_allowed_mismatches():
    """A new shared name without torch's keyword names fails here: add the keywords (or,
    for a deliberate difference, an ALLOWED entry with its reason)."""
    found = audit()
    assert len(list(shared_callables())) > 900  # (the audit did walk the names)
    assert found == {k: v for k, (v, _) in ALLOWED.items()}


# ---- torch's keyword names, each against torch 2.13 -------------------------------------
RNG = np.random.default_rng(0)


def _same(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours.data), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-14)


def _pair(*shape):
    a = RNG.normal(size=shape)
    return tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("alpha", [1, 2, -0.5])
@pytest.mark.parametrize("op", ["add", "sub", "subtract"])
def test_add_sub_alpha(op, alpha):
    (x, tx), (y, ty) = _pair(2, 3), _pair(2, 3)
    for ours, theirs in [(getattr(x, op)(y, alpha=alpha), getattr(tx, op)(ty, alpha=alpha)),
                         (getattr(tg, op)(input=x, other=y, alpha=alpha),
                          getattr(torch, op)(input=tx, other=ty, alpha=alpha)),
                         (getattr(x, op)(3.0, alpha=alpha), getattr(tx, op)(3.0, alpha=alpha))]:
        _same(ours, theirs)
    w = RNG.normal(size=(2, 3))
    (getattr(x, op)(y, alpha=alpha) * tg.tensor(w)).sum().backward()
    (getattr(tx, op)(ty, alpha=alpha) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.grad, ty.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10)


def test_alpha_edges_as_torch():
    i, ti = tg.tensor([1, 2]), torch.tensor([1, 2])
    _same(i.add(tg.tensor([3, 4]), alpha=2), ti.add(torch.tensor([3, 4]), alpha=2))
    assert i.add(tg.tensor([3, 4]), alpha=2).dtype == np.int64
    with pytest.raises(RuntimeError):
        ti.add(torch.tensor([3, 4]), alpha=0.5)
    with pytest.raises(TypeError, match="fractional alpha") as e:
        i.add(tg.tensor([3, 4]), alpha=0.5)
    assert "\n" not in str(e.value)
    with pytest.raises(TypeError, match="alpha must be a number"):
        i.sub(i, alpha="2")


def test_function_input_and_other_keywords():
    (x, tx), (y, ty) = _pair(2, 3), _pair(2, 3)
    _same(tg.exp(input=x), torch.exp(input=tx))
    _same(tg.sum(input=x, dim=1, keepdim=True), torch.sum(input=tx, dim=1, keepdim=True))
    _same(tg.softmax(input=x, dim=0), torch.softmax(input=tx, dim=0))
    _same(tg.maximum(x, other=y), torch.maximum(tx, other=ty))
    _same(tg.maximum(input=x, other=y), torch.maximum(input=tx, other=ty))
    _same(tg.nn.functional.gelu(input=x), torch.nn.functional.gelu(input=tx))
    with pytest.raises(TypeError, match="multiple values for argument 'input'"):
        tg.exp(x, input=x)
    with pytest.raises(TypeError, match="multiple values for argument 'other'"):
        tg.maximum(x, y, other=y)


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "cumsum", "softmax", "log_softmax"])
def test_dtype_keyword_casts_first(op):
    x, tx = _pair(2, 3)
    ours = getattr(x, op)(dim=1, dtype=tg.float32)
    theirs = getattr(tx, op)(dim=1, dtype=torch.float32)
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-6)
    assert "dtype" in our_keywords(getattr(tg, op))


def test_linalg_and_shape_keywords():
    (x, tx), (y, ty) = _pair(3, 3), _pair(3, 3)
    (v, tv), (u, tu) = _pair(3), _pair(3)
    for k in (-1, 0, 1):
        _same(x.tril(diagonal=k), tx.tril(diagonal=k))
        _same(x.triu(diagonal=k), tx.triu(diagonal=k))
        _same(tg.tril(input=x, diagonal=k), torch.tril(input=tx, diagonal=k))
    _same(x.pow(exponent=2), tx.pow(exponent=2))
    _same(tg.pow(input=x, exponent=3), torch.pow(input=tx, exponent=3))
    _same(x.mm(mat2=y), tx.mm(mat2=ty))
    b, tb = _pair(2, 3, 3)
    _same(b.bmm(mat2=b), tb.bmm(mat2=tb))
    _same(v.dot(tensor=u), tv.dot(tensor=tu))
    _same(v.outer(vec2=u), tv.outer(vec2=tu))
    _same(v.ger(vec2=u), tv.ger(vec2=tu))
    _same(x.permute(dims=(1, 0)), tx.permute(dims=(1, 0)))
    with pytest.raises(TypeError, match="both k= and diagonal="):
        x.tril(1, diagonal=1)
    with pytest.raises(TypeError, match="both axes= and dims="):
        x.permute(1, 0, dims=(1, 0))


def test_conv2d_input_weight_bias():
    (x, tx), (w, tw), (b, tb) = _pair(2, 3, 5, 5), _pair(4, 3, 3, 3), _pair(4)
    ours = tg.nn.functional.conv2d(input=x, weight=w, bias=b, padding=1)
    theirs = torch.nn.functional.conv2d(input=tx, weight=tw, bias=tb, padding=1)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    _same(tg.nn.functional.pad(input=x, pad_width=(1, 2, 0, 1)),
          torch.nn.functional.pad(input=tx, pad=(1, 2, 0, 1)))
    with pytest.raises(TypeError, match="both w= and weight="):
        tg.nn.functional.conv2d(x, w, weight=w)


def test_more_tensor_method_keywords():
    (x, tx), (y, ty) = _pair(2, 3), _pair(2, 3)
    _same(x.atan2(other=y), tx.atan2(other=ty))
    _same(tg.atan2(input=x, other=y), torch.atan2(input=tx, other=ty))
    _same(x.where(x > 0, other=y), tx.where(tx > 0, other=ty))
    _same(x.tile(dims=(2, 1)), tx.tile(dims=(2, 1)))
    r, tr = _pair(1, 3)
    _same(r.broadcast_to(size=(2, 3)), tr.broadcast_to(size=(2, 3)))
    _same(r.expand(size=(4, 3)), tr.expand(size=(4, 3)))
    _same(x.view(size=(3, 2)), tx.view(size=(3, 2)))
    a, ta = tg.tensor(RNG.normal(size=(2, 3))), torch.tensor(RNG.normal(size=(2, 3)))
    a.data[:], ta[:] = 1.0, 1.0
    _same(a.swapdims_(dim0=0, dim1=1), ta.swapdims_(dim0=0, dim1=1))
    assert a.shape == tuple(ta.shape) == (3, 2)


def test_function_keywords_of_compositions():
    (x, tx), (y, ty) = _pair(3, 3), _pair(3, 3)
    (v, tv), (u, tu) = _pair(3), _pair(3)
    for name in ("inner", "kron", "dist"):
        _same(getattr(tg, name)(input=x, other=y), getattr(torch, name)(input=tx, other=ty))
    _same(tg.cross(input=x, other=y, dim=0), torch.cross(input=tx, other=ty, dim=0))
    _same(tg.outer(input=v, vec2=u), torch.outer(input=tv, vec2=tu))
    _same(tg.ger(input=v, vec2=u), torch.ger(input=tv, vec2=tu))
    _same(tg.diag(input=v, diagonal=1), torch.diag(input=tv, diagonal=1))
    _same(tg.tensordot(a=x, b=y, dims=1), torch.tensordot(a=tx, b=ty, dims=1))
    _same(tg.where(condition=x > 0, input=x, other=y),
          torch.where(condition=tx > 0, input=tx, other=ty))
    _same(tg.sort(input=v), torch.sort(input=tv).values)  # (NumPy's sort: the values)
    for name in ("zeros_like", "ones_like", "empty_like"):
        assert getattr(tg, name)(input=x).shape == tuple(getattr(torch, name)(input=tx).shape)
    _same(tg.full_like(input=x, fill_value=2.5), torch.full_like(input=tx, fill_value=2.5))
    assert tg.rand_like(input=x).shape == tg.randn_like(input=x).shape == (3, 3)
    s = np.array([1.0, 3.0, 5.0])
    _same(tg.searchsorted(tg.tensor(s), input=v),
          torch.searchsorted(torch.tensor(s), input=tv))
    _same(tg.histogram(input=v, bins=4)[0], torch.histogram(input=tv.detach(), bins=4)[0])
    parts = tg.tensor_split(input=v, indices_or_sections=2)
    for p, tp in zip(parts, torch.tensor_split(input=tv, sections=2), strict=True):
        _same(p, tp)
    _same(tg.linalg.norm(input=x), torch.linalg.norm(input=tx))
    with pytest.raises(TypeError, match="both x= and input="):
        tg.inner(x, y, input=x)


def test_constructor_size_keywords():
    for name in ("zeros", "ones", "empty", "rand", "randn"):
        ours, theirs = getattr(tg, name)(size=(2, 3)), getattr(torch, name)(size=(2, 3))
        assert ours.shape == tuple(theirs.shape)
    _same(tg.full(size=(2, 3), fill_value=7.0),
          torch.full(size=(2, 3), fill_value=7.0, dtype=torch.float64))
    with pytest.raises(TypeError, match="both shape= and size="):
        tg.zeros(2, size=(2, 3))


def test_nn_functional_input_keywords():
    F, TF = tg.nn.functional, torch.nn.functional
    x, tx = _pair(2, 3, 6, 6)
    _same(F.max_pool2d(input=x, kernel_size=2), TF.max_pool2d(input=tx, kernel_size=2))
    _same(F.avg_pool2d(input=x, kernel_size=2), TF.avg_pool2d(input=tx, kernel_size=2))
    _same(F.dropout(input=x, p=0.5, training=False),
          TF.dropout(input=tx, p=0.5, training=False))
    labels = np.array([0, 2, 1])
    np.testing.assert_array_equal(F.one_hot(input=tg.tensor(labels), num_classes=3),
                                  TF.one_hot(input=torch.tensor(labels), num_classes=3))
    # F.pad(pad=): PyTorch's reading, a pair on a 2-D tensor included (last axis only)
    m, tm = _pair(3, 4)
    for pad in [(1, 2), (-1, 1), (1, 0, 2, 1), (0, -1, 1, 0)]:
        _same(F.pad(m, pad=pad), TF.pad(tm, pad=pad))
    _same(F.pad(input=m, pad=(1, 1), value=2.0), TF.pad(input=tm, pad=(1, 1), value=2.0))
    with pytest.raises(TypeError, match="both pad_width= and pad="):
        F.pad(m, (1, 1), pad=(1, 1))
    with pytest.raises(TypeError, match="missing the widths"):
        F.pad(m)


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 20.0), (0.5, 20.0),
                                                 (1.0, 5.0), (3.0, 1.0), (-1.0, 20.0)])
def test_softplus_beta_threshold(beta, threshold):
    a = np.array([-30.0, -2.0, -0.1, 0.0, 0.3, 4.0, 9.9, 10.1, 25.0])
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours = tg.nn.functional.softplus(x, beta=beta, threshold=threshold)
    theirs = torch.nn.functional.softplus(tx, beta=beta, threshold=threshold)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-9)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    m, tm = tg.nn.Softplus(beta=beta, threshold=threshold), torch.nn.Softplus(beta, threshold)
    np.testing.assert_allclose(m(tg.tensor(a)).data, tm(torch.tensor(a)).numpy(), rtol=1e-12,
                               atol=1e-9)
    assert repr(m) == repr(tm)


def test_batchnorm_torch_keywords():
    a = RNG.normal(size=(5, 3))
    bn = tg.nn.BatchNorm1d(num_features=3, eps=1e-5, momentum=0.1, affine=True,
                           track_running_stats=True, bias=True)
    tbn = torch.nn.BatchNorm1d(num_features=3, eps=1e-5, momentum=0.1, affine=True,
                               track_running_stats=True, bias=True).double()
    _same(bn(tg.tensor(a)), tbn(torch.tensor(a)))
    assert tg.nn.BatchNorm2d(num_features=4).d == tg.nn.BatchNorm3d(num_features=4).d == 4
    for kw in ("affine", "track_running_stats", "bias"):  # (torch's: test_batchnorm_options)
        assert f"{kw}=False" in repr(tg.nn.BatchNorm2d(3, **{kw: False}))
    with pytest.raises(TypeError, match="both d= and num_features="):
        tg.nn.BatchNorm1d(3, num_features=3)


@pytest.mark.parametrize("name", ["SGD", "RMSprop"])
def test_optimizer_maximize_steps_as_torchs(name):
    w = tg.tensor(np.array([1.0, -2.0]), requires_grad=True)
    tw = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = getattr(tg.optim, name)([w], lr=0.1, maximize=False)
    topt = getattr(torch.optim, name)([tw], lr=0.1, maximize=False)
    (w * w).sum().backward()
    (tw * tw).sum().backward()
    opt.step()
    topt.step()
    _same(w, tw)
    opt = getattr(tg.optim, name)([w], lr=0.1, maximize=True)
    topt = getattr(torch.optim, name)([tw], lr=0.1, maximize=True)
    opt.step()
    topt.step()
    _same(w, tw)


if __name__ == "__main__":
    m = audit()
    for k, v in m.items():
        print(k, v)
    print(len(m))


# ---- the optimizers' speed and graph flags: torch's defaults taken, other values refused ----
@pytest.mark.parametrize("name, flags", [
    ("SGD", ("foreach", "differentiable", "fused")),
    ("Adam", ("foreach", "capturable", "differentiable", "fused")),
    ("AdamW", ("foreach", "capturable", "differentiable", "fused")),
    ("RMSprop", ("foreach", "capturable", "differentiable")),
])
def test_optimizer_flags_at_torchs_defaults_step_as_without_them(name, flags):
    defaults = {"foreach": None, "fused": None, "capturable": False, "differentiable": False}
    steps = []
    for given in ({}, {f: defaults[f] for f in flags}):
        w = tg.Tensor(np.array([1.0, -2.0]), requires_grad=True)
        opt = getattr(tg.optim, name)([w], lr=0.1, **given)
        for _ in range(3):
            opt.zero_grad()
            ((w * w).sum() * 3.0).backward()
            opt.step()
        steps.append(w.data.copy())
    np.testing.assert_array_equal(steps[0], steps[1])
    for f in flags:
        with pytest.raises(ValueError, match=f"{f}=True is not supported") as e:
            getattr(tg.optim, name)([tg.Tensor(np.ones(2), requires_grad=True)], lr=0.1,
                                    **{f: True})
        assert "\n" not in str(e.value)
        assert f in inspect.signature(getattr(torch.optim, name)).parameters
