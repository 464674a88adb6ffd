"""tinygrad_dl.utils.checkpoint (torch.utils.checkpoint) against torch 2.13: random MLP and conv
stacks checkpointed per block or with checkpoint_sequential, both use_reentrant values, the
loss and every gradient to 1e-10 in float64; dropout masks drawn again alike; the cases that
must not be silently wrong (a recomputation that differs, an input written in place, an
optimizer step between forward and backward) and the jit."""

from __future__ import annotations

import contextlib
import gc
import tracemalloc
import warnings

import numpy as np
import pytest
from oracle import jit_matches_eager, mismatch, one_line, torch_float64  # noqa: F401

import tinygrad_dl as tg
from tinygrad_dl import nn
from tinygrad_dl.jit import jit
from tinygrad_dl.optim import SGD
from tinygrad_dl.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential

pytestmark = pytest.mark.usefixtures("torch_float64")
torch = pytest.importorskip("torch")
tcp = pytest.importorskip("torch.utils.checkpoint")


def _stack(rng: np.random.Generator, conv: bool) -> tuple[list, list, tuple[int, ...]]:
    """Random blocks (ours, torch's) with the same weights, and the input shape."""
    ours, theirs = [], []
    acts = [(nn.Tanh, torch.nn.Tanh), (nn.ReLU, torch.nn.ReLU), (nn.Sigmoid, torch.nn.Sigmoid)]
    if conv:
        c = int(rng.integers(1, 4))
        shape = (2, c, 5, 5)
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(1, 4))
            ours += [nn.Conv2d(c, k, 3, padding=1)]
            theirs += [torch.nn.Conv2d(c, k, 3, padding=1)]
            a = acts[int(rng.integers(len(acts)))]
            ours.append(a[0]())
            theirs.append(a[1]())
            c = k
        ours += [nn.Flatten(), nn.Linear(c * 25, 3)]
        theirs += [torch.nn.Flatten(), torch.nn.Linear(c * 25, 3)]
    else:
        d = int(rng.integers(2, 6))
        shape = (int(rng.integers(1, 5)), d)
        for _ in range(int(rng.integers(2, 7))):
            k = int(rng.integers(2, 6))
            ours.append(nn.Linear(d, k))
            theirs.append(torch.nn.Linear(d, k))
            a = acts[int(rng.integers(len(acts)))]
            ours.append(a[0]())
            theirs.append(a[1]())
            d = k
    for o, t in zip(ours, theirs):
        for name, v in o.state_dict().items():  # ours W/b, torch's weight/bias
            p = dict(t.named_parameters())["weight" if name.endswith("W") else "bias"]
            with torch.no_grad():
                p.copy_(torch.from_numpy(rng.normal(size=v.shape)))
            getattr(o, name).data[...] = p.detach().numpy()
    return ours, theirs, shape


def _run_blocks(blocks: list, x, how: str, reentrant: bool, ck, ck_seq, seg: int):
    if how == "plain":
        for b in blocks:
            x = b(x)
        return x
    if how == "each":
        for b in blocks:
            x = ck(b, x, use_reentrant=reentrant)
        return x
    return ck_seq(blocks, seg, x, use_reentrant=reentrant)


@pytest.mark.parametrize("seed", range(12))
def test_random_stacks_match_torch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    conv = bool(seed % 3 == 2)
    ours, theirs, shape = _stack(rng, conv)
    xv = rng.normal(size=shape)
    how = ["each", "seq"][seed % 2]
    seg = int(rng.integers(1, len(ours) + 1))
    for reentrant in (False, True):
        x, tx = tg.Tensor(xv.copy(), requires_grad=True), torch.tensor(xv, requires_grad=True)
        y = _run_blocks(ours, x, how, reentrant, checkpoint, checkpoint_sequential, seg)
        ty = _run_blocks(theirs, tx, how, reentrant, tcp.checkpoint, tcp.checkpoint_sequential,
                         seg)
        loss, tloss = (y * y).sum(), (ty * ty).sum()
        loss.backward()
        tloss.backward()
        assert mismatch(loss.data, tloss.detach().numpy()) is None
        assert mismatch(x.grad, tx.grad.numpy()) is None, (seed, reentrant)
        for o, t in zip(ours, theirs):
            tp = dict(t.named_parameters())
            for name in o.state_dict():
                want = tp["weight" if name.endswith("W") else "bias"].grad.numpy()
                assert mismatch(getattr(o, name).grad, want) is None, (seed, reentrant, name)
                getattr(o, name).grad = None
        for t in theirs:
            t.zero_grad(set_to_none=True)


