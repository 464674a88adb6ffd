"""Mutation testing, round 3: the NumPy/torch layout check of an index (a 2-D mask counts two
axes, an object index is NumPy's error, the advice as written) and the numbers a run's
resumable state holds (a float setting any finite value, each size in a list, a resume's
new checkpoint_every)."""

from __future__ import annotations

import numpy as np
import pytest
from test_train_resume import StopAfter

from tinygrad_dl import Tensor
from tinygrad_dl.train import TrainingInterrupted, run_training
from tinygrad_dl.train.run import check_storable


def _x() -> Tensor:
    return Tensor(np.arange(24.0).reshape(2, 3, 4))


def test_a_two_d_mask_after_an_ellipsis_of_no_axes_is_read_as_numpy_does() -> None:
    # the mask takes the last two axes: the `...` stands for none, and torch agrees
    m = np.zeros((3, 4), bool)
    m[1, 2] = m[2, 0] = True
    x = _x()
    assert np.array_equal(x[0, ..., m].data, x.data[0, ..., m])


def test_the_layout_advice_shows_a_short_list_as_written() -> None:
    with pytest.raises(IndexError) as e:
        _x()[1, :, [0, 1, 2]]
    assert ("index the ints first (x[1][:, [0, 1, 2]]) or give them as index arrays "
            "(x[[1], :, [0, 1, 2]])") in str(e.value)


def test_an_object_array_in_the_index_gets_the_invalid_index_error() -> None:
    with pytest.raises(IndexError, match="only integers, slices") as e:
        _x()[1, :, [0, None]]
    assert "NumPy puts" not in str(e.value)


def test_a_float_setting_holds_any_finite_value() -> None:
    check_storable("one-layer", {"eta": 1e200}, 0, None)  # (a run meant to diverge)
    with pytest.raises(ValueError, match=r"run_training: eta=-1.0 is outside"):
        check_storable("one-layer", {"eta": -1.0}, 0, None)


def test_each_size_of_a_list_setting_is_checked() -> None:
    with pytest.raises(ValueError, match=r"^run_training: hidden=\[50, 9223372036854775808\] "
                       r"is outside what the resumable state of a k-layer run holds"):
        check_storable("k-layer", {"hidden": [50, 2**63]}, 0, None)


@pytest.mark.usefixtures("embedded_data_only")
def test_a_resume_s_checkpoint_every_no_state_holds_is_refused(tmp_path) -> None:
    out = tmp_path / "r"
    with pytest.raises(TrainingInterrupted):
        run_training("one-layer", {"epochs": 1}, out=out, progress=False, print_fn=None,
                     stop=StopAfter(1))
    with pytest.raises(ValueError, match=r"^run_training: checkpoint_every=9223372036854775808 "
                       "is outside"):
        run_training("one-layer", resume=out, progress=False, print_fn=None,
                     stop=StopAfter(1), checkpoint_every=2**63)
