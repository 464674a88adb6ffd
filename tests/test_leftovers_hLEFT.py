"""Small gaps, each checked against torch 2.13 / NumPy 2.4 first (hLEFT): NumPy's list from
np.hsplit of a tensor; a 0-d integer tensor or array as a dim; a 0-d tensor as linspace's
steps and device= on logspace/scalar_tensor/randint_like/tril_indices; no global mpmath
precision in tests/; clip_grad_norm_'s quasi-norms (0 < p < 1) as torch's; a char-RNN --start
in another Unicode normal form; @jit on a method of a __slots__ object freed with it."""

from __future__ import annotations

import gc
import re
import unicodedata
import weakref
from pathlib import Path

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl.commands.synthesize import synthesize_text
from tinygrad_dl.jit import jit
from tinygrad_dl.models import CharRNN
from tinygrad_dl.nn.utils import clip_grad_norm_, get_total_norm


# ---- 1. np.hsplit & co. of a tensor: NumPy's container -----------------------------------------
@pytest.mark.parametrize("name,shape,arg", [("hsplit", (2, 4), 2), ("vsplit", (4, 2), [1, 3]),
                                            ("dsplit", (1, 2, 4), 2), ("split", (6,), 3),
                                            ("array_split", (5, 2), 3)])
def test_numpy_splits_of_a_tensor_give_numpys_list(name, shape, arg):
    a = np.arange(float(np.prod(shape))).reshape(shape)
    want = getattr(np, name)(a, arg)
    got = getattr(np, name)(tg.Tensor(a), arg)
    assert type(got) is type(want) is list  # (np.hsplit(t, 2) was a tuple)
    assert all(isinstance(p, tg.Tensor) for p in got)
    assert [p.data.tolist() for p in got] == [p.tolist() for p in want]


def test_numpy_tuples_stay_tuples_and_torchs_hsplit_its_tuple():
    a = np.arange(8.0).reshape(2, 4)
    t = tg.Tensor(a)
    for f in (np.broadcast_arrays, np.atleast_2d, np.atleast_3d):  # (NumPy 2: tuples; were lists)
        assert type(f(t, t)) is type(f(a, a)) is tuple
    assert type(t.hsplit(2)) is tuple and type(tg.hsplit(t, 2)) is tuple  # torch's


# ---- 2. a 0-d integer tensor or array as a dim --------------------------------------------------
DIM_CALLS = {
    "sum": lambda x, d: x.sum(d), "sum_kw": lambda x, d: x.sum(dim=d),
    "sum_tuple": lambda x, d: x.sum((d, 0)), "mean": lambda x, d: x.mean(d),
    "split": lambda x, d: x.split(1, d), "chunk": lambda x, d: x.chunk(3, d),
    "unbind": lambda x, d: x.unbind(d), "select": lambda x, d: x.select(d, 0),
    "narrow": lambda x, d: x.narrow(d, 0, 2), "argmax": lambda x, d: x.argmax(d),
    "cumsum": lambda x, d: x.cumsum(d), "std": lambda x, d: x.std(d),
    "logsumexp": lambda x, d: x.logsumexp(d), "topk": lambda x, d: x.topk(1, d)[0],
    "flatten": lambda x, d: x.flatten(d), "tensor_split": lambda x, d: x.tensor_split(2, d),
    "squeeze": lambda x, d: x.squeeze(dim=d), "flip": lambda x, d: x.flip(d),
    "diff": lambda x, d: x.diff(dim=d), "size": lambda x, d: x.size(d),
}


@pytest.mark.parametrize("name", sorted(DIM_CALLS))
@pytest.mark.parametrize("kind", ["tensor", "uint8", "array"])
def test_a_0d_integer_dim_is_its_int(name, kind):
    """Each refused one before ('dim must be an integer, got Tensor(1)'); torch takes a 0-d
    integer tensor through __index__, NumPy a 0-d integer array."""
    x = tg.Tensor(np.arange(24.0).reshape(2, 3, 4))
    d = {"tensor": tg.tensor(1), "uint8": tg.tensor(1, dtype=np.uint8),
         "array": np.array(1)}[kind]
    want, got = DIM_CALLS[name](x, 1), DIM_CALLS[name](x, d)
    for w, g in zip(want if isinstance(want, tuple) else [want],
                    got if isinstance(got, tuple) else [got]):
        np.testing.assert_array_equal(np.asarray(g.data if isinstance(g, tg.Tensor) else g),
                                      np.asarray(w.data if isinstance(w, tg.Tensor) else w))


