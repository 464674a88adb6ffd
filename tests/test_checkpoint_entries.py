"""State entries a checkpoint cannot hold faithfully (found 2026-12-03), each refused in one
line naming the file and the key: a float `num_batches_tracked` (2.7 was truncated to 2 by
load_state_dict without a word), a key with a NUL character (saved, then refused on loading as
holding 'state/a'), a complex array (the message named an internal member and blamed the
JSON extras)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl import checkpoint, container
from tinygrad_dl.nn import BatchNorm1d


def _bn_state(count: object) -> dict[str, object]:
    state = dict(BatchNorm1d(3).state_dict())
    state["num_batches_tracked"] = count
    return state


@pytest.mark.parametrize("count", [np.array(2.7), np.array(-1.0), np.array(np.nan),
                                   np.array(1e300), np.array(True)])
def test_saving_a_batch_count_that_is_not_whole_is_one_line(tmp_path: Path, count) -> None:
    with pytest.raises(ValueError, match=r"bn\.npz: state entry 'num_batches_tracked' is a "
                                         r"count of batches.*whole number >= 0$") as info:
        checkpoint.save(_bn_state(count), tmp_path / "bn.npz")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "bn.npz").exists()


def test_reading_a_float_batch_count_is_refused_not_truncated(tmp_path: Path) -> None:
    p = tmp_path / "bn.npz"  # written past save's check, as another tool might
    arrays = {"state/" + k: np.asarray(v) for k, v in _bn_state(np.array(2.7)).items()}
    container.save(p, arrays, {"version": 3, "model": None, "config": None, "extra": {}},
                   format=checkpoint.FORMAT, kind="state_dict")
    with pytest.raises(ValueError, match=r"bn\.npz: state entry 'num_batches_tracked'.*2\.7"):
        checkpoint.load(p)


def test_a_whole_float_batch_count_loads_as_the_count(tmp_path: Path) -> None:
    p = checkpoint.save(_bn_state(np.array(4.0)), tmp_path / "bn.npz")
    state = checkpoint.load(p)
    assert state["num_batches_tracked"].dtype == np.int64
    bn = BatchNorm1d(3)
    bn.load_state_dict(state)
    assert int(bn.num_batches_tracked) == 4


@pytest.mark.parametrize("key, value, error, match", [
    ("a\0b", np.ones(2), ValueError, r"state entry 'a\\x00b' has a NUL character"),
    ("\udcff", np.ones(2), ValueError, r"state entry '\\udcff' is not valid UTF-8"),
    ("z", np.ones(2, complex), TypeError,
     r"state entry 'z' has dtype complex128.*save a\.real and a\.imag as two entries$"),
    ("s", np.array(["x"]), TypeError, r"state entry 's' has dtype <U1.*not an array of numbers"),
])
def test_an_entry_a_checkpoint_cannot_hold_is_one_line(tmp_path: Path, key, value, error,
                                                       match) -> None:
    with pytest.raises(error, match=r"^checkpoint .*m\.npz: " + match) as info:
        checkpoint.save({key: value, "ok": np.ones(1)}, tmp_path / "m.npz")
    assert "\n" not in str(info.value) and "JSON" not in str(info.value)
    assert not (tmp_path / "m.npz").exists()


def test_an_extra_that_is_not_json_names_its_key(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"^checkpoint .*m\.npz: extra phase= is not JSON-able "
                                        r"\(Object of type complex") as info:
        checkpoint.save({"a": np.ones(1)}, tmp_path / "m.npz", note="ok", phase=1j)
    assert "\n" not in str(info.value)
