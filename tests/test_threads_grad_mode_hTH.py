"""Grad mode under threads: a `set_grad_enabled(False)` object made on one thread and used as
a `with` block on another (a module-level `NOGRAD = set_grad_enabled(False)` shared by worker
threads) sets and restores each thread's own mode, as torch 2.13's does."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, grad_mode

TIMEOUT = 60  # a thread's wait for another: only a real hang runs out of it


@pytest.fixture(autouse=True)
def _grad_on_before_and_after():
    assert tg.is_grad_enabled() and grad_mode.off == 0
    yield
    tg.set_grad_enabled(True)
    assert grad_mode.off == 0


def _entered_elsewhere(lib) -> dict[str, object]:
    """`sge = set_grad_enabled(False)` here; a thread's `with sge:`; then this thread's."""
    seen: dict[str, object] = {}
    sge = lib.set_grad_enabled(False)
    seen["maker after making"] = lib.is_grad_enabled()

    def other() -> None:
        try:
            with sge:
                seen["other inside"] = lib.is_grad_enabled()
            seen["other after"] = lib.is_grad_enabled()
        except Exception as e:  # noqa: BLE001 - reported below
            seen["other error"] = repr(e)

    t = threading.Thread(target=other)
    t.start()
    t.join(TIMEOUT)
    assert not t.is_alive()
    with sge:
        seen["maker inside"] = lib.is_grad_enabled()
    seen["maker after"] = lib.is_grad_enabled()
    return seen


def test_set_grad_enabled_made_on_one_thread_and_entered_on_another_sets_each_threads_mode():
    """It set nothing on the other thread (its block recorded ops), raised at that block's
    end, and the maker's own `with` block then left the maker's grad mode off for good."""
    seen = _entered_elsewhere(tg)
    assert seen == {"maker after making": False, "other inside": False, "other after": True,
                    "maker inside": False, "maker after": True}
    torch = pytest.importorskip("torch")
    assert _entered_elsewhere(torch) == seen
    torch.set_grad_enabled(True)


def test_the_other_threads_block_records_nothing_and_the_makers_records_again_after():
    x = Tensor(np.ones(3), requires_grad=True)
    sge = tg.set_grad_enabled(False)
    made = {}

    def other() -> None:
        with sge:
            made["inside"] = (x * 2)._ctx
        made["after"] = (x * 2)._ctx

    t = threading.Thread(target=other)
    t.start()
    t.join(TIMEOUT)
    assert not t.is_alive()
    assert made["inside"] is None and made["after"] is not None
    with sge:
        assert (x * 2)._ctx is None
    assert (x * 2)._ctx is not None and sge._prev == {}


def test_a_decorator_made_on_one_thread_restores_the_makers_mode_at_once():
    @tg.set_grad_enabled(False)
    def f(t: Tensor) -> Tensor:
        return t * 2

    assert tg.is_grad_enabled()
    x = Tensor(np.ones(2), requires_grad=True)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("ctx", f(x)._ctx))
    t.start()
    t.join(TIMEOUT)
    assert out == {"ctx": None} and f(x)._ctx is None and (x * 2)._ctx is not None
