"""Second review of autograd.functional's torch-differential fixes (9915929) against torch 2.13:
a complex value on the function's path (x * c) gave jacobian/vjp/jvp wrong real numbers
(autograd.grad cast the complex gradient to the real input's dtype: now refused, as backward()
refuses it); a complex v that torch skips (an output without grad, an input no output uses)
was refused; a Jacobian row's NaN from a one-hot seed's 0 * inf (sqrt, log, 1/x at 0) made J v
NaN where torch's is a number without a word of ours (now a RuntimeWarning at the caller's
line); and the checks that held: J v of a finite v bit-identical to J.dot(v), the float32 ->
float64 warning once per call at the caller's line, jacobian's option refusals where torch's,
a jitted step calling these (run eagerly, right numbers)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.autograd import grad
from tinygrad_dl.autograd.functional import jacobian, jvp, vjp
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TAF = torch.autograd.functional

C = np.array([1 + 2j, 3 - 1j])
X = np.array([1.0, 2.0])


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _smear_warnings(w):
    return [m for m in w if "J v of output" in str(m.message)]


# ---- complex values on the path: refused, not a wrong real number ------------------------------

def test_autograd_grad_refuses_a_complex_gradient_for_a_real_input():
    # was [1., 3.] (x * c's real parts, NumPy's ComplexWarning only); backward() refuses it
    x = tg.tensor(X, requires_grad=True)
    with pytest.raises(TypeError, match=r"^autograd.grad: a complex gradient \(complex128\)"):
        grad(x * tg.tensor(C), [x], np.ones(2, complex))


@pytest.mark.parametrize("who", ["jacobian", "vjp", "jvp"])
def test_a_complex_value_on_the_path_is_refused_in_one_line(who):
    # vjp of (x * c).abs() was [-1.34, 5.06] for torch's [2.24, 6.32]; jvp of (x * c).exp()
    # dropped the imaginary part ([-6.07+0j, ...] for torch's [-6.07+0.21j, ...])
    for f in (lambda a: (a * tg.tensor(C)).abs(), lambda a: (a * tg.tensor(C)).exp()):
        with pytest.raises(TypeError, match="complex gradient") as e:
            if who == "jacobian":
                jacobian(f, tg.tensor(X))
            elif who == "vjp":
                vjp(f, tg.tensor(X), tg.tensor(np.ones(2, f(tg.tensor(X)).dtype)))
            else:
                jvp(f, tg.tensor(X), tg.tensor(np.ones(2)))
        assert "\n" not in str(e.value)


def test_a_complex_v_torch_skips_is_accepted_as_torch():
    cv = np.array([1 + 1j, 2j])
    cases = [("vjp", lambda a: (a > 0).long(), X, cv),  # an integer output: no gradient
             ("vjp", lambda a: a.detach() * 2, X, cv),  # an output without grad
             ("jvp", lambda a, b: a * 2, (X, X), (np.ones(2), cv))]  # an input no output uses
    def conv(lib, a):
        return tuple(lib.tensor(e) for e in a) if isinstance(a, tuple) else lib.tensor(a)

    for who, f, x, v in cases:
        theirs = getattr(TAF, who)(f, conv(torch, x), conv(torch, v))
        ours = {"vjp": vjp, "jvp": jvp}[who](f, conv(tg, x), conv(tg, v))
        for o, t in zip(ours, theirs):
            np.testing.assert_array_equal(_np(o), _np(t))


@pytest.mark.parametrize("who", ["vjp", "jvp"])
def test_a_complex_v_the_product_uses_is_still_refused(who):
    f = {"vjp": vjp, "jvp": jvp}[who]
    with pytest.raises(RuntimeError, match=rf"^{who}: v\[0\] is complex128"):
        f(lambda a: a * 2, tg.tensor(X), tg.tensor(np.array([1j, 1])))


# ---- a NaN of a Jacobian row, made by the one-hot seed -----------------------------------------

@pytest.mark.parametrize("name", ["sqrt", "log", "reciprocal"])
def test_jvp_warns_where_a_one_hot_row_made_a_nan_torch_has_a_number(name):
    # sqrt at [0, 1]: row 1 of J is [0/0, 0.5], so J v was [inf, nan] in silence (torch's
    # [inf, 0.5]); the NaN stays (J's, as torch's jacobian), with a warning at the caller's line
    x, v = np.array([0.0, 1.0]), np.array([1.0, 1.0])
    theirs = _np(TAF.jvp(lambda a: getattr(a, name)(), torch.tensor(x), torch.tensor(v))[1])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ours = jvp(lambda a: getattr(a, name)(), tg.tensor(x), tg.tensor(v))[1].numpy()
    assert ours[0] == theirs[0] and np.isnan(ours[1]) and np.isfinite(theirs[1])
    got = _smear_warnings(w)
    assert len(got) == 1 and got[0].filename == __file__, [str(m.message) for m in w]
    assert issubclass(got[0].category, RuntimeWarning) and "1 of 2 entries" in str(got[0].message)


def test_jvp_warns_where_a_nan_output_entry_smears_into_another_row():
    # sqrt at [-1, 4]: row 1 is [0 / nan, 0.25], so J v was [nan, nan] (torch's [nan, 0.25])
    x, v = np.array([-1.0, 4.0]), np.array([1.0, 1.0])
    theirs = _np(TAF.jvp(torch.sqrt, torch.tensor(x), torch.tensor(v))[1])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ours = jvp(lambda a: a.sqrt(), tg.tensor(x), tg.tensor(v))[1].numpy()
    assert theirs[1] == 0.25 and np.isnan(ours).all() and len(_smear_warnings(w)) == 1


def test_jvp_no_row_nan_warning_where_the_nan_is_v_s_or_the_outputs():
    cases = [(lambda a: a * 2, [1.0, 2.0, 3.0], [np.inf, 1.0, np.nan]),  # v's NaN: torch's too
             (lambda a: a.sqrt(), [-1.0, -4.0], [1.0, 1.0]),  # NaN outputs
             (lambda a: a.tanh(), [0.0, 1.0], [1.0, 2.0])]
    for f, x, v in cases:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            jvp(f, tg.tensor(np.array(x)), tg.tensor(np.array(v)))
        assert not _smear_warnings(w), [str(m.message) for m in w]


# ---- what held -------------------------------------------------------------------------------

def test_jvp_of_a_finite_v_is_the_jacobians_dense_product_bit_for_bit():
    rng = np.random.default_rng(7)
    fs = [lambda a: (a * a).tanh(), lambda a: a.softmax(-1) * a.sum(), lambda a: a.cumsum(0).exp()]
    for f, _ in itertools.product(fs, range(5)):
        x, v = rng.standard_normal(6), rng.standard_normal(6)
        J = jacobian(f, tg.tensor(x)).numpy()
        np.testing.assert_array_equal(jvp(f, tg.tensor(x), tg.tensor(v))[1].numpy(), J.dot(v))


def test_float32_to_float64_warning_once_per_call_at_the_callers_line():
    x = tg.tensor(np.ones(3, np.float32))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        jvp(lambda a: (a.double() * 2, a.double()), x, x)
        jvp(lambda a: (a * 2.0).tanh(), x, x)  # float32 throughout: no warning
    got = [m for m in w if "J v comes from the Jacobian's rows" in str(m.message)]
    assert len(got) == 1 and got[0].filename == __file__, [str(m.message) for m in w]


@pytest.mark.slow  # (torch's vectorize=True compiles on its first calls)
def test_jacobian_option_combinations_raise_where_torch_raises():
    for strict, vec, strat, fk in itertools.product([False, True], [False, True],
                                                   ["reverse-mode", "forward-mode", "nope"],
                                                   ["dep", "const", "int"]):
        outs = {"dep": lambda lib, a: a * 2, "int": lambda lib, a: (a > 0).long(),
                "const": lambda lib, a: lib.tensor(np.ones(2))}[fk]
        res = []
        for lib, jac in ((torch, TAF.jacobian), (tg, jacobian)):
            try:
                jac(lambda a, o=outs, m=lib: o(m, a), lib.tensor(X), strict=strict,
                    vectorize=vec, strategy=strat)
                res.append("ok")
            except (RuntimeError, ValueError, NotImplementedError, AssertionError) as e:
                assert lib is torch or "\n" not in str(e), e
                res.append("raises")
        assert res[0] == res[1], (strict, vec, strat, fk, res)


def test_a_jitted_step_calling_them_runs_eagerly_with_the_right_numbers():
    w = tg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    got = []

    @jit
    def step(X):
        f = lambda a: (a * w).tanh()  # noqa: E731
        got.append((jacobian(f, tg.tensor(X)).numpy().copy(),
                    jvp(f, tg.tensor(X), tg.tensor(np.ones(3)))[1].numpy().copy()))
        (w * w).sum().backward()

    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        for i in range(3):
            step(np.array([0.1, 0.2, 0.3]) * (i + 1))
    assert any("autograd.grad() inside the step" in str(m.message) for m in ws)
    for i, (J, p) in enumerate(got):
        d = np.array([1.0, 2.0, 3.0]) / np.cosh(np.array([0.1, 0.4, 0.9]) * (i + 1)) ** 2
        np.testing.assert_allclose(np.diag(J), d, rtol=1e-12)
        np.testing.assert_allclose(p, d, rtol=1e-12)