def test_a_0d_dim_matches_torch_values_and_gradient():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    x, tx = tg.Tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)
    (x.softmax(tg.tensor(2)).sum(tg.tensor(1)) * tg.Tensor(np.arange(8.0).reshape(2, 4))).sum(
    ).backward()
    (tx.softmax(torch.tensor(2)).sum(torch.tensor(1)) * torch.arange(8.0, dtype=torch.float64
                                                                     ).reshape(2, 4)).sum(
    ).backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-13, atol=1e-15)
    assert len(x.unbind(tg.tensor(-1))) == len(tx.unbind(torch.tensor(-1))) == 4


@pytest.mark.parametrize("call", ["sum", "split", "chunk", "unbind"])
@pytest.mark.parametrize("bad", ["float", "bool", "one_element_1d", "float_array"])
def test_a_float_bool_or_1d_dim_is_still_refused(call, bad):
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    d = {"float": tg.tensor(1.0), "bool": tg.tensor(True), "one_element_1d": tg.tensor([1]),
         "float_array": np.array(1.0)}[bad]
    f = {"sum": lambda: x.sum(d), "split": lambda: x.split(1, d),
         "chunk": lambda: x.chunk(2, d), "unbind": lambda: x.unbind(d)}[call]
    with pytest.raises(TypeError) as e:
        f()
    one_line(e, "dim" if call != "sum" else "axis")


# ---- 3. linspace/logspace steps as a 0-d tensor; device= on every creation function ------------
def test_linspace_logspace_and_windows_take_a_0d_integer_steps():
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(tg.linspace(0, 1, tg.tensor(5)).data,
                               torch.linspace(0, 1, torch.tensor(5), dtype=torch.float64))
    np.testing.assert_allclose(tg.logspace(0, 2, tg.tensor(3)).data,
                               torch.logspace(0, 2, torch.tensor(3), dtype=torch.float64))
    np.testing.assert_allclose(tg.linspace(0, 1, steps=np.array(4)).data, np.linspace(0, 1, 4))
    assert tg.hann_window(tg.tensor(5)).shape == (5,)
    with pytest.raises(TypeError) as e:
        tg.linspace(0, 1, tg.tensor(5.0))
    one_line(e, "linspace", "steps")


@pytest.mark.parametrize("name,call", [
    ("logspace", lambda d: tg.logspace(0, 1, 3, device=d)),
    ("scalar_tensor", lambda d: tg.scalar_tensor(2.0, device=d)),
    ("randint_like", lambda d: tg.randint_like(tg.zeros(2), 3, device=d)),
    ("tril_indices", lambda d: tg.tril_indices(3, 3, device=d)),
    ("triu_indices", lambda d: tg.triu_indices(3, 3, device=d))])
def test_creation_functions_check_device_as_zeros_does(name, call):
    """logspace, scalar_tensor and randint_like ignored device='cuda'; tril/triu_indices
    refused torch's device= keyword."""
    assert isinstance(call("cpu"), tg.Tensor)
    with pytest.raises(RuntimeError) as e:
        call("cuda")
    one_line(e, name, "'cuda'", "CPU only")


# ---- 4. no test file sets mpmath's precision for the whole worker -------------------------------
def test_no_test_file_sets_mpmath_precision_globally():
    """`mp.mp.dps = 50` in one file stayed on for the next files of an xdist worker (one
    test passed only after it); each file sets it locally (mp.workdps, a fixture)."""
    assign = re.compile(r"^\s*[\w.]*\bmp\.(dps|prec)\s*=[^=]", re.M)
    found = [f"{p.name}:{src.count(chr(10), 0, m.start()) + 1}"
             for p in sorted(Path(__file__).parent.glob("*.py"))
             for src in [p.read_text(encoding="utf-8")] for m in assign.finditer(src)]
    assert not found, found


# ---- 5. clip_grad_norm_ with 0 < norm_type < 1: torch's quasi-norm ------------------------------
def _params(rng, shapes, scale):
    ours, theirs = [], []
    torch = pytest.importorskip("torch")
    for s in shapes:
        g = rng.standard_normal(s) * scale * (rng.random(s) > 0.2)
        p = tg.Tensor(np.zeros(s), requires_grad=True)
        p.grad = g.copy()
        q = torch.zeros(s, dtype=torch.float64, requires_grad=True)
        q.grad = torch.tensor(g)
        ours.append(p)
        theirs.append(q)
    return ours, theirs


