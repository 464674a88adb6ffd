"""autograd.functional (jacobian, vjp, jvp; hessian, hvp, vhp refused) against torch 2.13's
torch.autograd.functional on seeded random programs: inputs a Tensor or a tuple, 0-d, empty,
(2, 3) and transposed shapes, float64 and float32, outputs a Tensor or a tuple, outputs that
do not depend on an input (a constant, no_grad, detach), strict and vectorize; values 1e-10
(float32 1e-5), shapes, nesting and dtypes equal, and an error wherever torch raises. Left out
of the comparison, where torch itself fails: its jacobian of an empty output ("stack expects a
non-empty TensorList"), its jvp's NaN for an empty input (0/0 in its double backward: the
empty sum J v is 0) and its strict jvp's verdict on an empty input."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from test_autograd_functional import agree

import tinygrad_dl as tg
from tinygrad_dl.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

torch = pytest.importorskip("torch")
TAF = torch.autograd.functional

STEPS = ["sin", "exp", "tanh", "square", "mul", "sub", "sum", "mean", "softmax", "amax", "T",
         "index", "const", "no_grad", "detach", "cat", "where", "mm"]
SHAPES = [(), (0,), (2, 3), (3,), (1, 3), (2, 0), (4,)]


def _step(lib, kind, a, b):
    """One step of a random program, written once for both libraries."""
    if kind in ("sin", "exp", "tanh"):
        return getattr(a, kind)()
    if kind == "square":
        return a * a
    if kind in ("mul", "sub"):
        b = b if b.shape == a.shape else b.sum()
        return a * b if kind == "mul" else a - b * 0.5
    if kind in ("sum", "mean"):
        return getattr(a, kind)(0, keepdim=a.ndim > 1) if a.ndim else a * 2
    if kind == "softmax":
        return a.softmax(-1) if a.ndim else a * 1.5
    if kind == "amax":
        return a.amax(-1) if a.ndim and a.shape[-1] else a + 1
    if kind == "T":
        return a.T if a.ndim == 2 else a * 0.3
    if kind == "index":
        return a[0] if a.ndim and a.shape[0] else a * 3
    if kind == "const":
        return (a.detach() * 0 + 2) if lib is tg else torch.full_like(a.detach(), 2.0)
    if kind == "no_grad":
        with lib.no_grad():
            return a * 2
    if kind == "detach":
        return a.detach() * a
    if kind == "cat":
        return lib.cat([a, a], 0) if a.ndim else a - 1
    if kind == "where":
        return lib.where(a > 0, a * b if a.shape == b.shape else a, a.exp())
    return a @ a.T if a.ndim == 2 else a * a  # "mm"


def _program(rng):
    steps = [(STEPS[rng.integers(len(STEPS))], int(rng.integers(8)), int(rng.integers(8)))
             for _ in range(int(rng.integers(1, 4)))]
    n_out = int(rng.integers(1, 3))

    def make(lib):
        def f(*ins):
            vals = list(ins)
            for kind, i, j in steps:
                vals.append(_step(lib, kind, vals[i % len(vals)], vals[j % len(vals)]))
            return vals[-1] if n_out == 1 else tuple(vals[-n_out:])
        return f
    return make(tg), make(torch)


def _attempt(f):
    try:
        return True, f()
    except Exception as e:  # noqa: BLE001 (compared with torch's: raised or not)
        return False, e


_TORCH_FAILS = "stack expects a non-empty|out of bounds for dimension 0 with size 0"


def _check(name, ours, theirs, empty_in):
    (ok_o, ro), (ok_t, rt) = _attempt(ours), _attempt(theirs)
    if not ok_t and re.search(_TORCH_FAILS, str(rt)):
        return "torch fails"
    if name == "jvp" and empty_in and (not ok_t or ok_o):  # (see the module's docstring)
        return "torch's empty jvp"
    if ok_t:
        assert ok_o, (name, ro)
        agree(ro, rt, name, 1e-10, 1e-10)
        return "same"
    assert not ok_o, (name, rt)
    assert "\n" not in str(ro), ro
    if "strict mode" in str(rt):  # the same output / input named first
        assert re.findall(r"(?:[Oo]utput|input) (\d+)", str(ro)) == \
            re.findall(r"(?:[Oo]utput|input) (\d+)", str(rt)), (ro, rt)
    return "both raise"


def _case(seed):
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(1, 4))
    shape = SHAPES[rng.integers(len(SHAPES))]
    xs = [rng.standard_normal(shape) for _ in range(n_in)]
    if len(shape) == 2 and rng.random() < 0.5:  # transposed (non-contiguous) inputs
        xs = [rng.standard_normal(shape[::-1]).T for _ in range(n_in)]
    if rng.random() < 0.2:
        xs = [x.astype(np.float32) for x in xs]
    fo, ft = _program(rng)
    as_tuple = n_in > 1 or rng.random() < 0.5
    oi, ti = tuple(tg.tensor(x) for x in xs), tuple(torch.tensor(x) for x in xs)
    if not as_tuple:
        oi, ti = oi[0], ti[0]
    strict, vec = bool(rng.random() < 0.3), bool(rng.random() < 0.2)
    empty_in = xs[0].size == 0
    seen = [_check("jacobian", lambda: jacobian(fo, oi, strict=strict, vectorize=vec),
                   lambda: TAF.jacobian(ft, ti, strict=strict, vectorize=vec), empty_in)]
    out = ft(*ti) if as_tuple else ft(ti)
    outs = out if isinstance(out, tuple) else (out,)
    vs = [rng.standard_normal(tuple(o.shape)).astype(str(o.dtype)[6:]) for o in outs]
    v_none = len(outs) == 1 and outs[0].numel() == 1 and rng.random() < 0.5
    vo = None if v_none else tuple(tg.tensor(v) for v in vs)
    vt = None if v_none else tuple(torch.tensor(v) for v in vs)
    if not v_none and not isinstance(out, tuple):
        vo, vt = vo[0], vt[0]
    seen.append(_check("vjp", lambda: vjp(fo, oi, vo, strict=strict),
                       lambda: TAF.vjp(ft, ti, vt, strict=strict), empty_in))
    us = [rng.standard_normal(x.shape).astype(x.dtype) for x in xs]
    u_none = not as_tuple and xs[0].size == 1 and rng.random() < 0.5
    uo = None if u_none else tuple(tg.tensor(u) for u in us)
    ut = None if u_none else tuple(torch.tensor(u) for u in us)
    if not u_none and not as_tuple:
        uo, ut = uo[0], ut[0]
    seen.append(_check("jvp", lambda: jvp(fo, oi, uo, strict=strict),
                       lambda: TAF.jvp(ft, ti, ut, strict=strict), empty_in))
    return seen


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (NumPy's, for a mean of nothing)
@pytest.mark.parametrize("block", range(4))
def test_random_programs_match_torch(block):
    seen = [s for seed in range(block * 40, block * 40 + 40) for s in _case(seed)]
    assert seen.count("same") > 40 and seen.count("both raise") > 5, seen


# ---- regressions: one per bug --------------------------------------------------------------

def test_jvp_nonfinite_v_entry_does_not_poison_the_other_entries():
    # was [nan nan nan]: the dense J v multiplied J's zeros by v's inf and NaN
    x, u = np.array([1.0, 2.0, 3.0]), np.array([np.inf, 1.0, np.nan])
    for f in (lambda a: a * 2, lambda a: a[1:], lambda a: a[:2].sum()):
        agree(jvp(f, tg.tensor(x), tg.tensor(u)), TAF.jvp(f, torch.tensor(x),
                                                          torch.tensor(u)), "inf in v")


@pytest.mark.parametrize("who", ["vjp", "jvp"])
def test_a_complex_v_for_a_real_function_is_refused(who):
    # was silently its real part (vjp of a * 2 with v = 1j: zeros); torch raises
    x = tg.tensor(np.ones(3))
    f = {"vjp": vjp, "jvp": jvp}[who]
    with pytest.raises(RuntimeError, match=rf"{who}: v\[0\] is complex128, the .* float64"):
        f(lambda a: a * 2, x, tg.tensor(np.ones(3) * 1j))


def test_jvp_refuses_an_integer_or_bool_output_as_torch():
    # was integer zeros; torch: "Only Tensors of floating point ... can require gradients"
    x = tg.tensor(np.array([1.0, 2.0]))
    for f, tf in [(lambda a: a.long(), lambda a: a.long()), (lambda a: a > 1, lambda a: a > 1),
                  (lambda a: (a * 2, a.long()), lambda a: (a * 2, a.long()))]:
        with pytest.raises(RuntimeError):
            TAF.jvp(tf, torch.tensor(x.data), torch.ones(2, dtype=torch.float64))
        with pytest.raises(RuntimeError, match="jvp: output .* J v needs floating-point"):
            jvp(f, x, tg.ones(2))
    # vjp and jacobian compute (zeros), as torch's
    agree(vjp(lambda a: a.long(), x, tg.tensor([1, 1])),
             TAF.vjp(lambda a: a.long(), torch.tensor(x.data), torch.tensor([1, 1])), "vjp")


def test_jacobian_option_pairs_torch_refuses_are_refused():
    # were computed: code that ran here raised under torch
    x, xt = tg.tensor(np.ones(2)), torch.ones(2, dtype=torch.float64)
    f = lambda a: a * 2  # noqa: E731
    for kw, exc, msg in [({"strategy": "forward-mode"}, NotImplementedError, "vectorize=True"),
                         ({"strategy": "forward-mode", "vectorize": True, "strict": True},
                          RuntimeError, "strict=True and strategy='forward-mode'"),
                         ({"vectorize": True, "strict": True}, RuntimeError,
                          "strict=True and vectorize=True")]:
        with pytest.raises(exc):
            TAF.jacobian(f, xt, **kw)
        with pytest.raises(exc, match=msg):
            jacobian(f, x, **kw)


@pytest.mark.slow  # (torch's vmap: seconds to import)
def test_jacobian_forward_mode_with_vectorize_is_reverse_modes_matrix():
    x, xt = tg.tensor(np.array([0.5, -2.0])), torch.tensor(np.array([0.5, -2.0]))
    agree(jacobian(lambda a: (a * a).sin(), x, strategy="forward-mode", vectorize=True),
             TAF.jacobian(lambda a: (a * a).sin(), xt, strategy="forward-mode",
                          vectorize=True), "forward-mode")


def test_jacobian_strict_names_an_output_without_grad_first_as_torch():
    # was "output 0 ... is independent of input 1": torch checks every output first
    x = (tg.tensor(np.ones(2)), tg.tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="output 1 of the user-provided function does not "
                                           "require gradients"):
        jacobian(lambda a, b: (a * 2, tg.ones(2)), x, strict=True)
    with pytest.raises(RuntimeError, match="Output 1 .* does not require gradients"):
        TAF.jacobian(lambda a, b: (a * 2, torch.ones(2)),
                     (torch.ones(2, dtype=torch.float64),) * 2, strict=True)


def test_jvp_of_a_float32_input_to_a_float64_output_warns_of_its_precision():
    # was silent: J's rows are float32 gradients, so J v is float32-accurate (torch's float64)
    x, u = np.float32([0.3, -1.7]), np.float32([0.7, 1.3])
    f = lambda a: a.double() * 1.1  # noqa: E731
    with pytest.warns(RuntimeWarning, match="input 0 is float32 and output 0 float64"):
        got = jvp(f, tg.tensor(x), tg.tensor(u))[1]
    np.testing.assert_allclose(got.data, TAF.jvp(f, torch.tensor(x), torch.tensor(u))[1],
                               rtol=1e-7)
    with warnings.catch_warnings():  # a float64 input: exact, no warning
        warnings.simplefilter("error")
        jvp(f, tg.tensor(x.astype(np.float64)), tg.tensor(u.astype(np.float64)))


# ---- documented behaviours ---------------------------------------------------------------

def test_refusals_are_one_line_where_torch_raises_too():
    x, xt = tg.tensor(np.ones(3)), torch.ones(3, dtype=torch.float64)
    cases = [  # (ours, torch's)
        (lambda: jacobian(lambda a, b: a * b, [x, x]), lambda: TAF.jacobian(lambda a, b: a * b,
                                                                             [xt, xt])),
        (lambda: jacobian(lambda a: a * 2, np.ones(3)), lambda: TAF.jacobian(lambda a: a * 2,
                                                                              np.ones(3))),
        (lambda: vjp(lambda a: a * 2, 3), lambda: TAF.vjp(lambda a: a * 2, 3)),
        (lambda: jacobian(lambda a: 3.0, x), lambda: TAF.jacobian(lambda a: 3.0, xt)),
        (lambda: jacobian(lambda a: [a], x), lambda: TAF.jacobian(lambda a: [a], xt)),
        (lambda: vjp(lambda a: a * 2, x), lambda: TAF.vjp(lambda a: a * 2, xt)),
        (lambda: jvp(lambda a: a * 2, x), lambda: TAF.jvp(lambda a: a * 2, xt)),
        (lambda: vjp(lambda a: a * 2, x, tg.ones(1, 3)),
         lambda: TAF.vjp(lambda a: a * 2, xt, torch.ones(1, 3, dtype=torch.float64))),
        (lambda: jvp(lambda a: a * 2, x, tg.ones(2)),
         lambda: TAF.jvp(lambda a: a * 2, xt, torch.ones(2, dtype=torch.float64))),
        (lambda: jvp(lambda a: a * 2, x, (tg.ones(3), tg.ones(3))),
         lambda: TAF.jvp(lambda a: a * 2, xt, (xt, xt))),
        (lambda: jacobian(lambda a: a.mul_(2), x), lambda: TAF.jacobian(lambda a: a.mul_(2), xt)),
        (lambda: jacobian(lambda a: a[:2].mul_(2), x),
         lambda: TAF.jacobian(lambda a: a[:2].mul_(2), xt)),
        (lambda: jacobian(lambda a: a, tg.tensor([1, 2])),
         lambda: TAF.jacobian(lambda a: a, torch.tensor([1, 2]))),
    ]
    for ours, theirs in cases:
        with pytest.raises(Exception):  # noqa: B017, PT011 (torch's type varies)
            theirs()
        with pytest.raises((TypeError, RuntimeError, NotImplementedError)) as e:
            ours()
        assert "\n" not in str(e.value)
    assert np.array_equal(x.data, np.ones(3))  # the refused in-place left the input alone


def test_no_grad_inside_and_in_place_under_no_grad_as_torch():
    def f(lib):
        def g(a):
            with lib.no_grad():
                a.mul_(2)  # (the caller's array too: the leaves share it, as torch's)
            return a * a
        return g

    def h(lib):
        def g(a):
            with lib.no_grad():
                return a * 2
        return g
    x = np.array([1.0, 2.0, 3.0])
    for name in ("jacobian", "vjp", "jvp"):
        args = () if name == "jacobian" else (x.copy(),)
        ours, theirs = tg.tensor(x.copy()), torch.tensor(x.copy())
        got = getattr(tg.autograd.functional, name)(f(tg), ours, *map(tg.tensor, args))
        want = getattr(TAF, name)(f(torch), theirs, *map(torch.tensor, args))
        agree(got, want, name, 1e-10, 1e-10)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
        agree(getattr(tg.autograd.functional, name)(h(tg), tg.tensor(x), *map(tg.tensor, args)),
                 getattr(TAF, name)(h(torch), torch.tensor(x), *map(torch.tensor, args)), name)
        with pytest.raises(RuntimeError, match="output 0 .* does not require gradients"):
            getattr(tg.autograd.functional, name)(h(tg), tg.tensor(x), *map(tg.tensor, args),
                                                  strict=True)


def test_second_derivatives_are_refused_in_one_line():
    x = tg.tensor(np.ones(3))
    for call in (lambda: hessian(lambda a: (a ** 3).sum(), x),
                 lambda: hessian(lambda a: (a ** 3).sum(), x,
                                 outer_jacobian_strategy="forward-mode", vectorize=True),
                 lambda: hvp(lambda a: (a ** 3).sum(), x, x),
                 lambda: vhp(lambda a: (a ** 3).sum(), x, x),
                 lambda: jacobian(lambda a: a * a, x, create_graph=True),
                 lambda: vjp(lambda a: a * a, x, x, create_graph=True),
                 lambda: jvp(lambda a: a * a, x, x, create_graph=True)):
        with pytest.raises(NotImplementedError) as e:
            call()
        assert "\n" not in str(e.value)


def test_the_course_losss_hessian_is_the_jacobian_of_its_hand_gradient():
    # hessian() is refused; its documented route, jacobian of the hand-derived gradient of the
    # one-layer softmax + L2 cost, equals torch's hessian and central finite differences
    rng = np.random.default_rng(3)
    n, d, K, lam = 4, 3, 3, 0.1
    X, y, b = rng.standard_normal((n, d)), np.array([0, 2, 1, 1]), rng.standard_normal(K)
    Y, W0 = np.eye(K)[y], rng.standard_normal((K, d))

    def grad_W(W):  # dJ/dW = (P - Y)^T X / n + 2 lam W
        P = (tg.tensor(X) @ W.T + tg.tensor(b)).softmax(-1)
        return (P - tg.tensor(Y)).T @ tg.tensor(X) / n + 2 * lam * W

    def cost(W):
        S = X @ W.T + b
        S = S - S.max(1, keepdims=True)
        return -(S[np.arange(n), y] - np.log(np.exp(S).sum(1))).mean() + lam * (W * W).sum()

    H = jacobian(grad_W, tg.tensor(W0))
    assert H.shape == (K, d, K, d)
    Ht = TAF.hessian(lambda W: torch.nn.functional.cross_entropy(
        torch.tensor(X) @ W.T + torch.tensor(b), torch.tensor(y)) + lam * (W * W).sum(),
        torch.tensor(W0))
    np.testing.assert_allclose(H.data, Ht.numpy(), rtol=1e-10, atol=1e-12)
    h, Hfd = 1e-4, np.empty((K * d, K * d))
    for i in range(K * d):
        for j in range(K * d):
            E = [np.zeros(K * d) for _ in range(2)]
            E[0][i], E[1][j] = h, h
            a, c = E[0].reshape(K, d), E[1].reshape(K, d)
            Hfd[i, j] = (cost(W0 + a + c) - cost(W0 + a - c) - cost(W0 - a + c)
                         + cost(W0 - a - c)) / (4 * h * h)
    np.testing.assert_allclose(H.data.reshape(K * d, K * d), Hfd, rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="hessian: second derivatives"):
        hessian(lambda W: (grad_W(W) * 0).sum(), tg.tensor(W0))
