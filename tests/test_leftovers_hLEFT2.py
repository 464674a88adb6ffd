"""Small gaps, each checked against torch 2.13 / NumPy 2.4 first (hLEFT2): True/False as a dim
(taken as dim 1 / 0 by the ops that passed a dim to NumPy unchecked; torch's TypeError); torch's
tuples from chunk/split & co.; one home for the `from m import name` message of a missing name;
cdist/pdist of integers refused as torch's (they held every difference); torch's top-level
empty_strided and feature_dropout(_); assert_close of NumPy float32 scalars as torch's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg
from tinygrad_dl.nn import functional as F

A = np.arange(24.0).reshape(2, 3, 4)
INDEX = np.zeros((2, 3, 4), dtype=np.int64)


# ---- 1. a bool as a dim: torch's TypeError (NumPy's expand_dims/flip/roll took True as 1) -----
BOOL_DIM_CALLS = {  # (X: tg or torch, x: a (2, 3, 4) tensor, d: the dim)
    "unsqueeze": lambda X, x, d: x.unsqueeze(d),
    "tg.unsqueeze": lambda X, x, d: X.unsqueeze(x, d),
    "flip": lambda X, x, d: x.flip(d),
    "flip_tuple": lambda X, x, d: x.flip((d,)),
    "flip_list": lambda X, x, d: X.flip(x, [d]),
    "roll": lambda X, x, d: x.roll(1, d),
    "roll_tuple": lambda X, x, d: X.roll(x, (1,), (d,)),
    "diagonal_dim1": lambda X, x, d: x.diagonal(0, d, 2),
    "diagonal_dim2": lambda X, x, d: X.diagonal(x, 0, 0, d),
    "linalg.diagonal": lambda X, x, d: X.linalg.diagonal(x, dim1=d),
    "take_along_dim": lambda X, x, d: X.take_along_dim(x, X.zeros((2, 3, 4), dtype=X.int64), d),
    "tg.split": lambda X, x, d: X.split(x, 1, d),
    "tg.tensor_split": lambda X, x, d: X.tensor_split(x, 2, d),
    # (already refused here: guards for the shared checks)
    "sum": lambda X, x, d: x.sum(d), "softmax": lambda X, x, d: x.softmax(d),
    "transpose": lambda X, x, d: x.transpose(d, 0), "movedim": lambda X, x, d: x.movedim(d, 0),
    "chunk": lambda X, x, d: x.chunk(2, d), "split": lambda X, x, d: x.split(1, d),
    "unbind": lambda X, x, d: x.unbind(d), "cumsum": lambda X, x, d: x.cumsum(d),
    "squeeze": lambda X, x, d: x.squeeze(d), "narrow": lambda X, x, d: x.narrow(d, 0, 1),
    "stack": lambda X, x, d: X.stack([x, x], d), "cat": lambda X, x, d: X.cat([x, x], d),
    "gather": lambda X, x, d: x.gather(d, X.zeros((2, 3, 4), dtype=X.int64)),
}


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("name", sorted(BOOL_DIM_CALLS))
def test_a_bool_dim_is_refused_as_torchs(name, flag):
    call = BOOL_DIM_CALLS[name]
    with pytest.raises(TypeError) as e:  # (x.unsqueeze(True) was x.unsqueeze(1))
        call(tg, tg.tensor(A), flag)
    one_line(e, "must be an integer" if "axis" in str(e.value) else "dim")
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        call(torch, torch.tensor(A), flag)


@pytest.mark.parametrize("name", ["unsqueeze", "flip", "roll", "diagonal_dim1",
                                  "take_along_dim", "tg.split"])
@pytest.mark.parametrize("kind", ["int", "np.int64", "0-d tensor", "0-d array"])
def test_integer_dims_still_work(name, kind):
    d = {"int": 1, "np.int64": np.int64(1), "0-d tensor": tg.tensor(1),
         "0-d array": np.array(1)}[kind]
    got = BOOL_DIM_CALLS[name](tg, tg.tensor(A), d)
    want = BOOL_DIM_CALLS[name](tg, tg.tensor(A), 1)
    for g, w in zip(got if isinstance(got, (list, tuple)) else [got],
                    want if isinstance(want, (list, tuple)) else [want]):
        np.testing.assert_array_equal(g.data, w.data)


# ---- 2. torch's tuples ----------------------------------------------------------------------
TUPLE_CALLS = {
    "x.chunk": lambda X, x: x.chunk(2, 1), "chunk": lambda X, x: X.chunk(x, 2, 1),
    "x.split": lambda X, x: x.split(1, 1), "x.split sizes": lambda X, x: x.split([1, 2], 1),
    "split dim=": lambda X, x: X.split(x, 1, dim=1),
    "split_with_sizes": lambda X, x: X.split_with_sizes(x, [1, 2], 1),
    "x.split_with_sizes": lambda X, x: x.split_with_sizes([1, 2], 1),
    "split_copy": lambda X, x: X.split_copy(x, 1, 1),
    "split_with_sizes_copy": lambda X, x: X.split_with_sizes_copy(x, [1, 2], 1),
    "unbind_copy": lambda X, x: X.unbind_copy(x, 1),
    "unsafe_split": lambda X, x: X.unsafe_split(x, 1, 1),
    "unsafe_chunk": lambda X, x: X.unsafe_chunk(x, 2, 1),
    "x.unsafe_split": lambda X, x: x.unsafe_split(1, 1),
    "x.unsafe_chunk": lambda X, x: x.unsafe_chunk(2, 1),
    "unsafe_split_with_sizes": lambda X, x: X.unsafe_split_with_sizes(x, [1, 2], 1),
    "meshgrid": lambda X, x: X.meshgrid(x[0, 0], x[0, 1], indexing="ij"),
    "broadcast_tensors": lambda X, x: X.broadcast_tensors(x, x[0]),
    "atleast_1d": lambda X, x: X.atleast_1d(x, x), "atleast_3d": lambda X, x: X.atleast_3d([x]),
    "empty chunk": lambda X, x: x[:, :0].chunk(2, 1),
    "empty split": lambda X, x: x[:, :0].split([], 1),
    "unbind": lambda X, x: x.unbind(1), "x.tensor_split": lambda X, x: x.tensor_split(2, 1),
}


@pytest.mark.parametrize("name", sorted(TUPLE_CALLS))
def test_torchs_splits_are_tuples(name):
    got = TUPLE_CALLS[name](tg, tg.tensor(A))
    assert type(got) is tuple, type(got)  # (chunk, split, meshgrid, ... gave lists)
    torch = pytest.importorskip("torch")
    want = TUPLE_CALLS[name](torch, torch.tensor(A))
    assert type(want) is tuple and len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.data, w.numpy())


def test_numpys_split_keeps_numpys_list():
    t = tg.tensor(A)
    for got, want in ((tg.split(t, 2, 2), np.split(A, 2, 2)), (np.split(t, 2, 2), None),
                      (tg.array_split(t, 2, 1), np.array_split(A, 2, 1))):
        assert type(got) is list
        if want is not None:
            assert [g.data.tolist() for g in got] == [w.tolist() for w in want]


def test_chunks_of_an_empty_dim_are_distinct_views():
    pieces = tg.tensor(A)[:, :0].chunk(3, 1)
    assert len(pieces) == 3 and len({id(p) for p in pieces}) == 3


# ---- 3. one home for `from m import name` of a name m has not ---------------------------------
def test_the_import_from_message_has_one_home():
    src = Path(tg.__file__).parent
    homes = [p for p in src.rglob("*.py") if 'opmap["IMPORT_FROM"]' in p.read_text()]
    assert [p.relative_to(src).as_posix() for p in homes] == ["device.py"], homes


@pytest.mark.parametrize("module, name", [("tinygrad_dl", "autocast"),
                                          ("tinygrad_dl.autograd", "gradcheck")])
def test_absent_names_say_their_line_both_ways(module, name):
    with pytest.raises(ImportError) as e:
        exec(f"from {module} import {name}", {})
    assert str(e.value).startswith(f"{module}.{name}: ") and e.value.name == module
    mod = tg if module == "tinygrad_dl" else tg.autograd
    with pytest.raises(AttributeError, match=rf"^{module}\.{name}: "):
        getattr(mod, name)
    assert not hasattr(mod, name)


def test_absent_name_raises_import_error_only_under_import_from():
    def __getattr__(name):  # noqa: N807  (a module's, as the three packages')
        sys.modules["tinygrad_dl.device"].absent_name("m", f"m.{name}: not here")

    with pytest.raises(AttributeError, match=r"^m\.x: not here$"):
        __getattr__("x")


# ---- 4. cdist / pdist of integers: refused, as torch's ---------------------------------------
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
@pytest.mark.parametrize("op", ["cdist", "pdist", "cdist mixed"])
def test_integer_distances_are_refused_as_torchs(op, dtype):
    a = (np.arange(6).reshape(3, 2) % 2).astype(dtype)
    call = {"cdist": lambda X, x: X.cdist(x, x), "pdist": lambda X, x: X.pdist(x),
            "cdist mixed": lambda X, x: X.cdist(x.double(), x)}[op]
    with pytest.raises(TypeError) as e:  # (ints took the unblocked path: every difference)
        call(tg, tg.tensor(a))
    one_line(e, op.split()[0], "floating-point", str(np.dtype(dtype)))
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="only supports floating-point"):
        call(torch, torch.tensor(a))


def test_float_distances_still_work():
    a = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(tg.cdist(tg.tensor(a), tg.tensor(a)).data[0],
                               [0.0, 8 ** 0.5, 32 ** 0.5])
    np.testing.assert_allclose(tg.pdist(tg.tensor(a.astype(np.float32))).data,
                               [8 ** 0.5, 32 ** 0.5, 8 ** 0.5], rtol=1e-6)


# ---- 5. torch's top-level empty_strided, feature_dropout, feature_dropout_ --------------------
def test_empty_strided_is_tg_empty_with_its_strides_checked():
    x = tg.empty_strided((2, 3), (1, 2), dtype=tg.float32)
    assert x.shape == (2, 3) and x.dtype == np.float32 and not x.data.any()
    assert tg.empty_strided((), ()).shape == () and tg.empty_strided([2], [1]).dtype == np.float64
    for stride, err in (((3,), ValueError), ((-1, 1), ValueError), ((3.0, 1), TypeError),
                        ((True, 1), TypeError)):
        with pytest.raises(err) as e:
            tg.empty_strided((2, 3), stride)
        one_line(e, "empty_strided")
    torch = pytest.importorskip("torch")
    assert torch.empty_strided((2, 3), (1, 2)).shape == (2, 3)


def test_feature_dropout_drops_whole_channels_as_torchs():
    tg.manual_seed(0)
    x = tg.ones(4, 5, 2, 3, 2, requires_grad=True)
    y = tg.feature_dropout(x, 0.5, True)
    per_channel = y.data.reshape(4, 5, -1)
    assert (per_channel == per_channel[..., :1]).all()  # (one draw per channel, any rank)
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)
    np.testing.assert_array_equal(tg.feature_dropout(x, 0.5, False).data, x.data)
    z = tg.ones(3, 4)
    assert tg.feature_dropout_(z, 1.0, True) is z and not z.data.any()
    with pytest.raises(ValueError) as e:
        tg.feature_dropout(tg.ones(3), 0.5, True)
    one_line(e, "feature_dropout", "2 dimensions")
    with pytest.raises(TypeError) as e:
        tg.feature_dropout(tg.ones(3, 2), 0.5, 1)
    one_line(e, "feature_dropout", "train")
    torch = pytest.importorskip("torch")
    assert not torch.feature_dropout(torch.ones(3, 4), 1.0, True).any()
    with pytest.raises(RuntimeError):
        torch.feature_dropout(torch.ones(3), 0.5, True)


def test_top_level_embedding_bag_names_fs():
    # (torch.embedding_bag is ATen's kernel, weight first and a 4-tuple of its internals back:
    # not F.embedding_bag under another name; the line says what to call)
    with pytest.raises(AttributeError) as e:
        tg.embedding_bag  # noqa: B018
    one_line(e, "nn.functional.embedding_bag(input, weight, offsets")
    with pytest.raises(ImportError, match="ATen's kernel"):
        exec("from tinygrad_dl import embedding_bag", {})
    assert F.embedding_bag is not None


def test_f_has_no_feature_dropout_as_torchs():
    torch = pytest.importorskip("torch")
    assert hasattr(F, "feature_dropout") == hasattr(torch.nn.functional, "feature_dropout")


# ---- 6. assert_close of NumPy scalars: torch's float64 tolerances (not a gap) -----------------
@pytest.mark.parametrize("a, b", [(np.float32(1.0), np.float32(1.000001)),
                                  (np.float32(1.0), np.float32(1.0)),
                                  (np.float16(1.0), np.float16(1.001))])
def test_assert_close_of_numpy_scalars_is_torchs(a, b):
    torch = pytest.importorskip("torch")
    outcomes = []
    for check in (torch.testing.assert_close, tg.testing.assert_close):
        try:
            check(a, b)
            outcomes.append("pass")
        except AssertionError:
            outcomes.append("fail")
    assert outcomes[0] == outcomes[1], outcomes