@pytest.mark.parametrize("seed", range(8))
def test_random_dropout_stacks_same_gradients_as_without(seed: int) -> None:
    """Dropout draws the same masks in the recomputation: every gradient bit for bit as
    without checkpointing (torch's masks are not ours: compared with ourselves)."""
    rng = np.random.default_rng(100 + seed)
    ours, _, shape = _stack(rng, seed % 4 == 3)
    for i in sorted(rng.choice(len(ours) - 1, size=2, replace=False), reverse=True):
        gen = np.random.default_rng(seed) if rng.random() < 0.5 else None  # a module's own
        ours.insert(int(i) + 1, nn.Dropout(float(rng.uniform(0.2, 0.6)), rng=gen))
    gens = [m.rng for m in ours if isinstance(m, nn.Dropout)]
    xv = rng.normal(size=shape)
    how, seg, reentrant = ["each", "seq"][seed % 2], int(rng.integers(1, len(ours) + 1)), seed < 4
    got = []
    for use in (False, True):
        states = [g.bit_generator.state for g in gens]
        tg.manual_seed(seed)
        x = tg.Tensor(xv.copy(), requires_grad=True)
        y = _run_blocks(ours, x, how if use else "plain", reentrant, checkpoint,
                        checkpoint_sequential, seg)
        (y * y).sum().backward()
        got.append([x.grad, *[p.grad for m in ours for p in m.parameters()]])
        for m in ours:
            for p in m.parameters():
                p.grad = None
        for g, s in zip(gens, states):
            g.bit_generator.state = s
    for a, b in zip(*got):
        assert a.tobytes() == b.tobytes()


def test_nested_identity_and_repeated_outputs() -> None:
    rng = np.random.default_rng(7)
    wv, xv = rng.normal(size=(3, 3)), rng.normal(size=(2, 3))

    def grads(T, ck):
        w, x = T(wv.copy(), requires_grad=True), T(xv.copy(), requires_grad=True)

        def inner(a):
            return (a @ w).sin()

        def outer(a):
            h = ck(inner, a, use_reentrant=False)
            return h, h * a, a

        h, hx, same = ck(outer, x, use_reentrant=False)
        (h.sum() + (hx * hx).sum() + (same * 3).sum()).backward()
        return [as_np(w.grad), as_np(x.grad)]

    for a, b in zip(grads(tg.Tensor, checkpoint), grads(torch.tensor, tcp.checkpoint)):
        assert mismatch(a, b) is None


@pytest.mark.parametrize("reentrant", [False, True])
def test_closure_graph_tensor_and_backward_inputs(reentrant: bool) -> None:
    """A graph tensor read from the closure: its graph gets the gradient (torch's too);
    backward(inputs=[x]) fills x alone (torch's reentrant form refuses it: ours computes)."""
    rng = np.random.default_rng(11)
    wv, xv = rng.normal(size=(3, 3)), rng.normal(size=(4, 3))

    def grads(T, ck, inputs):
        w, x = T(wv.copy(), requires_grad=True), T(xv.copy(), requires_grad=True)
        g = (w * 2).exp()
        y = ck(lambda a: (a @ g).tanh(), x, use_reentrant=reentrant)
        (y * y).sum().backward(inputs=[x] if inputs else None)
        return [as_np(x.grad), None if w.grad is None else as_np(w.grad)]

    want = grads(torch.tensor, tcp.checkpoint, False)
    got = grads(tg.Tensor, checkpoint, False)
    assert mismatch(got[0], want[0]) is None and mismatch(got[1], want[1]) is None
    only = grads(tg.Tensor, checkpoint, True)
    assert mismatch(only[0], want[0]) is None and only[1] is None


def _drop_net(rng_arg=None) -> nn.Sequential:
    tg.manual_seed(5)
    return nn.Sequential(nn.Linear(6, 7), nn.Tanh(), nn.Dropout(0.4, rng=rng_arg), nn.Linear(7, 2))


def _grads(m: nn.Sequential, x: tg.Tensor, use: bool, seed: int = 1, **kw) -> list[np.ndarray]:
    x.grad = None
    for p in m.parameters():
        p.grad = None
    tg.manual_seed(seed)
    y = checkpoint(m, x, use_reentrant=False, **kw) if use else m(x)
    (y * y).sum().backward()
    after = tg.random.default_generator.rng.random()  # the stream goes on as without checkpoint
    return [x.grad.copy(), *[p.grad.copy() for p in m.parameters()], np.array(after)]


