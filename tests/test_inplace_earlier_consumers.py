"""An op made BEFORE an in-place write on an op's result that used the written tensor (`z = y * 3`
of `z = y * 3; y.relu_()`, `s = h.sum()` of `s = h.sum(); h[0] += 1`) reads the value it used:
backward sends its gradient to that version (torch's edge to the old grad_fn), not through the
write; before, backward refused it in one line. Compared over seeded random programs of
consumers and writes: our in-place program against the same program written out of place
(torch's and ours: the meaning), and torch's in-place program, which raises only where an op
saved the written tensor (ours too: the write guard). Left out: views taken before a write
(their values change with it: refused, tests/test_inplace_views_torch_hVIEW.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tests.oracle import as_numpy, one_line, strict_replays_match

torch = pytest.importorskip("torch")

C = np.linspace(-0.7, 0.9, 12).reshape(4, 3)  # a constant matrix (`h @ C`)

# consumers of h made before a later write: (name, fn(lib, h, w)); `h * w` saves h (w needs a
# gradient): torch and we refuse a later write's backward, the rest read h's values only
CONSUMERS = {
    "sum": lambda lib, h, w: h.sum(),
    "mean*2": lambda lib, h, w: h.mean() * 2,
    "exp": lambda lib, h, w: h.exp().sum(),  # (saves its own result, not h)
    "tanh": lambda lib, h, w: (h.tanh() * 0.5).sum(),
    "neg": lambda lib, h, w: (-h).sum(),
    "h+1": lambda lib, h, w: (h + 1).sum(),
    "h-w": lambda lib, h, w: (h - w).sum(),
    "h*3": lambda lib, h, w: (h * 3).sum(),
    "h[[0,2]]": lambda lib, h, w: h[[0, 2]].sum(),
    "h@C": lambda lib, h, w: (h @ lib.tensor(C)).sum(),
    "h*w": lambda lib, h, w: (h * w).sum(),
}


def _onehot(lib, n, i, shape):
    a = np.zeros(shape)
    a[i] = 1.0
    return lib.tensor(a)


# writes: (name, in place fn(lib, h, w), out of place fn(lib, h, w) -> the new h)
WRITES = {
    "add_(w)": (lambda lib, h, w: h.add_(w), lambda lib, h, w: h + w),
    "mul_(2)": (lambda lib, h, w: h.mul_(2), lambda lib, h, w: h * 2),
    "relu_": (lambda lib, h, w: h.relu_(), lambda lib, h, w: h.relu()),
    "tanh_": (lambda lib, h, w: h.tanh_(), lambda lib, h, w: h.tanh()),
    "h[1]+=w": (lambda lib, h, w: h[1].add_(w),
                lambda lib, h, w: h + _onehot(lib, 3, 1, (3, 1)) * w),
    "h[:,2]*=2": (lambda lib, h, w: h[:, 2].mul_(2),
                  lambda lib, h, w: h * (1 + _onehot(lib, 4, 2, (4,)))),
    "sub_(1)": (lambda lib, h, w: h.sub_(1), lambda lib, h, w: h - 1),
}


def _program(lib, seed, inplace):
    """x, w leaves; h = x * 2 + w; then 2-5 random steps, each a consumer of h or a write
    into it; loss = the consumers, weighted, + (h * h).sum(). Returns (x.grad, w.grad) or the
    exception's one line."""
    r = np.random.default_rng(seed)
    x = lib.tensor(np.random.default_rng(1000 + seed).standard_normal((3, 4)),
                   requires_grad=True)
    w = lib.tensor(np.linspace(-0.5, 0.8, 4), requires_grad=True)
    h = x * 2 + w
    loss = 0
    names = []
    for _ in range(int(r.integers(2, 6))):
        if r.random() < 0.5:
            name = str(r.choice(list(CONSUMERS)))
            loss = loss + CONSUMERS[name](lib, h, w) * float(r.uniform(0.5, 2))
        else:
            name = str(r.choice(list(WRITES)))
            into, out = WRITES[name]
            if inplace:
                try:
                    into(lib, h, w)
                except (RuntimeError, ValueError) as e:  # (a view write into an array a
                    return names + [name], str(e)  # live graph saved: refused at the write)
            else:
                h = out(lib, h, w)
        names.append(name)
    loss = loss + (h * h).sum()
    try:
        loss.backward()
    except RuntimeError as e:
        return names, str(e)
    return names, (as_numpy(x.grad), as_numpy(w.grad))


