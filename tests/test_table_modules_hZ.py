"""optable/ and testing/ are files named after what they hold (the style guide): a row module
named "more", "extra", "misc", "names", "small" or with a sequence number (rows_names3,
rows_nn2) is a grab-bag where no reader finds an op's row. A digit that is part of a dimension
("rows_3d", "edge_table_3d") names what the module holds and is allowed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "tinygrad_dl"
GRAB_BAG = re.compile(r"(^|_)(more|extra|misc|names|small)(_|$)")
# grab-bags not regrouped yet (none left): listed so that a NEW grab-bag still fails
PENDING: set[str] = set()


def bad_name(stem: str) -> bool:
    """A grab-bag word, or a digit that is not an "<n>d" dimension."""
    return bool(GRAB_BAG.search(stem) or re.search(r"\d(?!d)", stem))


@pytest.mark.parametrize("stem", ["rows_more", "rows_names", "rows_names3", "rows_nn2",
                                  "edge_table_more", "edge_table_nn3", "rows_extra", "misc"])
def test_grab_bag_names_are_caught(stem):
    assert bad_name(stem)


@pytest.mark.parametrize("stem", ["rows_3d", "edge_table_3d", "rows_shape", "rows_inplace",
                                  "edge_table", "grad_check"])
def test_topic_names_pass(stem):
    assert not bad_name(stem)


@pytest.mark.parametrize("package", ["optable", "testing"])
def test_modules_are_named_after_what_they_hold(package):
    offenders = sorted(f"{package}/{f.name}" for f in (ROOT / package).glob("*.py")
                       if bad_name(f.stem))
    assert set(offenders) <= PENDING, offenders


@pytest.mark.parametrize("package", ["optable", "testing"])
def test_modules_stay_short(package):
    # (table.py and edge_table.py, the core tables, are still over: listed, not to grow)
    long = {"optable/table.py": 1500, "testing/edge_table.py": 1600}
    for f in (ROOT / package).glob("*.py"):
        n = len(f.read_text().splitlines())
        assert n <= long.get(f"{package}/{f.name}", 600), f"{package}/{f.name}: {n} lines"
