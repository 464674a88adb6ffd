"""Containers read whole by a replayed step, changed in place between calls (helper hJ3r's
review of the whole-list guards, 2026-12-06).

Found: `same_items` compared a dict's entries by key and a set's members by value, but not
their order, so `x[list(D)]` of a dict reordered in place (a key popped and put back) or
`Tensor(list(S))` of a set refilled in another order replayed the old order; an
OrderedDict, a defaultdict or a deque handed whole (`F.normalize(x, **OD)`, `x[DQ]`) and a
list inside a namedtuple were not guarded at all; nor was a dict or list read whole through
its own methods (`tg.cat([x, *D.values()])`, `for k, v in D.items()`, `L.index(2)`). Each
replayed the recorded numbers without a word; now each records again (`step.rerecords`).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict, deque, namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np
from test_jit_differential import differential, zero
from test_jit_whole_lists_hJ3 import CALLS, over
from test_jit_whole_lists_hJ3 import at_call as call_at

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.jit.guards import same_items

Pair = namedtuple("Pair", "rows cols")
C: dict[str, Any] = {}  # the containers the steps read, made afresh by `make`
ROWS = Tensor([1.0, 3.0]).reshape(2, 1)  # (weights: rows in another order give other sums)


def make() -> dict:
    r = np.random.default_rng(1)
    W = Tensor(r.standard_normal((3, 4)), requires_grad=True)
    C.clear()
    C.update(order={2: "b", 0: "a"}, members={1, 9}, od=OrderedDict(p=2.0, dim=1),
             dd=defaultdict(float, p=2.0, dim=1), dq=deque([0, 2]),
             pair=Pair([0, 2], slice(None)), ts={"a": Tensor(np.ones((3, 4))),
                                                 "b": Tensor(np.zeros((3, 4)))},
             weights={"a": 1.0, "b": 2.0}, picks=[1, 2], ood=OrderedDict([(2, 0), (0, 0)]))
    return {"W": W, "params": [W]}


def at_call(k: int, change: Callable[[], Any]) -> Callable[[dict], None]:
    return call_at(k, lambda st: change())  # (this file's changes reach no state)


def compare(f: Callable[[Tensor], Tensor], change: Callable[[], Any]) -> Any:
    (jitted, step, _), eager = differential(make, over(f), CALLS, at_call(4, change))
    for i, (j, e) in enumerate(zip(jitted, eager)):
        assert j == e, f"call {i}: jitted differs from eager"
    assert step.replays > 0 and step.rerecords == 1  # (replayed, and recorded again once)
    return step


def test_a_dict_reordered_in_place_and_read_as_its_keys_is_seen():
    compare(lambda t: (t[list(C["order"])] ** 2 * ROWS).sum(),
            lambda: C["order"].__setitem__(2, C["order"].pop(2)))  # {0: "a", 2: "b"}


def test_an_ordered_dict_moved_to_its_end_is_seen():
    compare(lambda t: (t[list(C["ood"])] ** 2 * ROWS).sum(),
            lambda: C["ood"].move_to_end(2))


def test_a_set_refilled_in_another_order_is_seen():
    """{1, 9} and {9, 1} are equal, but `list(S)` is [1, 9] or [9, 1] by insertion."""
    def refill() -> None:
        s = C["members"]
        s.clear()
        s.add(9)
        s.add(1)
    s = {1, 9}
    order = list(s)
    refill.__globals__["C"]["members"] = s
    refill()
    assert s == {1, 9} and list(s) != order  # (CPython's order: the test's premise)
    compare(lambda t: (t[0, :2] * Tensor(list(C["members"]))).sum(), refill)


def test_an_ordered_dict_of_keywords_changed_in_place_is_seen():
    compare(lambda t: F.normalize(t, **C["od"]).pow(3).sum(), lambda: C["od"].update(p=1.0))


def test_a_defaultdict_of_keywords_changed_in_place_is_seen():
    compare(lambda t: F.normalize(t, **C["dd"]).pow(3).sum(), lambda: C["dd"].update(p=1.0))


def test_a_deque_index_changed_in_place_is_seen():
    compare(lambda t: (t[C["dq"]] ** 2 * ROWS).sum(), lambda: C["dq"].__setitem__(0, 1))


def test_a_list_in_a_namedtuple_index_changed_in_place_is_seen():
    compare(lambda t: (t[tuple(C["pair"])] ** 2 * ROWS).sum(),
            lambda: C["pair"].rows.__setitem__(0, 1))


def test_a_dicts_values_unpacked_into_a_call_are_seen():
    compare(lambda t: (tg.cat([t, *C["ts"].values()]) ** 2 * tg.arange(9.0).reshape(9, 1)).sum(),
            lambda: C["ts"].__setitem__("a", Tensor(np.full((3, 4), 5.0))))


def test_a_dicts_items_walked_by_the_step_are_seen():
    compare(lambda t: sum((t * v).sum() for _, v in C["weights"].items()),
            lambda: C["weights"].__setitem__("a", 5.0))


def test_a_lists_index_method_is_seen():
    compare(lambda t: (t * float(C["picks"].index(2))).sum(), lambda: C["picks"].insert(0, 0))


def test_same_items_goes_by_a_dicts_order():
    d = {"a": 1.0, "b": 2.0}
    rec = (tuple(d), tuple(d.values()))  # (what the guard keeps of a dict)
    assert same_items(d, rec)
    d["a"] = d.pop("a")  # the same entries, another order
    assert not same_items(d, rec)



def walk_order(t: Tensor) -> Tensor:
    s = 0.0
    for k in C["order"]:  # (a for loop over the container itself: each key, in order)
        s = s * 10.0 + k
    return (t * s).sum()


def walk_members(t: Tensor) -> Tensor:
    s = 0.0
    for v in C["members"]:
        s = s * 10.0 + v
    return (t * s).sum()


def walk_deque(t: Tensor) -> Tensor:
    s = 0.0
    for v in C["dq"]:
        s = s * 10.0 + v
    return (t * s).sum()


def test_a_for_loop_over_a_dict_reordered_in_place_is_seen():
    compare(walk_order, lambda: C["order"].__setitem__(2, C["order"].pop(2)))


def test_a_for_loop_over_a_set_changed_in_place_is_seen():
    compare(walk_members, lambda: C["members"].add(3))


def test_a_for_loop_over_a_deque_changed_in_place_is_seen():
    compare(walk_deque, lambda: C["dq"].__setitem__(0, 5))


# ---- an iterator the step's Python takes items of: replay kept the recorded item ----------
def scales() -> Any:
    yield from (1.0, 1.0, 1.0, 5.0, 5.0, 5.0, 5.0)


ITEMS_OF: dict[str, Any] = {}


def make_iter() -> dict:
    st = make()
    ITEMS_OF["it"] = scales()
    return st


def test_an_iterator_the_step_takes_items_of_runs_eagerly_with_the_warning():
    (jitted, step, warned), eager = differential(
        make_iter, over(lambda t: (t * next(ITEMS_OF["it"])).sum()), CALLS, zero)
    assert jitted == eager and step.replays == 0
    assert any("takes an item of an iterator" in str(w) for w in warned)


def pairs_total(it: Any) -> float:
    s = 0.0
    for a, b in it:
        s += a * b
    return s


def test_an_iterator_the_step_makes_itself_still_replays():
    """`zip(...)` made by the step (and a generator expression's `.0`) is not refused."""
    step = compare(lambda t: (t * pairs_total(zip(C["picks"], C["picks"]))).sum()
                   * sum(w for w in C["picks"]), lambda: C["picks"].__setitem__(0, 7))
    assert step.replays == 3  # (calls 3, 4 and 7: 5 and 6 record again)


# ---- past 32 containers inside: each row of a long nested list ----------------------------
ROWS40: list[list[float]] = []


def make_rows() -> dict:
    st = make()
    ROWS40[:] = [[1.0, 2.0, 3.0, 4.0] for _ in range(40)]
    return st


def walk_rows(t: Tensor) -> Tensor:
    s = t.sum() * 0.0
    for row in ROWS40:  # (each row handed whole to Tensor: more rows than guarded one each)
        s = s + (t[0] * Tensor(row)).sum()
    return s


def rows_compare(f: Callable[[Tensor], Tensor]) -> None:
    (jitted, step, _), eager = differential(
        make_rows, over(f), CALLS, at_call(4, lambda: ROWS40[5].__setitem__(0, 9.0)))
    assert jitted == eager and step.replays > 0 and step.rerecords == 1


def test_a_row_of_a_long_nested_list_read_whole_changed_in_place_is_seen():
    rows_compare(lambda t: (t.sum(0) * Tensor(ROWS40)).sum())


def test_a_row_of_a_long_list_a_loop_hands_whole_changed_in_place_is_seen():
    rows_compare(walk_rows)
