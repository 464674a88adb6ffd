"""Second review of nn.utils.rnn and the recurrent modules on a PackedSequence
(tinygrad_dl/nn/utils/rnn.py, tinygrad_dl/nn/recurrent.py), against torch 2.13: seeded random
differentials over many more configurations (batch 1..6, steps 1..7, equal lengths, one
sequence, lengths as lists / tuples / NumPy arrays / int32 and int64 tensors / torch tensors,
batch_first, enforce_sorted, hx given or not, layers x directions x proj_size x bias x
dropout in eval, float32 and float64, RNN tanh/relu, LSTM, GRU): outputs, h_n / c_n and every
gradient (input, hx, weights) at rtol 1e-10 in float64; pad_sequence and the packing round
trip for integer, bool and float dtypes; and two findings: PackedSequence lacked torch's
half / long / int / short / char / byte / cuda / is_pinned (AttributeError), and
pad_packed_sequence(total_length=2.5) truncated the float without a word (torch refuses it)."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl.jit import jit
from tinygrad_dl.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

torch = pytest.importorskip("torch")
TR = torch.nn.utils.rnn

FORMS = ["list", "tuple", "np", "np32", "t64", "t32", "torch", "npints"]


def lengths_as(n, form):
    return {"list": lambda: [int(v) for v in n], "tuple": lambda: tuple(int(v) for v in n),
            "np": lambda: np.array(n), "np32": lambda: np.array(n, dtype=np.int32),
            "t64": lambda: Tensor(np.array(n, dtype=np.int64)),
            "t32": lambda: Tensor(np.array(n, dtype=np.int32)),
            "torch": lambda: torch.tensor(n), "npints": lambda: [np.int64(v) for v in n]}[form]()


def close(ours, theirs, tol):
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=tol[0], atol=tol[1])


def random_module(rng):
    kind = ["RNN", "RNN", "LSTM", "GRU"][rng.integers(4)]
    kw = dict(num_layers=int(rng.integers(1, 4)), bidirectional=bool(rng.integers(2)),
              bias=bool(rng.integers(2)), batch_first=bool(rng.integers(2)))
    if kind == "RNN" and rng.integers(2):
        kw["nonlinearity"] = "relu"
    hidden, width = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    if kind == "LSTM" and hidden > 1 and rng.integers(2):
        kw["proj_size"] = int(rng.integers(1, hidden))
    if kw["num_layers"] > 1 and rng.integers(2):
        kw["dropout"] = 0.3  # (eval: no mask, as torch's)
    return kind, kw, hidden, width


@pytest.mark.parametrize("seed", range(40))
def test_random_recurrent_modules_on_packed_batches_match_torch(seed):
    rng = np.random.default_rng(1000 + seed)
    kind, kw, hidden, width = random_module(rng)
    f32 = seed % 5 == 4
    dt, tdt = (np.float32, torch.float32) if f32 else (np.float64, torch.float64)
    tol = (1e-4, 1e-5) if f32 else (1e-10, 1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (dropout with one layer)
        ours = getattr(nn, kind)(width, hidden, rng=rng, dtype=dt, **kw).eval()
        theirs = getattr(torch.nn, kind)(width, hidden, dtype=tdt, **kw).eval()
    params = dict(ours.named_parameters())
    theirs.load_state_dict({k: torch.tensor(p.data) for k, p in params.items()})
    b, t, bf = int(rng.integers(1, 7)), int(rng.integers(1, 8)), kw["batch_first"]
    n = np.full(b, t) if seed % 4 == 0 else rng.integers(1, t + 1, b)
    n[rng.integers(b)] = t
    ordered = bool(rng.integers(2))
    if ordered:
        n = np.sort(n)[::-1].copy()
    xs = rng.standard_normal((b, t, width) if bf else (t, b, width)).astype(dt)
    x, tx = Tensor(xs, requires_grad=True), torch.tensor(xs, requires_grad=True)
    packed = pack_padded_sequence(x, lengths_as(n, FORMS[seed % len(FORMS)]), bf, ordered)
    tpacked = TR.pack_padded_sequence(tx, torch.tensor(n), bf, ordered)
    close(packed.data, tpacked.data, tol)
    for a, ta in zip(packed[1:], tpacked[1:]):
        assert (a is None) == (ta is None)
        assert a is None or np.array_equal(a.data, ta.numpy())
    states, hx, thx, pairs = 2 if kind == "LSTM" else 1, None, None, []
    if rng.integers(2):
        layers, out = kw["num_layers"] * (1 + kw["bidirectional"]), kw.get("proj_size") or hidden
        for shape in [(layers, b, out), (layers, b, hidden)][:states]:
            h = rng.standard_normal(shape).astype(dt)
            pairs.append((Tensor(h, requires_grad=True), torch.tensor(h, requires_grad=True)))
        hx = tuple(p for p, _ in pairs) if states == 2 else pairs[0][0]
        thx = tuple(p for _, p in pairs) if states == 2 else pairs[0][1]
    y, h = ours(packed, hx)
    ty, th = theirs(tpacked, thx)
    assert isinstance(y, PackedSequence)
    close(y.data, ty.data, tol)
    finals, tfinals = (h, th) if states == 2 else ((h,), (th,))
    for f, tf in zip(finals, tfinals):
        close(f, tf, tol)
    total = t + int(rng.integers(0, 3)) if rng.integers(2) else None
    value = float(rng.standard_normal())
    padded, lengths = pad_packed_sequence(y, bf, value, total)
    tpadded, tlengths = TR.pad_packed_sequence(ty, bf, value, total)
    close(padded, tpadded, tol)
    assert lengths.dtype == np.int64 and np.array_equal(lengths.data, tlengths.numpy())
    ws = [rng.standard_normal(f.shape).astype(dt) for f in (padded, *finals)]
    sum(((f * Tensor(w)).sum() for f, w in zip((padded, *finals), ws)),
        Tensor(np.zeros((), dt))).backward()
    sum((f * torch.tensor(w)).sum() for f, w in zip((tpadded, *tfinals), ws)).backward()
    close(x.grad, tx.grad, tol)
    for k, p in theirs.named_parameters():
        close(params[k].grad, p.grad, tol)
    for s, ts in pairs:
        close(s.grad, ts.grad, tol)


@pytest.mark.parametrize("seed", range(12))
def test_pad_and_pack_of_every_dtype_match_torch(seed):
    """Integer, bool and float sequences (0-length ones too, 0-width features): the padded
    values and dtype, the left padding's gradient, unpad, pack / pad_packed / unpack."""
    rng = np.random.default_rng(seed)
    dt = [np.float64, np.float32, np.int64, np.int32, np.bool_, np.uint8][seed % 6]
    trail = tuple(int(v) for v in rng.integers(0, 3, int(rng.integers(0, 3))))
    lengths = rng.integers(0, 6, int(rng.integers(1, 7)))
    arrs = [(rng.standard_normal((int(k),) + trail) * 5).astype(dt) for k in lengths]
    value, bf = [0, 1, 2.0, True][seed % 4], bool(rng.integers(2))
    side = ["left", "right"][seed // 6]
    grad = dt == np.float64
    xs = [Tensor(a, requires_grad=grad) for a in arrs]
    txs = [torch.tensor(a, requires_grad=grad) for a in arrs]
    ours, theirs = pad_sequence(xs, bf, value, side), TR.pad_sequence(txs, bf, value, side)
    assert ours.shape == tuple(theirs.shape) and np.array_equal(ours.data, theirs.detach().numpy())
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    if grad:
        w = rng.standard_normal(ours.shape)
        (ours * Tensor(w)).sum().backward()
        (theirs * torch.tensor(w)).sum().backward()
        for a, ta in zip(xs, txs):
            np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12)
    if side == "right":
        for a, ta in zip(unpad_sequence(ours, lengths, bf),
                         TR.unpad_sequence(theirs, torch.tensor(lengths), bf)):
            assert np.array_equal(a.data, ta.detach().numpy())
    keep = [a for a in arrs if len(a)]
    if keep and np.prod(trail) > 0:  # (torch refuses to pack empty tensors)
        p = pack_sequence([Tensor(a) for a in keep], False)
        tp = TR.pack_sequence([torch.tensor(a) for a in keep], False)
        assert np.array_equal(p.data.data, tp.data.numpy())
        total = max(len(a) for a in keep) + 1
        a, _ = pad_packed_sequence(p, bf, value, total)
        ta, _ = TR.pad_packed_sequence(tp, bf, value, total)
        assert np.array_equal(a.data, ta.numpy()) and str(a.dtype) == str(ta.dtype)[6:]
        for a, ta in zip(unpack_sequence(p), TR.unpack_sequence(tp)):
            assert np.array_equal(a.data, ta.numpy())


