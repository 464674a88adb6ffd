"""A step that draws with tg.randn inside runs eagerly (a changing constant), and its reason
says so and what to do; before, it named only "per-step data the step does not take as an
argument", which a reader of tg.randn(...) does not see as theirs."""

import warnings

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit


def test_a_draw_inside_the_step_is_named_in_the_fallback_reason():
    tg.manual_seed(0)
    lin, X = nn.Linear(3, 2), tg.tensor(np.ones((4, 3)))

    @jit
    def step(X):
        lin(X + tg.randn(4, 3)).sum().backward()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(3):
            lin.zero_grad()
            step(X)
    (why,) = step.fallbacks.values()
    assert "constant that changed between calls" in why and "tg.randn(...)" in why
    assert step.replays == 0
