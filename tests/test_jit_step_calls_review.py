"""A skeptic's review of what jit hears of the step's Python beyond its own function
(jit/calls.py, 8f17469). Each test failed before its fix: a jitted loop under cProfile crashed
at its first recording (TypeError: 'Profile' object is not callable, before 3.12); a profiler
the step's Python set was unset after a recorded call; the paths a function of the user's
takes into what it is passed (a method a decorator wraps or one bound under another name, a
helper given `self.cfg`, a partial's argument, a lambda's cell) were replayed stale without a
word (only a method's `self` found on its class was followed); a draw in a user's op's
`forward` (Python's `random` there or in a helper it calls, NumPy's global stream in an
autograd.Function's) made the step run eagerly, though replay runs the op and draws again."""

from __future__ import annotations

import cProfile
import functools
import random
import sys
import warnings

import numpy as np
import pytest
from test_jit_bindings_review import X, differential, param
from test_jit_step_calls import loss_step

import tinygrad_dl as tg
from tinygrad_dl import autograd, nn
from tinygrad_dl.jit import jit


def simple_step():
    w = param()

    def step(x):
        loss = (w * tg.Tensor(x)).sum()
        loss.backward()
        return loss
    return step, w


def marker():  # a call the profiler must still count after the jitted loop
    return 1


# ---- a profiler around the loop --------------------------------------------------------------
def test_cprofile_around_a_jitted_loop():
    step, w = simple_step()
    jitted = jit(step, strict=True)
    prof = cProfile.Profile()
    prof.enable()
    try:
        for _ in range(5):
            w.grad = None
            jitted(X)
        marker()
    finally:
        prof.disable()
    assert jitted.replays == 3
    prof.create_stats()
    assert any(name == "marker" for (_, _, name) in prof.stats)


def test_a_profiler_the_step_sets_stays_set():
    w = param()
    seen = []

    def hook(frame, event, arg):
        seen.append(event)

    def step(x):
        sys.setprofile(hook)  # eager leaves it set
        loss = (w * tg.Tensor(x)).sum()
        loss.backward()
        return loss
    try:
        jit(step)(X)
        assert sys.getprofile() is hook
    finally:
        sys.setprofile(None)


# ---- paths into what a function of the user's is passed --------------------------------------
def deco(f):
    @functools.wraps(f)
    def wrapper(*a, **k):
        return f(*a, **k)
    return wrapper


def penalty(w, cfg):
    return (w * w).sum() * cfg["lam"]


def scaled(cfg, t):
    return t * cfg["lam"]


def _loss(self, x):
    return (self.w * tg.Tensor(x)).sum() * self.cfg["lam"]


class Base(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = param()
        self.cfg = {"lam": 0.25}


class Decorated(Base):
    @deco
    def loss(self, x):
        return (self.w * tg.Tensor(x)).sum() * self.cfg["lam"]


class Helper(Base):
    def loss(self, x):
        return (self.w * tg.Tensor(x)).sum() + penalty(self.w, self.cfg)


class Partial(Base):
    def __init__(self) -> None:
        super().__init__()
        self.f = functools.partial(scaled, self.cfg)

    def loss(self, x):
        return self.f((self.w * tg.Tensor(x)).sum())


class Lambda(Base):
    def __init__(self) -> None:
        super().__init__()
        c = self.cfg
        self.f = lambda t: t * c["lam"]

    def loss(self, x):
        return self.f((self.w * tg.Tensor(x)).sum())


class Alias(Base):
    loss = _loss  # (its code is named _loss: not found on the class as `loss`)


@pytest.mark.parametrize("cls", [Decorated, Helper, Partial, Lambda, Alias])
def test_a_dict_changed_in_place_read_by_what_a_function_is_passed(cls):
    def make():
        return loss_step(cls())
    step, _ = differential(make, lambda net: net.cfg.__setitem__("lam", 3.0))
    assert step.replays >= 2 and step.rerecords == 1


# ---- draws in a user's op: replay runs it ----------------------------------------------------
def coins(n):  # a helper of the op's forward: replay runs it too
    return np.array([random.random() for _ in range(n)])


class Coins(tg.Function):
    def forward(ctx, x):
        ctx.m = coins(x.shape[0])
        return x * ctx.m

    def backward(ctx, g):
        return g * ctx.m


class GlobalNoise(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.m = np.random.uniform(size=x.shape)
        return tg.Tensor(x.data * ctx.m)

    @staticmethod
    def backward(ctx, g):
        return tg.Tensor(g.data * ctx.m)


@pytest.mark.parametrize("op", [Coins, GlobalNoise])
def test_a_user_op_drawing_in_its_forward_replays(op):
    def make():
        random.seed(0)
        np.random.seed(0)
        w = param()

        def step(x):
            loss = op.apply(w * tg.Tensor(x)).sum()
            loss.backward()
            return loss
        return step, [w], None
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # (not refused)
        step, _ = differential(make, calls=6)
    assert step.replays == 4


class ByClass(nn.Module):
    scale = 2.0

    def __init__(self) -> None:
        super().__init__()
        self.w = param()

    def loss(self, x):
        return (self.w * tg.Tensor(x)).sum() * self.__class__.scale


def test_a_class_number_read_through_self_class():
    def make():
        ByClass.scale = 2.0
        return loss_step(ByClass())
    try:
        step, _ = differential(make, lambda net: setattr(ByClass, "scale", 5.0))
    finally:
        ByClass.scale = 2.0
    assert step.replays >= 2 and step.rerecords == 1
