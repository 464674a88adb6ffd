"""Small gaps, each checked against torch 2.13 first (hLEFT4): comparisons with an operand that
is no array (NotImplemented, as torch's operators); Conv2d(init="pytorch"); reset_parameters
of a weight replaced by a 1-D one; hardshrink / softshrink / celu of integers and bools;
permute() without dims; tg.tensor_split's tuple; `x - True` refused."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.nn import functional as F

_ORDERINGS = (operator.lt, operator.le, operator.gt, operator.ge)


class _Other:  # (an operand that is no array, as object() but with a name)
    pass


# ---- 1. comparisons with an operand that is no array --------------------------------------
@pytest.mark.parametrize("other", [object(), None, "a", b"a", _Other(), {1: 2}, {1}, slice(1)],
                         ids=lambda o: type(o).__name__)
def test_equality_with_a_non_array_is_pythons_identity_answer(other):
    t = tg.tensor([1.0, 2.0])
    assert (t == other) is False and (other == t) is False
    assert (t != other) is True and (other != t) is True
    for op in _ORDERINGS:  # (torch: "'<' not supported between instances of ...")
        with pytest.raises(TypeError, match="not supported between instances"):
            op(t, other)


def test_comparisons_match_torchs_for_non_arrays():
    torch = pytest.importorskip("torch")
    def outcome(op, t, other):
        try:
            return op(t, other)
        except TypeError:
            return TypeError

    for other in (object(), None, "a", _Other()):
        for op in (operator.eq, operator.ne, *_ORDERINGS):
            assert (outcome(op, tg.tensor([1.0, 2.0]), other)
                    == outcome(op, torch.tensor([1.0, 2.0]), other)), (op, other)


def test_pytest_approx_is_asked():
    torch = pytest.importorskip("torch")
    t = tg.tensor([1.0, 2.0])
    assert (t == pytest.approx([1.0, 2.0])) is True is (torch.tensor([1.0, 2.0]) ==
                                                           pytest.approx([1.0, 2.0]))
    assert (t == pytest.approx([1.0, 2.5])) is False
    assert (t != pytest.approx([1.0, 2.0])) is False
    assert tg.tensor(0.5) == pytest.approx(0.5)


def test_in_a_list_and_the_methods_still_raise():
    t = tg.tensor([1.0, 2.0])
    assert t in [None, "a", t]
    for method in ("eq", "ne", "lt", "le", "gt", "ge"):  # (torch's methods raise too)
        with pytest.raises(TypeError):
            getattr(t, method)(None)


def test_array_operands_still_compare_elementwise():
    t = tg.tensor([1.0, 2.0])
    assert (t == 1.0).tolist() == [True, False]
    assert (t < np.array([2.0, 2.0])).tolist() == [True, False]
    assert (t == tg.tensor([1.0, 0.0])).tolist() == [True, False]
    assert (t >= np.float32(2.0)).tolist() == [False, True]
    assert (t == [1.0, 0.0]).tolist() == [True, False]  # (a list: NumPy's way, kept)
    with pytest.raises(TypeError, match="complex numbers are not ordered"):
        t < 1j  # noqa: B015


# ---- 2. Conv2d(init="pytorch") ----------------------------------------------------------------
def test_conv2d_pytorch_init_draws_torchs_uniform():
    c = nn.Conv2d(2, 3, 3, init="pytorch", rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(2 * 3 * 3)
    assert c.W.shape == (3, 2, 3, 3) and c.b.shape == (3,)
    assert np.abs(c.W.data).max() <= bound and np.abs(c.b.data).max() <= bound
    assert np.abs(c.b.data).max() > 0  # (the bias is drawn too, as torch's)
    rng = np.random.default_rng(0)  # weight first, then bias: init_weights' order
    w = rng.uniform(-bound, bound, (3, 2, 3, 3))
    np.testing.assert_allclose(c.W.data, w, rtol=0, atol=1e-15)
    c.reset_parameters()  # (draws again from the same init)
    assert np.abs(c.W.data).max() <= bound
    assert nn.Conv2d(2, 3, 3, init="pytorch", bias=False).b is None


def test_conv2d_default_init_draws_as_before():
    c = nn.Conv2d(2, 3, 3, rng=np.random.default_rng(1))
    want = np.random.default_rng(1).standard_normal((3, 2, 3, 3)) * np.sqrt(2 / 18)
    np.testing.assert_array_equal(c.W.data, want)
    assert not c.b.data.any()
    c32 = nn.Conv2d(2, 3, 3, init="xavier", dtype=np.float32, rng=np.random.default_rng(1))
    assert c32.W.dtype == np.float32
    with pytest.raises(ValueError, match="unknown init 'bogus'"):
        nn.Conv2d(2, 3, 3, init="bogus")


# ---- 3. reset_parameters of a 1-D weight -------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: nn.Linear(3, 2), lambda: nn.Conv2d(2, 3, 3),
                                  lambda: nn.Conv1d(2, 3, 3)], ids=["Linear", "Conv2d", "Conv1d"])
def test_reset_parameters_refuses_a_weight_of_fewer_than_2_dims(make):
    m = make()
    m.weight = nn.Parameter(tg.ones(3))
    with pytest.raises(ValueError) as e:
        m.reset_parameters()
    one_line(e, "reset_parameters", "fewer than 2 dimensions", "(3,)")
    assert m.weight.data.tolist() == [1.0, 1.0, 1.0]  # (nothing drawn)


def test_reset_parameters_of_a_1d_weight_torch_refuses_too():
    torch = pytest.importorskip("torch")
    lin = torch.nn.Linear(3, 2)
    lin.weight = torch.nn.Parameter(torch.ones(3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        lin.reset_parameters()


def test_reset_parameters_of_a_replaced_2d_weight_reads_its_fan_in():
    lin = nn.Linear(3, 2)
    lin.weight = nn.Parameter(tg.ones(2, 100))
    lin.reset_parameters()
    assert np.abs(lin.weight.data).max() <= 0.1


# ---- 4. hardshrink / softshrink / celu of integers and bools -----------------------------
_SHRINKS = {"hardshrink": (F.hardshrink, nn.Hardshrink()), "softshrink": (F.softshrink,
            nn.Softshrink()), "celu": (F.celu, nn.CELU())}


@pytest.mark.parametrize("name", sorted(_SHRINKS))
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_inputs_refused_as_torchs(name, dtype):
    x = tg.tensor(np.array([1, 0, 2]).astype(dtype))
    for f in _SHRINKS[name]:
        with pytest.raises(NotImplementedError) as e:
            f(x)
        one_line(e, name, str(np.dtype(dtype)))
    if name == "hardshrink":
        with pytest.raises(NotImplementedError):
            x.hardshrink()
    torch = pytest.importorskip("torch")
    with pytest.raises(NotImplementedError):  # (torch: "... not implemented for 'Long'")
        getattr(torch.nn.functional, name)(torch.from_numpy(np.array([1, 0, 2]).astype(dtype)))


@pytest.mark.parametrize("name", sorted(_SHRINKS))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_inputs_keep_their_dtype(name, dtype):
    x = tg.tensor(np.array([1.5, -0.2, -2.0], dtype=dtype))
    for f in _SHRINKS[name]:
        assert f(x).dtype == dtype


def test_celu_inplace_of_an_int_tensor_refused():
    with pytest.raises(NotImplementedError, match="celu"):
        F.celu_(tg.tensor([1, 2]))


# ---- 6. permute() without dims; tensor_split's tuple ---------------------------------------
def test_permute_without_dims_names_them():
    x = tg.zeros(2, 3)
    for call in (lambda: x.permute(), lambda: tg.permute(x)):
        with pytest.raises(TypeError) as e:
            call()
        one_line(e, "permute()", '"dims"')
    with pytest.raises(ValueError) as e:
        x.permute(0)
    one_line(e, "permute", "1 dims", "2 dims", "(2, 3)")
    assert x.permute(1, 0).shape == x.permute((1, 0)).shape == x.permute(dims=[1, 0]).shape
    assert x.permute(-1, 0).shape == (3, 2)
    assert tg.tensor(1.0).permute(()).shape == ()


def test_tensor_split_function_gives_torchs_tuple():
    torch = pytest.importorskip("torch")
    x = tg.tensor(np.arange(8.0).reshape(2, 4))
    got = tg.tensor_split(x, 2, dim=1)
    want = torch.tensor_split(torch.arange(8.0).reshape(2, 4), 2, dim=1)
    assert type(got) is tuple is type(want) and len(got) == 2
    assert [p.tolist() for p in got] == [p.tolist() for p in want]
    assert type(tg.tensor_split(x, [1, 3], 1)) is tuple
    assert len(tg.tensor_split(input=x, sections=3, dim=1)) == 3
    assert len(tg.tensor_split(x, indices=[1])) == 2
    assert type(tg.array_split(x, 2, 1)) is list  # (NumPy's list: unchanged)
    assert type(tg.array_split(x, 2, dim=1)) is list


# ---- 7. x - True refused ----------------------------------------------------------------------
@pytest.mark.parametrize("case", ["x - True", "True - x", "x - False", "x.sub(True)",
                                  "x.sub(True, alpha=2)", "tg.sub(x, True)",
                                  "tg.subtract(x, True)", "x.clone().sub_(True)",
                                  "tg.rsub(x, True)", "xi - True"])
def test_subtraction_with_a_python_bool_refused(case):
    x, xi = tg.zeros(2), tg.zeros(2, dtype=np.int64)
    with pytest.raises(TypeError) as e:
        eval(case, {"tg": tg, "x": x, "xi": xi})
    one_line(e, "subtraction", "bool", "as torch's")
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="bool"):
        eval(case.replace("tg.", "torch."), {"torch": torch, "x": torch.zeros(2),
                                             "xi": torch.zeros(2, dtype=torch.long)})


def test_isub_with_a_python_bool_refused():
    x = tg.zeros(2)
    with pytest.raises(TypeError, match="bool"):
        x -= True


def test_numbers_and_numpy_bools_still_subtract():
    x = tg.zeros(2)
    assert (x - 1).tolist() == (x - np.True_).tolist() == [-1.0, -1.0]  # (np.True_: torch's 1)
    assert (1 - x).tolist() == [1.0, 1.0] and (x + True).tolist() == [1.0, 1.0]
    assert tg.sub(x, 2).tolist() == tg.sub(x, 1, alpha=2).tolist() == [-2.0, -2.0]
    assert tg.sub(3, x).tolist() == [3.0, 3.0]