def test_packed_sequence_has_torchs_casts_and_device_methods():
    """Before: AttributeError for half / long / int / short / char / byte / cuda /
    is_pinned (torch's PackedSequence has them; scripts call packed.half(), packed.cuda())."""
    x = np.arange(12.0).reshape(3, 2, 2)
    p = pack_padded_sequence(Tensor(x), [3, 2], enforce_sorted=False)
    tp = TR.pack_padded_sequence(torch.tensor(x), [3, 2], enforce_sorted=False)
    for name in ("half", "long", "int", "short", "char", "byte", "float", "double"):
        q, tq = getattr(p, name)(), getattr(tp, name)()
        assert isinstance(q, PackedSequence)
        assert str(q.data.dtype) == str(tq.data.dtype).replace("torch.", "")
        assert np.array_equal(q.data.data, tq.data.numpy())
        for a, ta in zip(q[1:], tq[1:]):
            assert a.dtype == np.int64 and np.array_equal(a.data, ta.numpy())
    assert p.is_pinned() is False and p.is_cuda is False and p.cpu() is p
    with pytest.raises(RuntimeError, match="cuda.*not available") as info:
        p.cuda()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("total", [2.5, 4.0, "4", np.array([4])])
def test_pad_packed_sequence_refuses_a_total_length_that_is_not_an_int(total):
    """Before: total_length=2.5 gave 2 steps (int() truncated it), 4.0 gave 4; torch refuses
    a float ("must be int, not float")."""
    p = pack_sequence([Tensor(np.ones((2, 1))), Tensor(np.ones((1, 1)))])
    with pytest.raises(TypeError, match="total_length must be an int") as info:
        pad_packed_sequence(p, total_length=total)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("total", [3, np.int32(3), np.int64(3), Tensor(np.int64(3))])
