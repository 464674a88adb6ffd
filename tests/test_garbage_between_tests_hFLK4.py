"""Tests that swap a process-wide piece of the write guard (Graph.__del__ made a no-op, the
`detached.rebased` table replaced) collect garbage first: an earlier test's graph or written
tensor left in a reference cycle, collected while the swap was in place, left the process
with a graph counted in `write_guard.watching` and its arrays locked for good (every later
`watching() == 0` failed), or with a dead entry in the real `rebased` (every later backward
checked). Each case leaves such garbage, runs the test, and looks at the process after it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import numpy as np
import pytest
import test_inplace_results_review_hINPLr as inplace_results
import test_reentrancy as reentrancy
from oracle import watching

from tinygrad_dl import Tensor, detached, write_guard


@pytest.fixture
def garbage_kept_for_gc() -> Iterator[None]:
    """The automatic collector off until the test under test collects (as it would run later
    in a long process, not before)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _cycle(*objects: object) -> None:
    cyc = [*objects]
    cyc.append(cyc)


def test_a_graph_left_to_gc_is_unlocked_after_the_interrupted_del_test(garbage_kept_for_gc):
    w = Tensor(np.ones(3), requires_grad=True)
    v = w.data[:]  # a view of the weight: the graph keeps a copy to compare
    _cycle((Tensor(np.ones(3), requires_grad=True) * w).sum(), v)
    del v
    with pytest.MonkeyPatch.context() as mp:
        reentrancy.test_a_graph_freed_without_unlocking_leaves_no_id_for_a_new_array(mp)
    assert watching() == 0
    assert w.data.flags.writeable and id(w.data) not in write_guard._locks


def test_a_written_tensor_left_to_gc_leaves_no_entry_after_the_swapped_table_test(
        garbage_kept_for_gc):
    h = Tensor(np.ones(3), requires_grad=True) * 2
    h.relu_()  # noted in detached.rebased while it lives
    _cycle(h)
    del h
    with pytest.MonkeyPatch.context() as mp:
        inplace_results.test_the_order_check_runs_while_a_written_tensor_lives_and_not_after(mp)
    gc.collect()
    assert not [k for k, (ref, _) in detached.rebased.items() if ref() is None]
