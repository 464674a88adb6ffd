"""Second review of the step-time checks of the optimizers (a group's lr written between steps,
integer parameters): NumPy's integer rates, which torch takes, step as torch steps them, and
every integer parameter or complex gradient for a real one is refused in one line, before the
group is touched."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import optim as O

torch = pytest.importorskip("torch")


def _pair(tcls, ocls):
    w, g = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    tp = torch.tensor(w.copy(), requires_grad=True)
    tp.grad = torch.tensor(g.copy())
    op = tg.Tensor(w.copy(), requires_grad=True)
    op.grad = g.copy()
    return tp, tcls([tp], lr=0.1), op, ocls([op], lr=0.1)


@pytest.mark.parametrize("tcls, ocls", [(torch.optim.SGD, O.SGD), (torch.optim.Adam, O.Adam),
                                        (torch.optim.Adagrad, O.Adagrad)])
@pytest.mark.parametrize("lr", [np.int64(1), np.int32(0), np.int16(2)],
                         ids=["int64", "int32-zero", "int16"])
def test_group_lr_numpy_integer_written_steps_as_torch(tcls, ocls, lr):
    # before: stepped; the first review's step-time check refused it ("learning rate must be
    # a finite number >= 0, got np.int64(1)"): check_lr knew Python's ints, not NumPy's
    tp, to, op, oo = _pair(tcls, ocls)
    to.param_groups[0]["lr"] = lr
    oo.param_groups[0]["lr"] = lr
    for _ in range(3):
        to.step()
        oo.step()
    np.testing.assert_allclose(op.data, tp.detach().numpy(), rtol=1e-12, atol=1e-15)
    assert type(oo.param_groups[0]["lr"]) is float


def test_numpy_integer_lr_given_to_the_constructor_and_setter():
    # torch takes lr=np.int64(1); it was refused by the same check
    tp, _, op, _ = _pair(torch.optim.SGD, O.SGD)
    opt = O.SGD([op], lr=np.int64(1))
    opt.step()
    torch.optim.SGD([tp], lr=np.int64(1)).step()
    np.testing.assert_array_equal(op.data, tp.detach().numpy())
    opt.lr = np.int64(0)
    assert opt.lr == 0.0 and type(opt.lr) is float


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
@pytest.mark.parametrize("cls", [O.SGD, O.Adam])
def test_integer_parameter_with_gradient_of_its_own_dtype_names_it(dtype, cls):
    # before: the first review's check sat only where the .grad's dtype differed from the
    # parameter's: an int64 .grad on an int64 parameter still failed in NumPy ("Cannot cast
    # ufunc 'subtract' output from dtype('float64') to dtype('int64')"), naming nothing
    p = tg.Tensor(np.ones(3, dtype=dtype))
    p.requires_grad = True
    p.grad = np.ones(3, dtype=dtype)
    with pytest.raises(TypeError, match=rf"{cls.__name__}.step\(\): parameter of shape \(3,\) "
                                        rf"has dtype {np.dtype(dtype)}: only floating-point"):
        cls([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, np.ones(3, dtype=dtype))


@pytest.mark.parametrize("cls", [O.SGD, O.Adam])
def test_complex_gradient_for_a_real_parameter_refused(cls):
    # before: astype dropped the imaginary part with only NumPy's ComplexWarning, and stepped;
    # torch refuses the assignment ("attempting to assign a gradient with dtype ...")
    p = tg.Tensor(np.ones(3), requires_grad=True)
    p.grad = np.array([1 + 2j, 0.5j, -1.0])
    with pytest.raises(TypeError, match=r"step\(\): the .grad of parameter of shape \(3,\) is "
                                        r"complex128, the parameter float64"):
        cls([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, np.ones(3))
    with pytest.raises(RuntimeError, match="assign a gradient with dtype"):
        torch.ones(3, dtype=torch.float64, requires_grad=True).grad = torch.ones(3) * 1j



def test_group_lr_written_as_numpy_float64_keeps_float64_products_on_float32_weights():
    # the first review made it Python's float at each step: under NumPy 2 a float32 gradient
    # times Python's float is a float32 product, times np.float64 a float64 one, so float32
    # weights moved by other bits than before (test_replay_memory_changes_review's blocked
    # steps assert the float64 product)
    rng = np.random.default_rng(0)
    d = rng.standard_normal(64).astype(np.float32)
    p = tg.Tensor(d.copy(), requires_grad=True)
    opt = O.SGD([p], lr=0.1)
    want = d.copy()
    for s in range(3):
        lr = np.float64(0.1) * np.cos(0.3 * s + 0.1)
        opt.param_groups[0]["lr"] = lr
        g = rng.standard_normal(64).astype(np.float32)
        p.grad = g
        opt.step()
        want -= np.multiply(g, lr)
    assert p.data.tobytes() == want.tobytes()
    assert opt.param_groups[0]["lr"] is lr