@pytest.mark.parametrize("own_rng", [False, True])
def test_dropout_mask_drawn_again_alike(own_rng: bool) -> None:
    x = tg.Tensor(np.random.default_rng(0).normal(size=(5, 6)), requires_grad=True)
    gen = np.random.default_rng(9) if own_rng else None
    m = _drop_net(gen)
    if own_rng:
        state = gen.bit_generator.state
    want = _grads(m, x, False)
    if own_rng:
        gen.bit_generator.state = state
    got = _grads(m, x, True)
    for a, b in zip(want, got):
        assert a.tobytes() == b.tobytes()


def test_rng_not_preserved_is_caught() -> None:
    x = tg.Tensor(np.random.default_rng(0).normal(size=(5, 6)), requires_grad=True)
    with pytest.raises(CheckpointError) as e:
        _grads(_drop_net(), x, True, preserve_rng_state=False)
    one_line(e, "other values", "determinism_check")


def test_changed_global_and_shape_raise_one_line() -> None:
    x = tg.Tensor(np.ones((3, 2)), requires_grad=True)
    scale = [1.0]
    y = checkpoint(lambda t: t * scale[0], x, use_reentrant=False)
    scale[0] = 2.0  # torch 2.13 gives the gradient 2 here, without a word
    with pytest.raises(CheckpointError) as e:
        y.sum().backward()
    one_line(e, "output 0", "other values")
    n = [3]
    y = checkpoint(lambda t: t[: n[0]] * 2, x, use_reentrant=False)
    n[0] = 2
    with pytest.raises(CheckpointError) as e:
        y.sum().backward()
    one_line(e, "(3, 2)", "(2, 2)")
    n[0] = 3  # "none" skips the values only: other shapes have no gradient to take
    y = checkpoint(lambda t: t[: n[0]] * 2, x, use_reentrant=False, determinism_check="none")
    n[0] = 2
    with pytest.raises(CheckpointError) as e:
        y.sum().backward()
    one_line(e, "(3, 2)", "(2, 2)")
    scale[0] = 1.0  # determinism_check="none": the recomputation's gradient, as torch
    y = checkpoint(lambda t: t * scale[0], x, use_reentrant=False, determinism_check="none")
    scale[0] = 2.0
    x.grad = None
    y.sum().backward()
    assert np.all(x.grad == 2.0)


@pytest.mark.parametrize("grad", [False, True])
def test_write_guard_catches_input_and_parameter_writes(grad: bool) -> None:
    lin = nn.Linear(3, 2)
    x = tg.Tensor(np.ones((4, 3)), requires_grad=grad)
    h = x * 1.0  # an op's result, or (grad False) an input that requires no grad
    y = checkpoint(lambda t: lin(t).tanh(), h, use_reentrant=False)
    with pytest.raises(ValueError, match="read-only"):
        h.data[0, 0] = 5.0
    if not grad:  # a writer that takes a copy: backward refuses the graph, as torch's
        h.mul_(2)  # version counter
        with pytest.raises(RuntimeError, match="replaced by Tensor.mul_"):
            y.sum().backward()
        y = checkpoint(lambda t: lin(t).tanh(), h, use_reentrant=False)
    opt = SGD(lin.parameters(), lr=0.1)
    lin.W.grad = np.ones_like(lin.W.data)
    lin.b.grad = np.ones_like(lin.b.data)
    opt.step()  # a new W under the graph that read the old one
    with pytest.raises(RuntimeError):
        y.sum().backward()


def test_closure_kwargs_outputs_and_calls_match_torch() -> None:
    rng = np.random.default_rng(3)
    wv, xv, sv = rng.normal(size=(3, 3)), rng.normal(size=(2, 3)), rng.normal(size=(3,))

    def grads(T, ck):
        w = T(wv.copy(), requires_grad=True)
        x, s = T(xv.copy(), requires_grad=True), T(sv.copy(), requires_grad=True)
        calls = [0]

        def f(a, k, *, shift):
            calls[0] += 1
            h = (a @ w).tanh()
            return h * shift, {"n": 7}, (h.sum() * k).exp()

        out, meta, z = ck(f, x, 0.5, use_reentrant=False, shift=s)
        assert meta == {"n": 7}
        ((out * out).sum() + z).backward()
        return [as_np(t.grad) for t in (w, x, s)] + [calls[0]]

    ours, theirs = grads(tg.Tensor, checkpoint), grads(torch.tensor, tcp.checkpoint)
    for a, b in zip(ours, theirs):
        assert mismatch(a, b) is None
    assert ours[-1] == 2  # a forward and a recomputation, as torch's


