"""Review of 559213a: step(epoch) of a subclass of MultiplicativeLR or SWALR that gives its
own get_lr() (a schedule of the epoch) was refused as "depends on the steps before it",
where torch 2.13 runs that get_lr() at the epoch, as 559213a does for an LRScheduler subclass.
`_steps_dependent` is now read from the class that defines the get_lr() in use; subclasses
that keep the built-in get_lr() still refuse (tests/test_leftovers_hLEFT6.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg


def _scheduler(T, base):
    Base = getattr(T.optim.lr_scheduler, base) if base != "SWALR" else T.optim.swa_utils.SWALR

    class Halving(Base):
        def get_lr(self):
            return [b * 0.5 ** (self.last_epoch // 2) for b in self.base_lrs]

    def make(opt):
        if base == "SWALR":
            return Halving(opt, swa_lr=0.05, anneal_epochs=3)
        return Halving(opt, lambda e: 0.9)
    return make


def _rates(T, base, seq, param):
    opt = T.optim.SGD([param()], lr=1.0)
    s = _scheduler(T, base)(opt)
    out = [(s.last_epoch, opt.param_groups[0]["lr"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in seq:
            s.step() if e is None else s.step(e)
            out.append((s.last_epoch, opt.param_groups[0]["lr"]))
    return out


@pytest.mark.parametrize("base", ["MultiplicativeLR", "SWALR"])
def test_a_subclass_with_its_own_get_lr_steps_to_an_epoch_as_torch(base):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for _ in range(20):
        seq = [None if rng.random() < 0.5 else int(rng.integers(0, 12))
               for _ in range(int(rng.integers(1, 8)))]
        ours = _rates(tg, base, seq, lambda: tg.zeros(1, requires_grad=True))
        theirs = _rates(torch, base, seq,
                        lambda: torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)))
        assert ours == theirs, (seq, ours, theirs)
