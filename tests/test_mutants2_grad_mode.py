"""Tests written against surviving mutants of tinygrad_dl.grad_mode (round 2): a decorated
generator's body runs in the decorator's mode at every resumption, its `finally` (run by close)
and its exception handlers (run by throw) included, and the caller's mode is back between
steps."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import enable_grad, is_grad_enabled, no_grad


def _recording_gen(seen: list[tuple[str, bool]]) -> Iterator[int]:
    try:
        for i in range(10):
            try:
                seen.append(("body", is_grad_enabled()))
                yield i
            except KeyError:
                seen.append(("except", is_grad_enabled()))
    finally:
        seen.append(("finally", is_grad_enabled()))


@pytest.mark.parametrize(("deco", "mode"), [(no_grad(), False), (enable_grad(), True)])
def test_a_decorated_generators_finally_and_except_run_in_its_mode(deco: object,
                                                                     mode: bool) -> None:
    seen: list[tuple[str, bool]] = []
    gen = deco(_recording_gen)(seen)  # type: ignore[operator]
    caller = not mode
    ctx = enable_grad() if caller else no_grad()
    with ctx:
        assert next(gen) == 0
        assert is_grad_enabled() is caller  # the caller's mode between steps
        assert gen.throw(KeyError("x")) == 1  # handled inside the body: resumes it
        assert is_grad_enabled() is caller
        gen.close()  # runs the finally
        assert is_grad_enabled() is caller
    assert seen == [("body", mode), ("except", mode), ("body", mode), ("finally", mode)]


def test_a_decorated_generator_receives_what_is_sent_and_returns_its_value() -> None:
    @no_grad()
    def echo() -> Iterator[object]:
        got = yield "ready"
        got2 = yield ("got", got, is_grad_enabled())
        return ("done", got2)

    gen = echo()
    assert next(gen) == "ready"
    assert gen.send(41) == ("got", 41, False)
    with pytest.raises(StopIteration) as stop:
        gen.send(42)
    assert stop.value.value == ("done", 42)
    assert is_grad_enabled()


def test_a_function_decorated_with_enable_grad_records_inside_no_grad() -> None:
    @enable_grad()
    def inner() -> bool:
        return is_grad_enabled()

    @no_grad()
    def outer() -> bool:
        return is_grad_enabled()

    with no_grad():
        assert inner() is True
        assert not is_grad_enabled()
    assert outer() is False and is_grad_enabled()


def test_set_grad_enabled_as_a_call_a_with_block_and_a_decorator_as_pytorchs() -> None:
    # before: AttributeError (`with torch.set_grad_enabled(phase == "train"):`)
    w = tg.Tensor(np.ones(2), requires_grad=True)
    for phase in ("train", "eval"):
        with tg.set_grad_enabled(phase == "train"):
            assert (w * 2).requires_grad is (phase == "train")
        assert tg.is_grad_enabled()
    with tg.no_grad():
        with tg.set_grad_enabled(True):
            assert (w * 2).requires_grad
        assert not tg.is_grad_enabled()  # the mode from before, not True
    with pytest.raises(ZeroDivisionError), tg.set_grad_enabled(False):
        raise ZeroDivisionError  # an error inside the block
    assert tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def evaluate():
        return (w * 2).requires_grad

    assert tg.is_grad_enabled()  # decorating switched nothing
    assert evaluate() is False and tg.is_grad_enabled()
    seen = []
    try:
        tg.set_grad_enabled(False)  # a call on its own: for good, on this thread only
        assert not tg.is_grad_enabled()
        t = threading.Thread(target=lambda: seen.append(tg.is_grad_enabled()))
        t.start()
        t.join()
    finally:
        tg.set_grad_enabled(True)
    assert seen == [True] and tg.is_grad_enabled()
    with pytest.raises(TypeError, match="mode must be a bool"):
        tg.set_grad_enabled("False")  # a truthy string would have meant True
    assert tg.is_grad_enabled()


def test_one_set_grad_enabled_object_entered_twice_restores_each_time() -> None:
    off = tg.set_grad_enabled(False)  # off from here (PyTorch's: set when made)
    try:
        with off:
            assert not tg.is_grad_enabled()
        assert tg.is_grad_enabled()  # the mode from before it was made
        with off:  # entered again: saved and set anew (it raised on leaving before)
            assert not tg.is_grad_enabled()
        assert tg.is_grad_enabled()
    finally:
        tg.set_grad_enabled(True)
