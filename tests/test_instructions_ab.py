"""benchmarks/instructions_ab.py's arithmetic: the count callgrind prints, and instructions per
update as the difference of two runs (start-up and recording cancel out)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "instructions_ab", Path(__file__).resolve().parent.parent / "benchmarks" / "instructions_ab.py")
instructions_ab = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(instructions_ab)


def test_the_count_is_callgrind_s_last_collected_line() -> None:
    log = ("==1== Events    : Ir\n==1== Collected : 1930648014\n==1==\n"
           "==1== I   refs: 1,930,648,014\n")
    assert instructions_ab.collected(log) == 1930648014
    with pytest.raises(RuntimeError, match="instructions_ab: no 'Collected' line"):
        instructions_ab.collected("==1== valgrind: cannot start python\n")


def test_per_update_is_the_difference_over_the_updates_in_either_order() -> None:
    assert instructions_ab.per_update({5: 1_000_000, 45: 1_400_000}) == 10_000
    assert instructions_ab.per_update({45: 1_400_000, 5: 1_000_000}) == 10_000
