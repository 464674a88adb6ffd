"""Review of jit/compact.py (locals shared by name in a compiled step): what it did wrong.

- A backward's `g1 = g2 = ... = None` line names every gradient of the backward (two locals
  per key: ~9 per char-RNN time step). `share_locals` matched that line against its None
  pattern and rewrote it once per name: time quadratic in the graph's size (a char-RNN of
  T = 1000 took 9 s more to compile, 4x its recording). Now each line is asked and
  rewritten once.
- The compiled lines' one comprehension (`[h is x for h in r].count(True)`, the first gradient
  of a declared `backward_into` with 3+ inputs: every biased Linear) made `share_locals` bail
  on its `for`: no model with a biased Linear had its locals shared. The lines call a helper
  (`_once(x, r)`) instead: no loop in the source; such a model still replays eager's bits.
"""

import re

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.jit.compact as compact
from tinygrad_dl.jit import Plan, jit
from tinygrad_dl.models import KLayer, TwoLayer


def long_backward(n):
    """A function like a compiled backward of n keys: its None line names 2n locals."""
    names = [f"g{i}" for i in range(n)] + [f"o{i}" for i in range(n)]
    body = [" = ".join(names) + " = None", "g0 = 1"]
    for i in range(n - 1):
        body += [f"if g{i} is not None:", f"    g = g{i}; g{i} = None",
                 f"    g{i + 1} = g + 1; o{i + 1} = True"]
    body.append(f"log.append((g{n - 1}, o{n - 1}))")
    return ["def f():", "    try:", *("        " + b for b in body), "    finally:",
            "        pass"]


class Counting:
    """A pattern that counts the characters it is asked to match."""

    def __init__(self, pattern, seen):
        self.pattern, self.seen = pattern, seen

    def match(self, s, *args):
        self.seen.append(len(s))
        return self.pattern.match(s, *args)

    def __getattr__(self, name):
        return getattr(self.pattern, name)


def test_a_long_backward_s_none_line_is_read_and_rewritten_once_not_once_per_name(monkeypatch):
    n = 1500
    lines = long_backward(n)
    size = sum(len(line) for line in lines)
    matched, rewritten = [], []
    monkeypatch.setattr(compact, "NONES", Counting(compact.NONES, matched))
    drop = compact._drop

    def counted_drop(new, i, *args):
        rewritten.append(len(new[i]))
        return drop(new, i, *args)

    monkeypatch.setattr(compact, "_drop", counted_drop)
    new = compact.share_locals(lines, range(2, len(lines) - 2), set())
    assert new is not lines and len(new) < len(lines) + 2 * n
    # linear: each line asked and rewritten at most once (was 2n times the None line's
    # ~20 KB: 60 MB of text scanned at n = 1500)
    assert sum(matched) <= 2 * size, sum(matched)
    assert sum(rewritten) <= 2 * size, sum(rewritten)
    env = {"log": []}
    exec(compile("\n".join(new) + "\n", "<test>", "exec"), env)  # noqa: S102 - our text
    env["f"]()
    assert env["log"] == [(n, True)]


@pytest.mark.parametrize("make", [
    lambda dtype: TwoLayer(6, 5, 3, lam=0.01, rng=np.random.default_rng(8), dtype=dtype),
    lambda dtype: KLayer(6, [5, 4], 3, lam=0.01, dropout=0.25, rng=np.random.default_rng(8),
                         dtype=dtype),
], ids=["TwoLayer", "KLayer-bn-dropout"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_biased_linear_model_s_plan_shares_its_locals_and_replays_as_eager(make, dtype):
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((8, 6)).astype(dtype), rng.integers(0, 3, 8))
               for _ in range(6)]
    got = {}
    for how in ("eager", "jit"):
        model = make(dtype)

        def step(X, y, model=model):
            J = model.loss(X, y)
            J.backward()
            return J

        f = jit(step) if how == "jit" else step
        out = []
        for i, (X, y) in enumerate(batches):
            for p in model.parameters():
                p.grad = None
            tg.manual_seed(i)  # (dropout's mask: the same per call)
            J = f(X, y)
            out.append((J.data.copy(), *(p.grad.copy() for p in model.parameters())))
            for p in model.parameters():
                p.data -= 0.1 * p.grad
        got[how] = out
        if how == "jit":
            assert f.replays == len(batches) - 2
            plan = next(v for v in f.cache.values() if type(v) is Plan)
            assert "_once(x, r)" in plan.source  # (where the comprehension was)
            # shared: fewer gradient locals than keys given a gradient (`_add*(P, key, ...)`:
            # one local each, unshared)
            keys = set(re.findall(r"_addc?\(P, (\d+),", plan.source))
            grads = {w for w in compact.NAME.findall(plan.source) if w[0] == "g"}
            assert len(grads) < len(keys), (sorted(grads), sorted(keys))
    for a, b in zip(got["eager"], got["jit"]):
        assert all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b))
