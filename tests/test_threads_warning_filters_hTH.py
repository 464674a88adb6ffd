"""Warning filters under threads: tinygrad_dl.kl_div (torch.kl_div, reduction=1 the mean, which
gives no warning) silenced F.kl_div's 'mean' warning with a `warnings.catch_warnings()` block,
whose filters are the process's: another thread's F.kl_div inside that block lost its warning,
and two threads' blocks ending out of order left the filter in place for good."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.functional import losses

TIMEOUT = 60  # a thread's wait for another: only a real hang runs out of it


def _inputs() -> tuple[Tensor, Tensor]:
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=3)
    return Tensor(np.log(rng.dirichlet(np.ones(4), size=3)), requires_grad=True), Tensor(p)


@pytest.fixture
def paused_kl_div(monkeypatch):
    """KLDiv.apply on the thread named "A" waits (inside tinygrad_dl.kl_div) for `go`."""
    inside, go = threading.Event(), threading.Event()
    apply = losses.KLDiv.apply

    def waiting(*args, **kwargs):
        if threading.current_thread().name == "A":
            inside.set()
            go.wait(TIMEOUT)
        return apply(*args, **kwargs)

    monkeypatch.setattr(losses.KLDiv, "apply", waiting)
    return inside, go


def test_F_kl_div_mean_warns_while_another_thread_runs_torchs_kl_div(paused_kl_div):
    inside, go = paused_kl_div
    x, t = _inputs()
    th = threading.Thread(target=lambda: tg.kl_div(x, t, 1), name="A")
    th.start()
    try:
        assert inside.wait(TIMEOUT)
        with warnings.catch_warnings(record=True) as seen:  # (the filters as they are: an
            F.kl_div(x, t, "mean")  # "always" here would go before the other thread's)
    finally:
        go.set()
        th.join(TIMEOUT)
    assert not th.is_alive()
    assert [str(w.message)[:21] for w in seen] == ["reduction: 'mean' div"]


def test_torchs_kl_div_leaves_the_process_warning_filters_alone(paused_kl_div):
    inside, go = paused_kl_div
    x, t = _inputs()
    before = list(warnings.filters)
    th = threading.Thread(target=lambda: tg.kl_div(x, t, 1), name="A")
    th.start()
    try:
        assert inside.wait(TIMEOUT)
        held = list(warnings.filters)
        tg.kl_div(x, t, 1)  # this thread's, ending first
    finally:
        go.set()
        th.join(TIMEOUT)
    assert not th.is_alive()
    assert held == before and warnings.filters == before


def test_torchs_kl_div_gives_F_kl_divs_mean_without_a_warning():
    x, t = _inputs()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        a = tg.kl_div(x, t, 1)
        b = F.kl_div(x, t, "mean")
    assert len(seen) == 1 and a.numpy() == b.numpy()
    torch = pytest.importorskip("torch")
    want = torch.kl_div(torch.tensor(x.numpy()), torch.tensor(t.numpy()), reduction=1)
    np.testing.assert_allclose(a.numpy(), want.numpy(), rtol=1e-12)
