"""The training summary's epoch count: result.json's `epochs` rounds a part of an epoch to 2
decimals (at least 3 significant digits), so a run stopped inside an epoch could read as
whole ones: 599 updates of 300 per epoch said "trained: 599 updates, 2.0 epochs" and 1,999
of 2,000 said "1.0 epoch" (the first epoch read as finished). The summary now gives the whole
epochs and the updates of the next there; the stored numbers (result.json, history meta) keep
the digits that tell them from whole epochs (1,999 of 2,000 updates were stored as 1.0)."""
import json

import numpy as np
import pytest

from tinygrad_dl.commands.train import summary
from tinygrad_dl.data import CharData
from tinygrad_dl.train import run_training


def _run(tmp_path, n_updates, per_epoch):
    text = "".join(np.random.default_rng(0).choice(list("abcdef"), 4 * per_epoch + 1))
    out = tmp_path / f"run{n_updates}"
    res = run_training("char-rnn", {"n_updates": n_updates, "m": 4, "seq_length": 4,
                                    "sample_every": 10**6, "log_every": 500},
                       text=CharData(text), out=out, progress=False, print_fn=None)
    assert res.history.meta["updates_per_epoch"] == per_epoch
    trained = [line for line in summary(res, out).splitlines() if line.startswith("trained: ")]
    return res, json.loads((out / "result.json").read_text())["final"], trained[0]


@pytest.mark.parametrize("n,per,stored,shown", [
    (1999, 2000, 0.9995, "1,999 of the first epoch's 2,000 updates"),
    (599, 300, 1.997, "1 epoch and 299 of the next one's 300 updates"),
    (601, 300, 2.003, "2 epochs and 1 of the next one's 300 updates"),
    (299, 300, 0.997, "299 of the first epoch's 300 updates"),
    (600, 300, 2, "2 epochs"),
    (130, 100, 1.3, "1.3 epochs"),
])
def test_a_run_stopped_inside_an_epoch_never_reads_as_whole_epochs(tmp_path, n, per, stored,
                                                                   shown):
    res, final, trained = _run(tmp_path, n, per)
    assert trained.startswith(f"trained: {n:,} updates, {shown} in ")
    # the stored numbers: an int for whole epochs, else a float that is not whole
    assert final["epochs"] == res.history.meta["epochs"] == stored
    assert isinstance(final["epochs"], int) == isinstance(stored, int)