@pytest.mark.parametrize("seed", range(60))
def test_random_programs_read_what_each_op_used(seed):
    names, ours = _program(tg, seed, inplace=True)
    _, meaning = _program(torch, seed, inplace=False)
    _, ours_out = _program(tg, seed, inplace=False)
    _, theirs = _program(torch, seed, inplace=True)
    for a, b in zip(ours_out, meaning):  # (the out-of-place programs agree: the oracle)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    if isinstance(ours, str):  # refused: only where torch refuses too (an op saved h)
        assert isinstance(theirs, str), (names, ours)
        assert "\n" not in ours, ours
        return
    for a, b in zip(ours, meaning):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(names))
    if not isinstance(theirs, str):  # (torch may refuse where we computed: relu_'s result
        for a, b in zip(ours, theirs):  # written again; ours saved a copy: right, as above)
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(names))


def test_the_random_programs_compute_where_torch_does():
    """The sweep above can fail: most programs have an earlier consumer and compute."""
    computed = earlier = 0
    for seed in range(60):
        names, ours = _program(tg, seed, inplace=True)
        _, theirs = _program(torch, seed, inplace=True)
        first_write = next((i for i, n in enumerate(names) if n in WRITES), len(names))
        if any(n in CONSUMERS for n in names[:first_write]):
            earlier += 1
            computed += not isinstance(ours, str) and not isinstance(theirs, str)
    assert earlier >= 20 and computed >= earlier // 2, (earlier, computed)


def test_two_writes_each_consumer_reads_its_version():
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
        h = x * 2
        a = h.exp().sum()  # reads h0
        h.add_(x)  # h1 = h0 + x
        b = (h - 1).sum() * 3  # reads h1
        h[0].mul_(3)  # h2: row 0 tripled
        c = h.tanh().sum()  # reads h2
        h.relu_()
        (a + b + c + (h * h).sum()).backward()
        grads.append(as_numpy(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_a_consumer_that_saved_the_tensor_is_still_refused_as_torch():
    """`z = y * w` saved y (w needs a gradient): the write would change what its backward
    reads; torch raises at backward, and so do we, naming the op."""
    w = tg.tensor(np.ones(3), requires_grad=True)
    y = tg.tensor(np.arange(3.0), requires_grad=True) * 2
    z = y * w
    y.relu_()
    with pytest.raises(RuntimeError) as info:
        (z.sum() + y.sum()).backward()
    one_line(info, "Mul", "relu_")


def test_a_view_taken_before_the_write_is_still_refused():
    """`v = h[0]` aliases h's array: its values changed with the write, so the version its
    history reads is not what it holds (torch regenerates its grad_fn); one line, naming it."""
    h = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True) * 2
    v = h[0]
    h.add_(1)
    with pytest.raises(RuntimeError) as info:
        (v * v).sum().backward()
    one_line(info, "GetItem", "modified by an in-place operation")


def test_retain_graph_backward_twice_gives_the_same_gradient():
    x = tg.tensor(np.linspace(-1, 1, 4), requires_grad=True)
    h = x * 2
    s = h.exp().sum()
    h.relu_()
    loss = s + h.sum()
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    x.grad = None
    loss.backward()
    np.testing.assert_array_equal(x.grad, first)
    np.testing.assert_allclose(first, 2 * np.exp(2 * x.data) + 2 * (x.data > 0), rtol=1e-14)


def test_a_jitted_step_with_an_earlier_consumer_replays_bit_equal():
    w = tg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    rng = np.random.default_rng(0)

    def step(x):
        h = x @ w
        z = h.sum() * 3 + h.tanh().sum()  # made before the writes
        h.relu_()
        h.add_(1)
        loss = z + (h * h).sum()
        loss.backward()
        return loss

    strict_replays_match(step, lambda: tg.tensor(rng.standard_normal((2, 3))), w)
