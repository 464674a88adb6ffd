"""A skeptic's review of the buffer-write check (74799f7, 9a2bc58) and the list-item guards
(927078b). Each test failed before its fix: a buffer reached only through a user's function
the step calls (`self.Yoh` of a Module's `loss`, a helper module's `BUF`) was not compared in
the first recorded call (calls.py names it only after the call), so when the second call
wrote the same values (a batch of one, the same label twice) the step replayed, reading the
buffer stale from then on; a list subclass's items (`S[0]` of `class L(list)`) were not
guarded and replayed stale."""

from __future__ import annotations

import importlib
import sys
import warnings

import numpy as np
from test_jit_bindings_review import differential, param

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit


class OneHotNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.W = tg.Tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)
        self.Yoh = np.zeros((1, 3))  # preallocated one-hot labels, written in loss

    def loss(self, X, y):
        self.Yoh[:] = 0
        self.Yoh[np.arange(1), y] = 1
        P = (tg.Tensor(X) @ self.W).softmax(axis=1)
        return -(tg.Tensor(self.Yoh) * P.log()).sum()


def run(make, data, calls=6):
    """make() -> (step, params); eager and jitted on fresh make()s, bit for bit."""
    seen = {}
    for mode in ("eager", "jit"):
        step, params = make()
        s = jit(step) if mode == "jit" else step
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for k in range(calls):
                for p in params:
                    p.grad = None
                v = s(*data(k))
                out.append((v.data.tobytes(), [p.grad.tobytes() for p in params]))
        seen[mode] = out, s
    for k, (e, j) in enumerate(zip(seen["eager"][0], seen["jit"][0])):
        assert e == j, f"call {k}: eager and jit differ"
    return seen["jit"][1]


def test_a_module_s_buffer_written_with_the_same_values_by_both_recorded_calls():
    X = np.array([[0.5, -0.25]])
    labels = [1, 1, 2, 0, 2, 1]  # the first two batches (of one) have the same label

    def make():
        net = OneHotNet()

        def step(Xb, yb):
            loss = net.loss(Xb, yb)
            loss.backward()
            return loss
        return step, [net.W]
    step = run(make, lambda k: (X, np.array([labels[k]])))
    assert step.replays == 0


HELPER = """
import numpy as np
import tinygrad_dl as tg
BUF = np.zeros(4)

def doubled(x):
    BUF[:] = x * 2
    return tg.Tensor(BUF)
"""


def test_a_helper_module_s_global_buffer_written_with_the_same_values(tmp_path, monkeypatch):
    (tmp_path / "bufhelper_review.py").write_text(HELPER)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("bufhelper_review", None)
    helper = importlib.import_module("bufhelper_review")
    try:
        def make():
            w = tg.Tensor(np.linspace(-1.0, 1.0, 4), requires_grad=True)
            helper.BUF[:] = 0

            def step(x):
                loss = (w * helper.doubled(x)).sum()
                loss.backward()
                return loss
            return step, [w]
        x0 = np.arange(1.0, 5.0)  # the same batch twice, then others
        step = run(make, lambda k: (x0 + max(k - 1, 0),))
        assert step.replays == 0
    finally:
        sys.modules.pop("bufhelper_review", None)


def test_a_buffer_a_module_reads_but_nothing_writes_still_replays():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = param()
            self.scale = np.array([1.0, 2.0, 3.0])  # read, never written

        def forward(self, x):
            return (self.w * tg.Tensor(self.scale) * tg.Tensor(x)).sum()

    def make():
        net = Net()

        def step(x):
            loss = net(x)
            loss.backward()
            return loss
        return step, [net.w]
    step = run(make, lambda k: (np.arange(1.0, 4.0) + k,))
    assert step.replays == 4


class Floats(list):
    pass


def test_a_list_subclass_s_item_changed_in_place():
    def make():
        w, S = param(), Floats([0.5, 2.0])

        def step(x):
            loss = (w * tg.Tensor(x)).sum() * S[0] + S[-1]
            loss.backward()
            return loss
        return step, [w], S
    differential(make, lambda S: S.__setitem__(0, 3.0))
