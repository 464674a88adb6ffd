"""Small gaps, each checked against torch 2.13 first (hLEFT5): a NumPy bool in subtraction
(torch's float 1.0); == / != with operands not read as numbers (False / True, as torch's),
.eq(None) in one line; permute with a repeated or out-of-range dim; elu of integers and bools;
step(epoch) of a user's own LRScheduler (its get_lr() there, as torch's)."""

from __future__ import annotations

import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.nn import functional as F

_I = [1, 2, 3]


# ---- 1. np.True_ in subtraction: torch reads it as the float 1.0 -------------------------------
_SUBS = {
    "x - b": lambda T, x, b: x - b,
    "b - x": lambda T, x, b: b - x,
    "x.sub(b)": lambda T, x, b: x.sub(b),
    "x.sub(b, alpha=2)": lambda T, x, b: x.sub(b, alpha=2),
    "rsub(x, b)": lambda T, x, b: T.rsub(x, b),
}


@pytest.mark.parametrize("name", list(_SUBS))
@pytest.mark.parametrize("b", [np.True_, np.False_])
def test_numpy_bool_subtracts_as_torch_float(name, b):
    out = _SUBS[name](tg, tg.tensor(_I), b)
    assert out.dtype == tg.get_default_dtype()  # (torch: its default float dtype)
    torch = pytest.importorskip("torch")
    ref = _SUBS[name](torch, torch.tensor(_I), b)
    assert ref.dtype == torch.get_default_dtype()
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


@pytest.mark.parametrize("inplace", ["isub", "sub_"])
def test_numpy_bool_isub_of_an_int_tensor_refused(inplace):
    x = tg.tensor(_I)
    with pytest.raises(TypeError) as e:
        if inplace == "isub":
            x -= np.True_
        else:
            x.sub_(np.True_)
    one_line(e, "sub_")
    assert x.tolist() == _I  # (nothing written)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.tensor(_I).sub_(np.True_)


def test_numpy_bool_isub_of_a_float_tensor_and_bool_tensor():
    x = tg.tensor([1.0, 2.0])
    x -= np.True_
    assert x.tolist() == [0.0, 1.0]
    with pytest.raises(TypeError, match="bool"):
        tg.tensor([True]) - np.True_  # noqa: B018  (a bool tensor: refused, as torch's)


# ---- 2. == / != with operands not read as numbers ---------------------------------------------
_ODD = [Fraction(1, 2), Decimal(2), [None, 1]]


@pytest.mark.parametrize("other", _ODD, ids=repr)
def test_eq_ne_with_operands_not_numbers_are_python_answers(other):
    t = tg.tensor([1.0, 2.0])
    assert (t == other) is False and (t != other) is True
    torch = pytest.importorskip("torch")
    tt = torch.tensor([1.0, 2.0])
    assert (tt == other) is False and (tt != other) is True


@pytest.mark.parametrize("meth", ["eq", "ne", "lt"])
@pytest.mark.parametrize("other", [None, Fraction(1, 2)], ids=repr)
def test_eq_method_with_none_one_line(meth, other):
    with pytest.raises(TypeError) as e:
        getattr(tg.tensor([1.0]), meth)(other)
    one_line(e, meth, type(other).__name__)
    assert "Tensor()" not in str(e.value)


# ---- 3. permute with a repeated or out-of-range dim -------------------------------------------
@pytest.mark.parametrize("dims", [(0, 0), (0, 2), (-3, 0), (1, 1)])
def test_permute_bad_dims_one_line(dims):
    with pytest.raises(ValueError) as e:
        tg.zeros(2, 3).permute(*dims)
    one_line(e, "permute", str(dims), "(2, 3)")
    assert "Transpose" not in str(e.value)
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, IndexError)):
        torch.zeros(2, 3).permute(*dims)


def test_permute_good_dims_still_work():
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    assert x.permute(-1, -2).tolist() == x.permute(1, 0).tolist() == x.data.T.tolist()


# ---- 4. elu of integer and bool tensors: torch has no kernel ----------------------------------
_ELUS = {
    "F.elu": lambda T, nn_, F_, x: F_.elu(x),
    "nn.ELU": lambda T, nn_, F_, x: nn_.ELU()(x),
    "x.elu": lambda T, nn_, F_, x: x.elu() if hasattr(x, "elu") else F_.elu(x),
}


@pytest.mark.parametrize("name", list(_ELUS))
@pytest.mark.parametrize("data", [[1, -2], [True, False]])
def test_elu_of_integers_and_bools_refused(name, data):
    with pytest.raises(NotImplementedError) as e:
        _ELUS[name](tg, nn, F, tg.tensor(data))
    one_line(e, "elu", "int64" if data[0] is not True else "bool")
    torch = pytest.importorskip("torch")
    with pytest.raises(NotImplementedError):
        _ELUS[name](torch, torch.nn, torch.nn.functional, torch.tensor(data))


def test_elu_of_floats_kept():
    np.testing.assert_allclose(F.elu(tg.tensor([1.0, -2.0])).numpy(), [1.0, np.expm1(-2.0)],
                               rtol=1e-15)


# ---- 5. step(epoch) of a user's own LRScheduler -----------------------------------------------
def _halving(base):
    class Halving(base.optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            return [0.5 ** self.last_epoch for _ in self.optimizer.param_groups]
    return Halving


def _lrs(T, param):
    opt = T.optim.SGD([param], lr=1.0)
    sched = _halving(T)(opt)
    out = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        sched.step(3)
        out += [opt.param_groups[0]["lr"], sched.last_epoch]
        sched.step()
        out += [opt.param_groups[0]["lr"], sched.last_epoch]
    assert any("epoch parameter" in str(x.message) for x in w)
    return out


def test_user_scheduler_step_epoch_runs_its_get_lr():
    ours = _lrs(tg, tg.zeros(1, requires_grad=True))
    assert ours == [0.125, 3, 0.0625, 4]
    torch = pytest.importorskip("torch")
    assert _lrs(torch, torch.nn.Parameter(torch.zeros(1))) == ours


def test_chainable_schedulers_still_refuse_step_epoch():
    opt = tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
    for sched in (tg.optim.lr_scheduler.MultiplicativeLR(opt, lambda e: 0.5),
                  tg.optim.swa_utils.SWALR(opt, swa_lr=0.1)):
        with pytest.raises(TypeError) as e:
            sched.step(2)
        one_line(e, "step(epoch)", "depends on the steps before")