def test_pad_packed_sequence_takes_integer_total_lengths(total):
    p = pack_sequence([Tensor(np.ones((2, 1))), Tensor(np.ones((1, 1)))])
    padded, _ = pad_packed_sequence(p, batch_first=True, total_length=total)
    tp = TR.pack_sequence([torch.ones(2, 1), torch.ones(1, 1)])
    assert np.array_equal(padded.data, TR.pad_packed_sequence(tp, True, total_length=3)[0])


def test_a_jitted_training_step_with_fixed_lengths_equals_eager():
    """The packing indices are made inside the step, so jit runs it eagerly (no replay, its
    warning) even with the same lengths each call: the numbers are eager's, step for step."""
    def run(f, m, xs):
        opt, out = tg.optim.SGD(m.parameters(), lr=0.1), []
        for x in xs:
            opt.zero_grad()
            out.append(f(m, Tensor(x)).item())
            opt.step()
        return out, m.weight_hh_l1_reverse.data.copy()

    def step(m, x):
        y, h = m(pack_padded_sequence(x, [5, 2, 3], enforce_sorted=False))
        loss = (pad_packed_sequence(y)[0] ** 2).sum() + h.sum()
        loss.backward()
        return loss

    xs = [np.random.default_rng(i).standard_normal((5, 3, 3)) for i in range(3)]
    make = lambda: nn.GRU(3, 4, num_layers=2, bidirectional=True,  # noqa: E731
                          rng=np.random.default_rng(0))
    want = run(step, make(), xs)
    f = jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = run(f, make(), xs)
    assert got[0] == want[0] and np.array_equal(got[1], want[1]) and f.replays == 0


