"""The op contract over the whole op table (helper hCONTRACT): what a skeptic assumes of every op
and test_ops.py's check_grad does not look at op by op. For each row of tinygrad_dl.optable with
a sample, on inputs drawn from it (tinygrad_dl.testing.op_inputs), in float64 and float32 and in
a strided layout:

(a) forward and backward leave the inputs' arrays, the upstream gradient and the outputs bit for
    bit as they were;
(b) a second backward with retain_graph=True adds exactly the first gradient again into `.grad`
    (check_grad resets `.grad` between its two backwards, so a gradient kept by `.grad` that
    shares memory with something the next backward adds into passed it);
(c) the gradients do not share memory with each other, the inputs, the upstream gradient or the
    outputs, and an input read by a second op too (recorded before and after the op) or given
    to the op twice, `op(x, x)`, gets the sum of the gradients;
(d) `.grad` has its leaf's dtype and shape;
(e) under no_grad and inference_mode no output requires grad or holds a graph, except where the
    op returns its input itself (as torch's: `atleast_2d` of a matrix, `positive`, `real`,
    `conj` of real values, dropout in evaluation), and the inputs stay writable;
(f) an output shares memory with an input only for the documented view ops (VIEW_OPS); a
    write into any other output leaves the inputs as they were; a write through a view
    output under no_grad reaches the input where torch's does;
(g) a jitted forward and backward replays the eager result bit for bit (oracle.jit_matches_eager).

The hunt's driver (a scratch script: 10,176 drawn cases of 372 ops, 3,087 edge-table
rows, 2,409 draws with NaN/inf/-0.0/1e300/subnormal entries or mixed float32/float64 inputs,
2,826 jitted steps fed shuffled values, 2,288 of them replayed) found no violation of (a)-(d),
(f) or (g); (e)'s only exceptions are the ops that return their input itself, as torch's do.
This file is its seeded subset: one draw per op (the 3-D pools and convolutions, attention and
CTC marked slow), the jit for the course's ops by default and a sixth of the table when slow.
Left out: in-place ops (their contract is the opposite of (a); their differences from torch are
in tests/test_inplace*.py), constructors and random ops (no inputs to keep), and torch's values
(test_ops.py, the *_torch_differential_* files).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import flat, jit_matches_eager

import tinygrad_dl as tg
from tinygrad_dl import Tensor, optable
from tinygrad_dl.ops.elementwise import Exp
from tinygrad_dl.testing import op_inputs

ROWS = [op for op in optable.OPS if op.sample is not None]
# ops whose result is a NumPy view of an input: torch's views (reshape, transpose, basic
# indexing, expand, ...), and the ops that return the input itself where nothing changes
VIEW_OPS = {
    "H", "adjoint", "as_strided", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to",
    "conj", "detach", "einsum", "expand", "expand_dims", "flatten", "getitem", "mH", "mT",
    "moveaxis", "narrow", "permute", "positive", "ravel", "real", "reshape", "rollaxis",
    "select", "squeeze", "swapaxes", "t", "transpose", "unflatten", "unsqueeze",
    "split", "chunk", "unbind", "tensor_split", "hsplit", "vsplit", "dsplit", "view",
    "view_as", "movedim", "swapdims", "squeeze_copy",
}
# ops that return their input itself where there is nothing to do (torch's do too)
ITSELF = {"atleast_1d", "atleast_2d", "atleast_3d", "conj", "positive", "real", "t"}
# rows whose one draw runs for seconds (3-D pools and convolutions, attention)
SLOW = {"fractional_max_pool3d_with_indices", "fractional_max_pool3d", "conv_transpose3d",
        "max_pool3d", "max_pool3d_with_indices", "conv3d", "grid_sample", "ctc_loss",
        "multi_head_attention_forward", "avg_pool3d", "adaptive_max_pool3d", "lp_pool3d",
        "fractional_max_pool2d", "fractional_max_pool2d_with_indices"}


def _bits(a: np.ndarray) -> tuple:
    a = np.asarray(a)
    return a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes()


def _outs(r: object) -> list[Tensor]:
    return [t for t in flat(r) if isinstance(t, Tensor)]  # (the op's tensor outputs)


def _strided(a: np.ndarray) -> np.ndarray:
    if a.ndim >= 2:
        return np.asfortranarray(a)
    if a.ndim == 1 and a.size > 1:
        wide = np.zeros(2 * a.size, dtype=a.dtype)
        wide[::2] = a
        return wide[::2]
    return a.copy()


def _leaves(arrays: tuple, dtype: type, strided: bool, grad: bool) -> list[Tensor]:
    ts = []
    for a in arrays:
        a = np.asarray(a)
        a = a.astype(dtype) if a.dtype.kind == "f" else a
        ts.append(Tensor(_strided(a) if strided else a.copy(),
                         requires_grad=grad and a.dtype.kind == "f"))
    return ts


def _backward(outs: list[Tensor], gs: list[np.ndarray]) -> None:
    pairs = [(o, g) for o, g in zip(outs, gs) if o.requires_grad]
    if len(outs) == 1:
        outs[0].backward(gs[0], retain_graph=True)
    else:
        tg.autograd.backward([o for o, _ in pairs], [g for _, g in pairs], retain_graph=True)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    tol = 1e-5 if np.float32 in (a.dtype, b.dtype) else 1e-12
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    fa, fb = np.isfinite(a), np.isfinite(b)
    if (fa != fb).any() or not np.array_equal(a[~fa], b[~fb], equal_nan=True):
        return False
    return np.abs(a[fa] - b[fb]).max(initial=0) <= tol * max(1.0, np.abs(b[fb]).max(initial=0))


def contract_errors(op: optable.OpInfo, arrays: tuple, kw: dict, dtype: type, strided: bool
                    ) -> list[str]:
    """(a)-(f) for one draw of one op: the list of what broke (empty: none)."""
    call, grad, errs = op.test_call(), not op.no_grad, []
    where = f"{op.name}{tuple(np.shape(a) for a in arrays)} {kw} {np.dtype(dtype).name}" + (
        " strided" if strided else "")
    ts = _leaves(arrays, dtype, strided, grad)
    before = [_bits(t.data) for t in ts]
    outs = _outs(call(*ts, **kw))
    errs += [f"(a) forward wrote input {i}" for i, t in enumerate(ts) if _bits(t.data) != before[i]]
    errs += [f"(f) output shares input {i}'s memory" for o in outs for i, t in enumerate(ts)
             if op.name not in VIEW_OPS and o.data.size and np.shares_memory(o.data, t.data)]
    if grad and any(o.requires_grad for o in outs):
        rng = np.random.default_rng(0)
        gs = [rng.standard_normal(o.data.shape).astype(o.data.dtype) for o in outs]
        g_bits, o_bits = [_bits(g) for g in gs], [_bits(o.data) for o in outs]
        _backward(outs, gs)
        errs += [f"(a) backward wrote input {i}" for i, t in enumerate(ts)
                 if _bits(t.data) != before[i]]
        errs += [f"(a) backward wrote upstream gradient {i}" for i, g in enumerate(gs)
                 if _bits(g) != g_bits[i]]
        errs += [f"(a) backward wrote output {i}" for i, o in enumerate(outs)
                 if _bits(o.data) != o_bits[i]]
        first = [None if t.grad is None else np.array(t.grad) for t in ts]
        for i, (t, g) in enumerate(zip(ts, first)):
            if g is None:
                continue
            if (g.shape, g.dtype) != (t.data.shape, t.data.dtype):
                errs.append(f"(d) grad {i} {g.dtype}{g.shape} for {t.data.dtype}{t.data.shape}")
            others = [o.grad for o in ts if o is not t and o.grad is not None]
            if any(np.shares_memory(t.grad, a) for a in
                   [*others, *gs, *(o.data for o in outs), *(o.data for o in ts)]):
                errs.append(f"(c) grad {i} shares memory with an array the caller holds")
        _backward(outs, gs)
        errs += [f"(b) second backward's grad {i} is not twice the first" for i, g in
                 enumerate(first) if g is not None
                 and not np.array_equal(np.asarray(ts[i].grad), g + g, equal_nan=True)]
        errs += _consumers(call, arrays, kw, dtype, strided, gs, first)
    for mode in (tg.no_grad, tg.inference_mode):
        ts = _leaves(arrays, dtype, strided, grad)
        with mode():
            outs = _outs(call(*ts, **kw))
        errs += [f"(e) {mode.__name__}: output {k} requires grad" for k, o in enumerate(outs)
                 if (o.requires_grad or o._ctx is not None)
                 and not (op.name in ITSELF and any(o is t for t in ts))]
        errs += [f"(e) {mode.__name__}: input {i} left read-only" for i, t in enumerate(ts)
                 if not t.data.flags.writeable]
        for k, o in enumerate(outs):
            if o.data.size and o.data.dtype.kind == "f" and o.data.flags.writeable and not any(
                    np.shares_memory(o.data, t.data) for t in ts):
                snap = [_bits(t.data) for t in ts]
                o.data[...] = 7.25
                errs += [f"(f) a write into output {k} reached input {i}"
                         for i, t in enumerate(ts) if _bits(t.data) != snap[i]]
    return [f"{e}: {where}" for e in errs]


def _consumers(call: object, arrays: tuple, kw: dict, dtype: type, strided: bool,
               gs: list[np.ndarray], first: list) -> list[str]:
    """(c): x read by the op and by `x * H` (recorded before and after it), and x given to
    the op twice: the gradient is the sum of the parts, and twice that after a second
    backward."""
    errs = []
    for i, g in enumerate(first):
        if g is None:
            continue
        for other_first in (True, False):
            ts = _leaves(arrays, dtype, strided, True)
            h = np.full(ts[i].data.shape, 0.5, ts[i].data.dtype)
            other = ts[i] * Tensor(h) if other_first else None
            outs = _outs(call(*ts, **kw))
            other = other if other_first else ts[i] * Tensor(h)
            both = [*gs, np.ones(other.data.shape, other.data.dtype)]
            _backward([*outs, other], both)
            once = np.array(ts[i].grad)
            _backward([*outs, other], both)
            if not _close(once, g + h):
                errs.append(f"(c) input {i} also read by x * H (recorded "
                            f"{'before' if other_first else 'after'}): not the op's grad + H")
            if not np.array_equal(np.asarray(ts[i].grad), once + once, equal_nan=True):
                errs.append(f"(c) input {i} also read by x * H: second backward not twice")
    floats = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"]
    for i, j in zip(floats, floats[1:]):
        if np.shape(arrays[i]) != np.shape(arrays[j]) or first[i] is None or first[j] is None:
            continue
        same = list(arrays)
        same[j] = same[i]
        ts, apart = _leaves(same, dtype, strided, True), _leaves(same, dtype, strided, True)
        ts[j] = ts[i]
        outs, outs_apart = _outs(call(*ts, **kw)), _outs(call(*apart, **kw))
        g2 = [np.random.default_rng(1).standard_normal(o.data.shape).astype(o.data.dtype)
              for o in outs]
        _backward(outs, g2)
        _backward(outs_apart, g2)
        once = np.array(ts[i].grad)
        _backward(outs, g2)
        if not _close(once, np.asarray(apart[i].grad) + np.asarray(apart[j].grad)):
            errs.append(f"(c) op(x, x) at inputs {i}, {j}: not the sum of the two gradients")
        if not np.array_equal(np.asarray(ts[i].grad), once + once, equal_nan=True):
            errs.append(f"(c) op(x, x) at inputs {i}, {j}: second backward not twice")
    return errs


def _jit_case(op: optable.OpInfo, arrays: tuple, kw: dict, dtype: type) -> None:
    """(g): the op's forward and backward as a jit step: a parameter w of zeros added to its
    first float input, fed that input's values, shuffled values and scaled ones."""
    call = op.test_call()
    k = next(i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f")
    base = np.asarray(arrays[k]).astype(dtype)
    w = Tensor(np.zeros(base.shape, dtype), requires_grad=True)
    fixed = [Tensor(np.asarray(a).astype(dtype) if np.asarray(a).dtype.kind == "f"
                    else np.asarray(a)) for a in arrays]

    def step(x: Tensor) -> Tensor:
        ins = list(fixed)
        ins[k] = x + w
        outs = [o for o in _outs(call(*ins, **kw)) if o.requires_grad]
        loss = outs[0].sum() * 0.5
        for o in outs[1:]:
            loss = loss + (o * o).sum()
        loss.backward()
        return outs[0]

    rng = np.random.default_rng(2)
    xs = [base, base, rng.permutation(base.reshape(-1)).reshape(base.shape), base * 1.03, base]
    jit_matches_eager(step, [Tensor(np.array(x)) for x in xs], w)


def _draw(data: st.DataObject, op: optable.OpInfo) -> tuple[tuple, dict]:
    return data.draw(op_inputs(op.sample), label=op.name)


ONE_DRAW = settings(max_examples=1, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name", [pytest.param(op.name, marks=pytest.mark.slow)
                                  if op.name in SLOW else op.name for op in ROWS])
