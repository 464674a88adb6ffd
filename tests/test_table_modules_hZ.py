"""optable/ and testing/ are files named after what they hold (the style guide): a row module
named "more", "extra", "misc", "names", "small" or with a sequence number (rows_names3,
rows_nn2) is a grab-bag where no reader finds an op's row. A digit that is part of a dimension
("rows_3d", "edge_table_3d") names what the module holds and is allowed. In testing/, an edge
table named after a library alone (edge_table_torch, edge_table_nn: "more of PyTorch's names")
is a grab-bag too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "tinygrad_dl"
GRAB_BAG = re.compile(r"(^|_)(more|extra|misc|names|small)(_|$)")
# grab-bags not regrouped yet (none left): listed so that a NEW grab-bag still fails
PENDING: set[str] = set()


# testing/'s edge tables named after a library alone held whatever of it came next
LIBRARY_ALONE = re.compile(r"edge_table_(torch|nn)")


def bad_name(stem: str) -> bool:
    """A grab-bag word, or a digit that is not an "<n>d" dimension."""
    return bool(GRAB_BAG.search(stem) or re.search(r"\d(?!d)", stem))


def bad_testing_name(stem: str) -> bool:
    """bad_name, or an edge table named after a library alone."""
    return bad_name(stem) or bool(LIBRARY_ALONE.fullmatch(stem))


@pytest.mark.parametrize("stem", ["rows_more", "rows_names", "rows_names3", "rows_nn2",
                                  "edge_table_more", "edge_table_nn3", "rows_extra", "misc"])
def test_grab_bag_names_are_caught(stem):
    assert bad_name(stem)


@pytest.mark.parametrize("stem", ["rows_3d", "edge_table_3d", "rows_shape", "rows_inplace",
                                  "edge_table", "grad_check"])
def test_topic_names_pass(stem):
    assert not bad_name(stem)


@pytest.mark.parametrize("stem", ["edge_table_torch", "edge_table_nn"])
def test_library_alone_is_a_grab_bag_in_testing(stem):
    assert bad_testing_name(stem) and not bad_name(stem)


@pytest.mark.parametrize("stem", ["edge_table_shape", "edge_table_normalization", "edge_table_3d"])
def test_topic_edge_tables_pass(stem):
    assert not bad_testing_name(stem)


@pytest.mark.parametrize("package", ["optable", "testing"])
def test_modules_are_named_after_what_they_hold(package):
    bad = bad_testing_name if package == "testing" else bad_name
    offenders = sorted(f"{package}/{f.name}" for f in (ROOT / package).glob("*.py")
                       if bad(f.stem))
    assert set(offenders) <= PENDING, offenders


@pytest.mark.parametrize("package", ["optable", "testing"])
def test_modules_stay_short(package):
    # every module, table.py and edge_table.py included: their rows are in the topic modules
    # (rows_<topic>.py, edge_table_<topic>.py), what is left is the assembly
    for f in (ROOT / package).glob("*.py"):
        n = len(f.read_text().splitlines())
        assert n <= 600, f"{package}/{f.name}: {n} lines"