def test_old_nn_utils_names_and_a_packed_sequence_from_torchs_fields():
    from tinygrad_dl.nn.utils import clip_grad_norm_, parameters_to_vector, vector_to_parameters
    assert tg.nn.utils.clip_grad_norm_ is clip_grad_norm_ is tg.optim.clip_grad_norm_
    assert tg.nn.utils.parameters_to_vector is parameters_to_vector
    assert tg.nn.utils.vector_to_parameters is vector_to_parameters
    x = np.random.default_rng(0).standard_normal((4, 3, 2))
    tp = TR.pack_padded_sequence(torch.tensor(x), [2, 4, 1], enforce_sorted=False)
    p = PackedSequence(Tensor(tp.data.numpy()), *tp[1:])  # (torch's int64 tensors taken)
    data, sizes, order, inverse = p
    assert np.array_equal(order.data, tp.sorted_indices.numpy())
    assert np.array_equal(inverse.data, tp.unsorted_indices.numpy())
    padded, lengths = pad_packed_sequence(p, batch_first=True, total_length=5)
    tpadded, tlengths = TR.pad_packed_sequence(tp, batch_first=True, total_length=5)
    assert np.array_equal(padded.data, tpadded.numpy()) and lengths.data.tolist() == [2, 4, 1]


def test_tied_lengths_keep_the_batch_order_and_torchs_values_in_the_batch_order():
    """torch's sort of 100 lengths with ties is not stable (its sorted_indices among equal
    lengths differ from the batch's order); ours is (docs/pytorch.md): the rows of data may
    differ among ties, every value read back in the batch's order is torch's."""
    rng = np.random.default_rng(0)
    n, x = rng.integers(1, 4, 100), rng.standard_normal((3, 100, 2))
    m = nn.LSTM(2, 3, bidirectional=True, rng=rng)
    tm = torch.nn.LSTM(2, 3, bidirectional=True).double()
    tm.load_state_dict({k: torch.tensor(v.data) for k, v in m.named_parameters()})
    p = pack_padded_sequence(Tensor(x), n, enforce_sorted=False)
    tp = TR.pack_padded_sequence(torch.tensor(x), torch.tensor(n), enforce_sorted=False)
    order = p.sorted_indices.data
    assert np.array_equal(order, np.argsort(-n, kind="stable"))
    (y, (h, c)), (ty, (th, tc)) = m(p), tm(tp)
    tol = (1e-10, 1e-13)
    close(pad_packed_sequence(y)[0], TR.pad_packed_sequence(ty)[0], tol)
    close(h, th, tol)
    close(c, tc, tol)


def test_mixed_dtype_sequences_are_promoted_and_zero_width_ones_pack():
    """Deliberate differences (docs/pytorch.md): torch pads [int, float] in the first's dtype
    ([[1, 0], [2, 0]], 0.5 lost) and refuses to pack 0-width features."""
    out = pad_sequence([Tensor(np.array([1, 2])), Tensor(np.array([0.5]))])
    assert out.dtype == np.float64 and out.data.tolist() == [[1.0, 0.5], [2.0, 0.0]]
    p = pack_sequence([Tensor(np.zeros((3, 0))), Tensor(np.zeros((1, 0)))])
    assert p.data.shape == (4, 0) and p.batch_sizes.data.tolist() == [2, 1, 1]
    padded, lengths = pad_packed_sequence(p, batch_first=True, total_length=5)
    assert padded.shape == (2, 5, 0) and lengths.data.tolist() == [3, 1]