@ONE_DRAW
@given(data=st.data())
def test_contract(name: str, data: st.DataObject) -> None:
    op = optable.BY_NAME[name]
    arrays, kw = _draw(data, op)
    errs = []
    for dtype in (np.float64, np.float32) if op.float32 else (np.float64,):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (NumPy's and the ops' warnings: not the contract)
            errs += contract_errors(op, arrays, kw, dtype, strided=dtype == np.float32)
    assert not errs, "\n".join(errs)


JIT_ROWS = [op.name for op in ROWS if not op.no_grad and op.name not in SLOW]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
@ONE_DRAW
@given(data=st.data())
def test_jit_replays_every_op(seed: int, data: st.DataObject) -> None:
    """(g) for a sixth of the ops with a gradient (the driver ran them all), one draw each;
    the seed picks which twelfth."""
    for name in JIT_ROWS[seed::12]:
        op = optable.BY_NAME[name]
        arrays, kw = _draw(data, op)
        if not any(np.asarray(a).dtype.kind == "f" for a in arrays):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _jit_case(op, arrays, kw, np.float64)


@pytest.mark.parametrize("name", ["add", "matmul", "max", "sort", "getitem", "where",
                                  "softmax", "cross_entropy", "conv2d", "layer_norm"])
@ONE_DRAW
@given(data=st.data())
def test_jit_replays_the_course_ops(name: str, data: st.DataObject) -> None:
    op = optable.BY_NAME[name]
    arrays, kw = _draw(data, op)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _jit_case(op, arrays, kw, np.float64)


