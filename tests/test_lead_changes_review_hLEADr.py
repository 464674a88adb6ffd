"""Second review of the lead's commits: the replayed integer casts' warnings (32dfe00) and
tg.save's trees of Python values (01a565d, 364befb, 91d512f).

Found: a dict of arrays with an int key (torch.save's `{0: t}`) was written as the flat kind
and refused ("state entry 0 must have a str name"), where a tree holds int keys; and since
a Python list in a dict made the dict a tree, a loss history of 10**5 floats beside the
weights (an array before) was refused: a JSON node each was 10 MB of metadata, over the
reader's 4 MiB (300,000 floats: over the 2**18 nodes). A long list of floats, ints or bools
alone is one array member now ("n"), given back as the list (tolist(): each float's bits)."""

from __future__ import annotations

import math
import struct
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import checkpoint, container
from tinygrad_dl.jit import jit


def _bits(x: object) -> object:
    """x with every float as its bits and every type named (an exact comparison)."""
    if isinstance(x, float):
        return ("float", struct.pack("<d", x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_bits(v) for v in x])
    if isinstance(x, dict):
        return ("dict", [(type(k).__name__, k, _bits(v)) for k, v in x.items()])
    if isinstance(x, np.ndarray):
        return ("array", x.dtype, x.shape, x.tobytes())
    return (type(x).__name__, x)


def _round_trip(obj: dict, tmp_path, **kw) -> object:
    p = tmp_path / "ck.npz"
    tg.save(obj, p)
    return tg.load(p, **kw)


# ---- int keys: a tree (the flat kind refused them) ----
@pytest.mark.parametrize("obj", [{0: np.ones(2)}, {0: np.ones(2), "a": np.zeros(3)},
                                 {1: tg.tensor([1.0, 2.0])}])
def test_a_dict_of_arrays_with_an_int_key_saves_as_torch_save(obj, tmp_path) -> None:
    back = _round_trip(obj, tmp_path)
    assert list(back) == list(obj)
    for k, v in obj.items():
        want = v.data if isinstance(v, tg.Tensor) else v
        assert type(back[k]) is np.ndarray and np.array_equal(back[k], want)


# ---- long lists of numbers ----
def test_a_long_loss_history_beside_the_weights_saves(tmp_path) -> None:
    losses = [1.0 / (i + 1) for i in range(100_000)]
    back = _round_trip({"w": np.ones(3), "losses": losses, "epoch": 3}, tmp_path)
    assert type(back["losses"]) is list and back["losses"] == losses
    assert all(type(v) is float for v in back["losses"][:50]) and back["epoch"] == 3


def test_a_list_past_the_node_limit_saves(tmp_path) -> None:
    steps = list(range(300_000))
    back = _round_trip({"steps": steps}, tmp_path)
    assert back["steps"] == steps and type(back["steps"][7]) is int


LONG = {"floats": [-0.0, math.nan, math.inf, -math.inf, 5e-324, 0.1] * 50,
        "ints": [0, -1, 2**63 - 1, -2**63] * 70,
        "uints": [0, 2**63, 2**64 - 1] * 90,
        "bools": [True, False] * 200,
        "ints_both_sides": [-1, 2**63] * 130,  # (no one dtype: a node each, as before)
        "mixed": [1, 1.0, True] * 100,
        "np_floats": [np.float64(0.5)] * 300,  # (NumPy scalars stay NumPy scalars)
        "short": [0.1, 0.2]}


def test_long_lists_of_every_kind_come_back_as_they_were(tmp_path) -> None:
    back = _round_trip(LONG, tmp_path)  # (NaN/inf in a list: kept, as a Python float is)
    assert _bits(back) == _bits(LONG)
    assert type(back["np_floats"][0]) is np.float64


def test_a_file_with_long_lists_is_still_checked(tmp_path) -> None:
    def write(arr, tree):
        p = tmp_path / "h.npz"
        container.save(p, {"tree/0": arr}, {"version": 3, "extra": None, "tree": tree},
                       format=checkpoint.FORMAT, kind="tree")
        return p

    root = ["d", [["x", 0]]]
    with pytest.raises(ValueError, match="is a list of numbers, but"):
        tg.load(write(np.ones((2, 2)), [["n", 0], root]))
    with pytest.raises(ValueError, match="is a list of numbers, but"):
        tg.load(write(np.ones(3, dtype=np.float32), [["n", 0], root]))
    with pytest.raises(ValueError, match="missing or used twice"):
        tg.load(write(np.ones(3), [["n", 0], ["n", 0], ["d", [["x", 0], ["y", 1]]]]))
    assert tg.load(write(np.arange(3.0), [["n", 0], root])) == {"x": [0.0, 1.0, 2.0]}


