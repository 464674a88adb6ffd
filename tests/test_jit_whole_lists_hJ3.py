"""A list, tuple or dict the step hands whole to a call (`x[IDX]`, `x.reshape(SHAPE)`,
`F.normalize(x, **KW)`, `tg.cat(TS)`), changed in place between calls (helper hJ3's
differential hunt of jit replay against eager, 2026-12-06).

Found: the guards held such a name by identity only (the same list), so `IDX[0] = 1`,
`KW["p"] = 1.0` or `TS[1] = W2` between calls left the recording valid and replay kept what
the recorded calls made of the old items, without a word (another index, shape, norm, or
the old tensor): `attribute_reads` now marks a name or path used as an operand (`WHOLE`)
and its items are guarded by identity (`guards.same_items`, one term in C), so the next call
records again. A list the code changes itself (`hist.append(...)`) is not guarded so (every
call would record again; replay does not redo the append: docs/jit.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_jit_differential import differential, zero

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl import functional as F
from tinygrad_dl.jit import bindings, jit
from tinygrad_dl.jit.bindings import attribute_reads
from tinygrad_dl.jit.guards import ITEMS

G: dict[str, Any] = {}  # the step's module-level state, set afresh by `make`
IDX = [0, 2]  # a global list the steps below index by (reset by `make`)


def make() -> dict:
    r = np.random.default_rng(1)
    W = Tensor(r.standard_normal((3, 4)), requires_grad=True)
    W2 = Tensor(r.standard_normal((3, 4)), requires_grad=True)
    C = [Tensor(r.standard_normal((3, 4))) for _ in range(2)]
    IDX[:] = [0, 2]
    G.clear()
    G.update(idx=[0, 2], shape=[4, 3], v=[0.5, 1.0, 2.0, 3.0], kw={"p": 2.0, "dim": 1},
             consts=C, ps=[W, C[0]], pair=([0, 2],), cols={0, 2})
    return {"W": W, "W2": W2, "params": [W, W2]}


def over(f: Callable[[Tensor], Tensor]) -> Callable[[dict], Callable]:
    def body(st: dict) -> Callable:
        W = st["W"]

        def step(x):
            loss = f(Tensor(x) * W)
            loss.backward()
            return loss
        return step
    return body


def at_call(k: int, change: Callable[[dict], None]) -> Callable[[dict], None]:
    def after(st: dict) -> None:  # (the count on `st`: each run makes its own)
        zero(st)
        st["calls"] = st.get("calls", 0) + 1
        if st["calls"] == k:
            change(st)
    return after


CALLS = [((lambda s=s: (np.random.default_rng(s).standard_normal((3, 4)),)), {})
         for s in range(7)]


def compare(body: Callable, change: Callable[[dict], None]) -> Any:
    (jitted, step, _), eager = differential(make, body, CALLS, at_call(4, change))
    for i, (j, e) in enumerate(zip(jitted, eager)):
        assert j == e, f"call {i}: jitted differs from eager"
    return step


def set_item(key: str, i: Any, v: Any) -> Callable[[dict], None]:
    return lambda st: G[key].__setitem__(i, v)


def test_a_global_index_list_changed_in_place_is_seen():
    step = compare(over(lambda t: (t[IDX] ** 2).sum()), lambda st: IDX.__setitem__(0, 1))
    assert step.replays > 0 and step.rerecords == 1


def test_an_index_list_in_a_dict_changed_in_place_is_seen():
    compare(over(lambda t: (t[:, G["idx"]] ** 2).sum()), set_item("idx", 0, 1))


def test_a_shape_list_changed_in_place_is_seen():  # (eager raises: so must the call)
    compare(over(lambda t: (t.reshape(G["shape"]) * tg.arange(3.0)).sum()),
            set_item("shape", 0, 2))


def test_keywords_unpacked_from_a_dict_changed_in_place_are_seen():
    compare(over(lambda t: F.normalize(t, **G["kw"]).pow(3).sum()), set_item("kw", "p", 1.0))


def test_a_keyword_added_to_an_unpacked_dict_is_seen():
    compare(over(lambda t: F.normalize(t, **G["kw"]).pow(3).sum()), set_item("kw", "eps", 10.0))


def test_a_list_of_constant_tensors_changed_in_place_is_seen():
    compare(over(lambda t: (tg.cat([t, *G["consts"]]) ** 2).sum()),
            set_item("consts", 0, Tensor(np.ones((3, 4)))))


def test_a_list_of_parameters_changed_in_place_is_seen():
    compare(over(lambda t: (tg.stack(G["ps"]) * t).pow(2).sum()),
            lambda st: G["ps"].__setitem__(1, st["W2"]))


def test_a_literal_made_of_a_global_list_changed_in_place_is_seen():
    """`Tensor(G["v"])`: a literal (made of Python numbers), kept by replay as recorded."""
    compare(over(lambda t: (t * Tensor(G["v"])).sum()), set_item("v", 2, 7.0))


def test_a_list_inside_a_tuple_index_changed_in_place_is_seen():
    compare(over(lambda t: (t[G["pair"]] ** 2).sum()), lambda st: G["pair"][0].__setitem__(0, 1))


class Picks(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.cols = [0, 2]  # a plain list attribute: `net.cols[0] = 1` bumps no version

    def forward(self, x: Tensor) -> Tensor:
        return (self.lin(x)[:, self.cols] ** 2).sum()


def test_a_modules_list_attribute_read_whole_by_its_forward_is_seen():
    def make_net() -> dict:
        tg.manual_seed(0)
        net = Picks()
        return {"net": net, "params": list(net.parameters())}

    def body(st: dict) -> Callable:
        net = st["net"]

        def step(x):
            loss = net(Tensor(x))
            loss.backward()
            return loss
        return step
    (jitted, step, _), eager = differential(
        make_net, body, CALLS, at_call(4, lambda st: st["net"].cols.__setitem__(0, 1)))
    assert jitted == eager and step.replays > 0


# ---- what is not guarded so: a list the code changes itself, a name read at a key -----------
HIST: list[Any] = []


def test_a_list_the_step_appends_to_still_replays():
    """`HIST.append(...)` then `len(HIST)`: the list is the step's own state (replay appends
    nothing, docs/jit.md); guarding its items would record every call again."""
    w = Tensor(np.ones(3), requires_grad=True)

    def step(x):
        HIST.append(1)
        loss = (Tensor(x) * w).sum() * float(len(HIST) > 0)
        loss.backward()
    j = jit(step)
    for s in range(5):
        w.grad = None
        j(np.full(3, float(s)))
    assert j.replays == 3


def test_a_dict_read_at_a_key_is_not_guarded_whole():
    """`state["model"]` of a dict whose other entries the loop changes (an epoch counter):
    only that entry is guarded, so the step keeps replaying."""
    w = Tensor(np.ones(3), requires_grad=True)
    state = {"w": w, "epoch": 0}

    def step(x):
        (Tensor(x) * state["w"]).sum().backward()
    j = jit(step)
    for s in range(5):
        w.grad = None
        state["epoch"] = s
        j(np.full(3, float(s)))
    assert j.replays == 3


def whole_index(t):
    return t[IDX]


def appends(t):
    HIST.append(t)
    return len(HIST)


def keywords(t):
    return F.normalize(t, 2.0, **G["kw"])


@pytest.mark.parametrize("fn, name, obj, guarded", [
    (whole_index, ("g", "IDX"), IDX, True),
    (keywords, ("g", "G"), G, True),
    (appends, ("g", "HIST"), HIST, False),  # (read whole by len(), but changed by the code)
])
def test_an_operand_read_whole_has_its_items_guarded(fn, name, obj, guarded):
    make()
    reads = attribute_reads(fn.__code__)[name]
    assert any(p[-1:] == (bindings.WHOLE,) for p in reads)
    found = bindings.entries(obj, reads, name[1], fn)
    assert any(key is ITEMS for _, key, _, _ in found) is guarded


def test_a_set_sorted_into_an_index_changed_in_place_is_seen():
    compare(over(lambda t: (t[:, sorted(G["cols"])] ** 2).sum()),
            lambda st: (G["cols"].discard(0), G["cols"].add(1)))