# ---- the checks can fail -------------------------------------------------------------------
def test_the_contract_checks_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutants of exp: a backward that changes what forward saved (the next backward differs)
    is caught by (b), a forward returning its input's array by (f); a forward that writes its
    input by (a)."""
    exp, x = optable.BY_NAME["exp"], (np.array([0.5, -1.0, 2.0]),)

    def saved_doubled(ctx, g):
        y = ctx.saved[0]
        ctx.saved = (y * 2.0,)
        return g * y

    monkeypatch.setattr(Exp, "backward", saved_doubled)
    errs = contract_errors(exp, x, {}, np.float64, False)
    assert any(e.startswith("(b)") for e in errs), errs
    monkeypatch.undo()

    def returns_input(ctx, a):
        ctx.save_for_backward(a)
        return a

    monkeypatch.setattr(Exp, "forward", returns_input)
    errs = contract_errors(exp, x, {}, np.float64, False)
    assert any(e.startswith("(f) output shares input 0") for e in errs), errs
    monkeypatch.undo()

    def writes_input(t: Tensor) -> Tensor:
        if t.data.flags.writeable:  # (not where another op's live graph locked it)
            t.data[...] = 0.0
        return t * 2.0

    row = optable.OpInfo("writes_input", "test", "a broken op", "test", call=writes_input,
                         sample=optable.Elementwise())
    errs = contract_errors(row, x, {}, np.float64, False)
    assert any(e.startswith("(a) forward wrote input 0") for e in errs), errs
    assert not contract_errors(exp, x, {}, np.float64, True)  # (the op itself passes)


def test_view_outputs_under_no_grad_write_through_as_torch() -> None:
    """(f)'s second half, against torch 2.13: under no_grad, `y = view(x); y.add_(1)` changes x
    for each view op here as for torch's (the copies documented in docs/pytorch.md, diagonal
    and unfold, and transpose(0, 1)'s refusal of a 2-D tensor are not in this list)."""
    torch = pytest.importorskip("torch")
    views = {
        "reshape": lambda m, x: x.reshape(6, 2), "getitem": lambda m, x: x[1],
        "getitem 0-d": lambda m, x: x[1, 2], "flatten": lambda m, x: x.flatten(),
        "unsqueeze": lambda m, x: x.unsqueeze(0), "permute": lambda m, x: x.permute(1, 0),
        "narrow": lambda m, x: x.narrow(1, 1, 2), "select": lambda m, x: x.select(0, 1),
        "t": lambda m, x: x.t(), "mT": lambda m, x: x.mT, "detach": lambda m, x: x.detach(),
        "unflatten": lambda m, x: x.unflatten(1, (2, 2)), "split": lambda m, x: x.split(1)[1],
        "chunk": lambda m, x: x.chunk(3)[1], "unbind": lambda m, x: x.unbind()[1],
        "einsum ij->ji": lambda m, x: m.einsum("ij->ji", x),
        "einsum ii->i": lambda m, x: m.einsum("ii->i", x[:, :3]),
        "positive": lambda m, x: m.positive(x), "movedim": lambda m, x: x.movedim(0, 1),
        "swapaxes": lambda m, x: m.swapaxes(x, 0, 1), "view": lambda m, x: x.view(4, 3),
        "clone": lambda m, x: x.clone(), "flip": lambda m, x: x.flip(0),
        "T.flatten": lambda m, x: x.T.flatten(),
    }
    a = np.arange(12.0).reshape(3, 4)
    for name, f in views.items():
        changed = []
        for m in (torch, tg):
            x = m.tensor(a.copy())
            with m.no_grad():
                f(m, x).add_(1.0)
            changed.append(not np.array_equal(x.numpy(), a))
        assert changed[0] == changed[1], f"{name}: x changed: torch {changed[0]}, ours {changed[1]}"


def test_identity_results_are_the_input_itself_as_torch() -> None:
    """(e)'s exception: where there is nothing to do these ops return the input itself, as
    torch's do, so under no_grad the result is a tensor that requires grad (torch 2.13 the
    same, for every op here but `t()` of a 1-D tensor, where torch makes a new view)."""
    torch = pytest.importorskip("torch")
    ops = {"atleast_2d": lambda m, x: m.atleast_2d(x), "positive": lambda m, x: m.positive(x),
           "real": lambda m, x: m.real(x), "conj": lambda m, x: m.conj(x),
           "contiguous": lambda m, x: x.contiguous(), "dropout eval": lambda m, x:
           (torch.nn.functional if m is torch else tg.nn.functional).dropout(x, 0.5, False)}
    for name, f in ops.items():
        for m in (torch, tg):
            x = m.tensor(np.ones((2, 3)), requires_grad=True)
            with m.no_grad():
                assert f(m, x) is x, f"{name} ({m.__name__})"