def test_the_numbers_listed_are_bounded(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(checkpoint, "MAX_TREE_LISTED", 1000)
    with pytest.raises(ValueError, match="lists hold over 1000 numbers"):
        tg.save({"a": [0.5] * 600, "b": [1.5] * 600}, tmp_path / "a.npz")
    monkeypatch.setattr(checkpoint, "MAX_TREE_LISTED", 1 << 22)
    tg.save({"a": [0.5] * 600, "b": [1.5] * 600}, tmp_path / "a.npz")
    monkeypatch.setattr(checkpoint, "MAX_TREE_LISTED", 1000)
    with pytest.raises(ValueError, match="lists of over 1000 numbers"):
        tg.load(tmp_path / "a.npz")


def test_an_old_flat_file_of_0d_arrays_reads_as_before(tmp_path) -> None:
    p = tmp_path / "old.npz"
    tg.save({"epoch": np.array(3), "w": np.ones(2)}, p)  # (the bytes the old writer gave 3)
    assert checkpoint.read(p)[1]["epoch"].shape == ()
    back = tg.load(p)
    assert type(back["epoch"]) is np.ndarray and back["epoch"] == 3


# ---- the replayed casts: more spellings than the commit's tests ----
T = tg.Tensor
CASTS = {"short": lambda x, w: (T(x) * w).short(),
         "byte_past_int32": lambda x, w: (T(x) * w).byte(),
         "type_str": lambda x, w: (T(x) * w).type("torch.LongTensor"),
         "astype": lambda x, w: (T(x) * w).astype(np.int64),
         "type_as": lambda x, w: (T(x) * w).type_as(tg.tensor([1], dtype=tg.int64)),
         "to_tensor": lambda x, w: (T(x) * w).to(tg.tensor([1], dtype=tg.int32)),
         "to_cpu_dtype": lambda x, w: (T(x) * w).to("cpu", tg.uint8),
         "argument_uint8": lambda x, w: T(x, dtype=np.uint8),
         "tensor_of_argument": lambda x, w: tg.tensor(x, dtype=tg.int32)}


def _calls(cast, values, jitted: bool):
    w = tg.tensor(np.ones(3), requires_grad=True)

    def step(x):
        y = cast(x, w)
        loss = (w * y.double()).sum()
        loss.backward()
        return loss, y

    f = jit(step) if jitted else step
    out = []
    for v in values:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            loss, y = f(v)
        out.append((np.array(y.data), y.data.dtype,
                    [(s.category, str(s.message), s.filename) for s in said
                     if not str(s.message).startswith("jit:")]))
        w.grad = None
    if jitted and cast is not CASTS["tensor_of_argument"]:  # (tg.tensor copies: eager, said)
        assert f.replays >= len(values) - 2
    return out


@pytest.mark.parametrize("name", list(CASTS))
@pytest.mark.parametrize("bad", [np.nan, -3e9, 3e30])
def test_more_cast_spellings_warn_at_replay_as_eagerly(name: str, bad: float) -> None:
    clean = np.array([1.0, 2.0, 3.0])
    values = [clean, clean, clean, np.array([1.0, bad, 3.0]), clean]
    eager, replay = _calls(CASTS[name], values, False), _calls(CASTS[name], values, True)
    for (e_y, e_dt, e_said), (r_y, r_dt, r_said) in zip(eager, replay):
        assert np.array_equal(e_y, r_y) and e_dt == r_dt and e_said == r_said
    int64 = name in ("type_str", "astype", "type_as")  # (-3e9 is an int64: no warning)
    assert len(replay[3][2]) == (bad != -3e9 or not int64)
    assert all(said[2] == __file__ for said in replay[3][2])  # (at the caller's line)
    assert not any(said for i, (_, _, said) in enumerate(replay) if i != 3)


def test_a_replayed_bool_cast_never_warns() -> None:
    values = [np.array([1.0, 0.0, 3.0])] * 3 + [np.array([np.nan, np.inf, 3e30])]
    out = _calls(lambda x, w: (T(x) * w).bool(), values, True)
    assert [said for _, _, said in out] == [[]] * 4
    assert out[3][0].tolist() == [True, True, True]