def as_np(g):
    return g.numpy() if hasattr(g, "numpy") and not isinstance(g, np.ndarray) else np.asarray(g)


def test_reentrant_rules_as_torch() -> None:
    lin = nn.Linear(3, 2)
    x = tg.Tensor(np.ones((4, 3)))  # requires no grad
    with pytest.warns(UserWarning, match="requires_grad"):
        y = checkpoint(lin, x, use_reentrant=True)
    assert not y.requires_grad  # torch's too: the weights get no gradient
    y = checkpoint(lin, x, use_reentrant=False)  # the weights' gradient, as torch's
    y.sum().backward()
    assert np.all(lin.b.grad == 4.0)
    with pytest.raises(ValueError, match="unexpected keyword arguments: k"):
        checkpoint(lin, x, use_reentrant=True, k=1)
    with pytest.raises(ValueError, match="context_fn"):
        checkpoint(lin, x, use_reentrant=True, debug=True)
    with pytest.raises(ValueError, match="determinism_check"):
        checkpoint(lin, x, use_reentrant=False, determinism_check="bad")
    with pytest.warns(UserWarning, match="use_reentrant"):
        checkpoint(lin, tg.Tensor(np.ones((4, 3)), requires_grad=True))
    with pytest.raises(ValueError, match="unexpected keyword"):
        checkpoint_sequential([lin], 1, x, use_reentrant=False, foo=2)
    with pytest.raises(ValueError) as e:
        checkpoint_sequential([lin, lin], 3, x, use_reentrant=False)
    one_line(e, "3 segments of 2 functions")
    with pytest.raises(TypeError) as e:
        checkpoint(lambda t: [(lin(t),)], x, use_reentrant=False)
    one_line(e, "nested")


def test_context_fn_wraps_forward_and_recomputation() -> None:
    seen = []

    @contextlib.contextmanager
    def ctx(name):
        seen.append(name)
        yield

    lin = nn.Linear(3, 2)
    x = tg.Tensor(np.ones((4, 3)), requires_grad=True)
    y = checkpoint(lin, x, use_reentrant=False, debug=True,
                   context_fn=lambda: (ctx("forward"), ctx("recompute")))
    assert seen == ["forward"]
    y.sum().backward()
    assert seen == ["forward", "recompute"]


def test_retain_graph_grad_and_no_grad() -> None:
    lin = nn.Linear(3, 2)
    x = tg.Tensor(np.ones((4, 3)), requires_grad=True)
    y = checkpoint(lin, x, use_reentrant=False).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert np.all(lin.b.grad == 8.0)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    (gx,) = tg.autograd.grad(checkpoint(lin, x, use_reentrant=False).sum(), [x])
    assert np.allclose(gx.data, lin.W.data.sum(0))
    with tg.no_grad():
        assert not checkpoint(lin, x, use_reentrant=False).requires_grad
    with tg.enable_grad():  # the activations are freed: only the inputs are kept
        y = checkpoint(lambda t: lin(t).tanh(), x, use_reentrant=False)
    assert y._ctx.name == "Checkpoint" and len(y._ctx.parents) == 3


def test_jit_step_runs_eagerly_and_matches() -> None:
    lin = nn.Linear(4, 4)

    def step(x):
        y = checkpoint(lambda t: lin(t).tanh(), x, use_reentrant=False)
        loss = (y * y).sum()
        loss.backward()
        return loss

    xs = [tg.Tensor(np.random.default_rng(i).normal(size=(3, 4))) for i in range(3)]
    jit_matches_eager(step, xs, lin.W)  # bit for bit
    j = jit(step)
    with pytest.warns(RuntimeWarning, match="checkpoint"):
        j(xs[0])
    assert j.replays == 0


def _peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_deep_mlp_peak_memory_lower() -> None:
    blocks = [nn.Sequential(nn.Linear(128, 128), nn.Tanh(), nn.Linear(128, 128), nn.Tanh())
              for _ in range(8)]
    x = tg.Tensor(np.random.default_rng(0).normal(size=(512, 128)))

    def run(use: bool) -> None:
        h = x
        for b in blocks:
            h = checkpoint(b, h, use_reentrant=False) if use else b(h)
        (h * h).sum().backward()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain, ck = _peak(lambda: run(False)), _peak(lambda: run(True))
    assert ck < 0.6 * plain, (ck, plain)  # measured: 0.52