def test_clip_grad_norm_quasi_norms_match_torch():
    """norm_type 0.5 was refused ('must be a number >= 1'); torch computes the norm of the
    per-tensor (sum |g|^p)^(1/p): values and clipped gradients against torch, 60 cases."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for case in range(60):
        p = float(rng.choice([0.5, 0.999, 0.25, 0.1, 0.75])) if case % 3 else float(
            rng.uniform(0.05, 1.0))
        shapes = [tuple(int(n) for n in rng.integers(1, 5, rng.integers(1, 3)))
                  for _ in range(rng.integers(1, 4))]
        ours, theirs = _params(rng, shapes, float(10.0 ** rng.uniform(-3, 3)))
        max_norm = float(10.0 ** rng.uniform(-2, 4))
        want_total = get_total_norm([t.grad for t in ours], p)
        got = clip_grad_norm_(ours, max_norm, norm_type=p)
        want = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=p)
        np.testing.assert_allclose(got, want.item(), rtol=1e-12, err_msg=f"case {case} p {p}")
        np.testing.assert_allclose(want_total, got, rtol=0)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_clip_grad_norm_quasi_norm_past_float64_zeroes_as_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _params(np.random.default_rng(1), [(3,), (2, 2)], 3.0)
    got = clip_grad_norm_(ours, 1.0, norm_type=0.001)
    want = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=0.001)
    assert got == want.item() == np.inf
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad, b.grad.numpy())  # (all 0)


@pytest.mark.parametrize("p", [0.0, -1.0, -np.inf, float("nan")])
def test_clip_grad_norm_order_0_or_below_still_refused(p):
    t = tg.Tensor(np.zeros(2), requires_grad=True)
    t.grad = np.array([3.0, 4.0])
    with pytest.raises(ValueError) as e:
        clip_grad_norm_([t], 1.0, norm_type=p)
    one_line(e, "norm_type", "> 0")
    assert t.grad.tolist() == [3.0, 4.0]


# ---- 6. the char-RNN's --start in another Unicode normal form ----------------------------------
def _net(k):
    return CharRNN(k, 4, std=1.0, rng=np.random.default_rng(0))


def test_start_decomposed_on_a_composed_text_runs_the_composed_characters():
    """The text's 'é' is U+00E9; a combining acute (U+0301) is in it too (after another
    letter), so a decomposed --start 'e' + U+0301 passed the vocabulary check and ran the
    model on two characters that look like the one it learned, without a word."""
    chars = ["a", "b", "e", "\u00e9", "\u0301"]
    composed = synthesize_text(_net(5), chars, "b\u00e9", 12, temperature=0.0)
    decomposed = synthesize_text(_net(5), chars, "be\u0301", 12, temperature=0.0)
    assert decomposed == composed and decomposed.startswith("b\u00e9")


def test_start_composed_on_a_decomposed_text_maps_to_it():
    chars = ["a", "b", "e", "\u0301"]  # (the text in NFD: no U+00E9)
    out = synthesize_text(_net(4), chars, "b\u00e9", 5, temperature=0.0)  # (refused before)
    assert out.startswith("be\u0301") and unicodedata.normalize("NFC", out[:3]) == "b\u00e9"
    assert out == synthesize_text(_net(4), chars, "be\u0301", 5, temperature=0.0)


def test_start_in_no_normal_form_of_the_vocabulary_names_the_character():
    with pytest.raises(ValueError) as e:
        synthesize_text(_net(3), ["a", "b", "e"], "b\u00e9", 5)
    one_line(e, "--start", "U+00E9")


# ---- 7. @jit on a method of a __slots__ object: freed with it ----------------------------------
class _Slotted:
    __slots__ = ("w", "scale", "__weakref__")

    def __init__(self) -> None:
        self.w = tg.Tensor(np.ones(3), requires_grad=True)
        self.scale = 2.0

    @jit
    def step(self, x):
        assert type(self) is _Slotted  # (the object itself, not a proxy)
        loss = (self.w * x * self.scale).sum()
        loss.backward()
        return loss


def test_jit_method_of_a_slots_object_is_freed_with_it():
    """The class's weak table held the jit of the bound method, which held the object: none
    was ever freed. Values, replays and the guard on self.scale as before."""
    s = _Slotted()
    x = tg.Tensor(np.arange(3.0))
    got = []
    for i in range(7):
        s.w.grad = None
        if i == 4:
            s.scale = 3.0
        got.append(float(s.step(x).item()))
        np.testing.assert_array_equal(s.w.grad, np.arange(3.0) * s.scale)
    assert got == [6.0] * 4 + [9.0] * 3
    assert s.step.replays >= 3
    ref = weakref.ref(s)
    del s
    gc.collect()
    assert ref() is None


def test_jit_of_a_freed_slots_object_raises():
    s = _Slotted()
    x = tg.Tensor(np.arange(3.0))
    kept = s.step
    for _ in range(3):
        s.w.grad = None
        kept(x)
    del s
    gc.collect()
    with pytest.raises(ReferenceError):
        kept(x)
