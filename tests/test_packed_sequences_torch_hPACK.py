"""torch's `nn.utils.rnn` (tinygrad_dl/nn/utils/rnn.py): pad_sequence, unpad_sequence,
pack_padded_sequence, pad_packed_sequence, pack_sequence, unpack_sequence and PackedSequence,
and nn.RNN / nn.LSTM / nn.GRU on a PackedSequence (tinygrad_dl/nn/recurrent.py), against
torch 2.13 in float64 with copied weights and random lengths, batches and sizes: every field
of the PackedSequences, the outputs, h_n / c_n, and the gradients of the inputs, the initial
states and the weights. Before, none of it existed (`tg.nn.utils.rnn`: AttributeError)."""

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


def close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    ours = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)


def same_fields(ours, theirs):
    """Every field of two PackedSequences: data to round-off, the int64 ones exactly."""
    assert isinstance(ours, PackedSequence) and ours._fields == theirs._fields
    close(ours.data, theirs.data)
    for a, b in zip(ours[1:], theirs[1:]):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == np.int64 and np.array_equal(a.data, b.numpy())


def both(x):
    return Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def backward_both(ours, theirs, rng):
    w = rng.standard_normal(ours.shape)
    (ours * Tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()


def random_batch(rng, batch_first, sort=False):
    b, t = int(rng.integers(1, 6)), int(rng.integers(1, 7))
    lengths = rng.integers(1, t + 1, b)
    lengths[rng.integers(b)] = t  # (the padded input as long as the longest)
    if sort:
        lengths = np.sort(lengths)[::-1].copy()
    shape = (b, t, 2, 3) if batch_first else (t, b, 2, 3)
    return rng.standard_normal(shape), lengths


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_then_pad_match_torch_fields_values_and_gradients(seed, batch_first, enforce_sorted):
    rng = np.random.default_rng(seed)
    x, lengths = random_batch(rng, batch_first, sort=enforce_sorted)
    (a, ta) = both(x)
    packed = pack_padded_sequence(a, Tensor(lengths), batch_first, enforce_sorted)
    tpacked = TR.pack_padded_sequence(ta, torch.tensor(lengths), batch_first, enforce_sorted)
    same_fields(packed, tpacked)
    total = int(lengths.max()) + int(rng.integers(0, 3))
    padded, n = pad_packed_sequence(packed, batch_first, padding_value=-2.5, total_length=total)
    tpadded, tn = TR.pad_packed_sequence(tpacked, batch_first, padding_value=-2.5,
                                         total_length=total)
    close(padded, tpadded)
    assert n.dtype == np.int64 and np.array_equal(n.data, tn.numpy())
    backward_both(padded, tpadded, rng)
    close(a.grad, ta.grad)
    # the round trip pad -> pack -> pad: the given steps back, padding_value after them
    steps = np.arange(x.shape[1 if batch_first else 0])
    mask = steps[None, :] < lengths[:, None] if batch_first else steps[:, None] < lengths
    back, _ = pad_packed_sequence(packed, batch_first, padding_value=-2.5)
    want = np.where(mask[..., None, None], x, -2.5)
    assert np.array_equal(back.data, want)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_and_unpad_sequence_match_torch(seed, batch_first, side):
    rng = np.random.default_rng(seed)
    seqs = [both(rng.standard_normal((int(k), 3))) for k in rng.integers(0, 5, 4)]
    ours = pad_sequence([s for s, _ in seqs], batch_first, 7.0, side)
    theirs = TR.pad_sequence([s for _, s in seqs], batch_first, 7.0, side)
    close(ours, theirs)
    backward_both(ours, theirs, rng)
    for s, ts in seqs:
        close(s.grad, ts.grad)
    lengths = [s.shape[0] for s, _ in seqs]
    if side == "right":
        for piece, (s, _) in zip(unpad_sequence(ours, lengths, batch_first), seqs):
            assert np.array_equal(piece.data, s.data)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_sequence_and_unpack_sequence_match_torch(seed, enforce_sorted):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 6, int(rng.integers(1, 6)))
    if enforce_sorted:
        lengths = np.sort(lengths)[::-1]
    seqs = [both(rng.standard_normal((int(k), 2))) for k in lengths]
    ours = pack_sequence([s for s, _ in seqs], enforce_sorted)
    theirs = TR.pack_sequence([s for _, s in seqs], enforce_sorted)
    same_fields(ours, theirs)
    pieces = unpack_sequence(ours)
    for piece, tpiece, (s, _) in zip(pieces, TR.unpack_sequence(theirs), seqs):
        close(piece, tpiece)
        assert np.array_equal(piece.data, s.data)
    backward_both(ours.data, theirs.data, rng)
    for s, ts in seqs:
        close(s.grad, ts.grad)


RECURRENT = [
    ("RNN", dict(nonlinearity="relu")),
    ("RNN", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2, bias=False)),
]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kind, kwargs", RECURRENT)
@pytest.mark.parametrize("given_hx", [False, True])
def test_recurrent_modules_on_packed_sequences_match_torch(kind, kwargs, seed, given_hx):
    rng = np.random.default_rng(seed)
    hidden, batch_first = int(rng.integers(3, 6)), bool(rng.integers(2))
    ours = getattr(nn, kind)(3, hidden, batch_first=batch_first, rng=rng, **kwargs)
    theirs = getattr(torch.nn, kind)(3, hidden, batch_first=batch_first, **kwargs).double()
    params = dict(ours.named_parameters())
    theirs.load_state_dict({k: torch.tensor(p.data) for k, p in params.items()})
    b, t = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    lengths = rng.integers(1, t + 1, b)
    lengths[0] = t
    ordered = seed == 1  # (sorted_indices None: enforce_sorted=True)
    if ordered:
        lengths = np.sort(lengths)[::-1].copy()
    x, tx = both(rng.standard_normal((b, t, 3) if batch_first else (t, b, 3)))
    packed = pack_padded_sequence(x, lengths, batch_first, enforce_sorted=ordered)
    tpacked = TR.pack_padded_sequence(tx, torch.tensor(lengths), batch_first, ordered)
    layers, out = ours.num_layers * ours.directions, ours.proj_size or hidden
    hx = thx = None
    if given_hx:
        shapes = [(layers, b, out), (layers, b, hidden)][:ours.states]
        pairs = [both(rng.standard_normal(s)) for s in shapes]
        hx = tuple(p for p, _ in pairs) if kind == "LSTM" else pairs[0][0]
        thx = tuple(p for _, p in pairs) if kind == "LSTM" else pairs[0][1]
    y, h = ours(packed, hx)
    ty, th = theirs(tpacked, thx)
    same_fields(y, ty)
    finals, tfinals = (h, th) if kind == "LSTM" else ((h,), (th,))
    for f, tf in zip(finals, tfinals):
        close(f, tf)
    padded, _ = pad_packed_sequence(y, batch_first)
    tpadded, _ = TR.pad_packed_sequence(ty, batch_first)
    w = [rng.standard_normal(f.shape) for f in (padded, *finals)]
    sum(((f * Tensor(v)).sum() for f, v in zip((padded, *finals), w)), Tensor(0.0)).backward()
    sum((f * torch.tensor(v)).sum() for f, v in zip((tpadded, *tfinals), w)).backward()
    close(x.grad, tx.grad)
    for k, p in theirs.named_parameters():
        close(params[k].grad, p.grad)
    if given_hx:
        for (s, ts) in pairs:
            close(s.grad, ts.grad)


def test_h_n_is_each_sequences_state_at_its_own_last_step():
    """Against running each sequence alone: the forward direction's h_n after its last step,
    the reverse direction's after its step 0, in the batch's own order."""
    rng = np.random.default_rng(5)
    m = nn.GRU(2, 3, bidirectional=True, rng=rng)
    seqs = [rng.standard_normal((k, 2)) for k in (2, 4, 1, 3)]
    y, h = m(pack_sequence([Tensor(s) for s in seqs], enforce_sorted=False))
    for b, (s, piece) in enumerate(zip(seqs, unpack_sequence(y))):
        alone, h_alone = m(Tensor(s[:, None]))
        np.testing.assert_allclose(h.data[:, b], h_alone.data[:, 0], rtol=1e-12)
        np.testing.assert_allclose(piece.data, alone.data[:, 0], rtol=1e-12)


def test_dropout_between_layers_masks_packed_rows_in_training_only():
    rng = np.random.default_rng(3)
    m = nn.GRU(2, 3, num_layers=2, dropout=0.5, rng=tg.Generator(seed=1))
    p = pack_sequence([Tensor(rng.standard_normal((k, 2))) for k in (4, 2, 3)], False)
    m.eval()
    a, b = m(p)[0].data.data, m(p)[0].data.data
    m.train()
    c = m(p)[0].data.data
    assert np.array_equal(a, b) and not np.allclose(a, c)


@pytest.mark.parametrize("call, match", [
    (lambda x: pack_padded_sequence(x, [2, 3, 1]), "sorted in decreasing order.*enforce_sorted"),
    (lambda x: pack_padded_sequence(x, [3, 0, 1], enforce_sorted=False), "greater than 0"),
    (lambda x: pack_padded_sequence(x, [5, 3, 1]), "5 is more than the input's 3 steps"),
    (lambda x: pack_padded_sequence(x, Tensor(np.array([3.0, 2.0, 1.0]))), "integers.*float64"),
    (lambda x: pack_padded_sequence(x, [3, 2]), "2 lengths for an input of shape"),
    (lambda x: pad_packed_sequence(pack_padded_sequence(x, [3, 2, 1]), total_length=2),
     "total_length=2 and max sequence length being 3"),
    (lambda x: PackedSequence(x.reshape(9, 2), [2, 3, 4]), "non-increasing"),
    (lambda x: PackedSequence(x.reshape(9, 2), [3, 3, 2]), "sum\\(batch_sizes\\) = 8 rows"),
    (lambda x: PackedSequence(x.reshape(9, 2), [3, 3, 3], [0, 0, 1]), "permutation"),
    (lambda x: pad_sequence([x[0], x[0].reshape(2, 3)]), "same trailing shape|as the first"),
    (lambda x: pad_sequence([]), "empty list of sequences"),
    (lambda x: nn.LSTM(3, 2)(pack_padded_sequence(x, [3, 3, 3])), "must be \\(sum of lengths, 3"),
    (lambda x: nn.GRU(2, 3)(pack_padded_sequence(x, [3, 2, 1]), Tensor(np.zeros((1, 2, 3)))),
     "hx must have shape \\(1, 3, 3\\)"),
])
def test_refusals_are_one_line_naming_the_op(call, match):
    x = Tensor(np.arange(18.0).reshape(3, 3, 2))
    with pytest.raises((ValueError, TypeError, RuntimeError), match=match) as info:
        call(x)
    assert "\n" not in str(info.value)


def test_jit_runs_a_packing_step_eagerly_with_the_eager_numbers():
    """The packing indices come from the lengths of each call: jit does not replay them
    (strict: JitError), it warns and runs the step eagerly, so new lengths give new numbers."""
    m = nn.LSTM(3, 4, rng=np.random.default_rng(0))

    def step(x, lengths):
        out, (h, c) = m(pack_padded_sequence(x, lengths, enforce_sorted=False))
        loss = (pad_packed_sequence(out)[0] ** 2).sum() + h.sum() + c.sum()
        loss.backward()
        return loss

    def run(f, lengths):
        m.zero_grad()
        return f(Tensor(x), lengths).item(), m.weight_hh_l0.grad.copy()

    x = np.random.default_rng(1).standard_normal((5, 3, 3))
    strict = jit(step, strict=True)
    with pytest.raises(tg.jit.JitError, match="index"):
        for _ in range(2):  # (the first call records, the second would replay)
            run(strict, np.array([5, 2, 3]))
    f = jit(step)
    for lengths in ([5, 2, 3], [5, 2, 3], [1, 5, 4]):
        with warnings.catch_warnings():  # (jit's "running it eagerly", from the 2nd call)
            warnings.simplefilter("ignore", RuntimeWarning)
            got = run(f, np.array(lengths))
        want = run(step, lengths)
        assert got[0] == want[0] and np.array_equal(got[1], want[1])
    assert f.replays == 0


def test_torch_paths_and_the_namedtuple():
    from tinygrad_dl.nn.utils import clip_grad_norm_, rnn
    assert tg.nn.utils.rnn is rnn and tg.nn.utils.clip_grad_norm_ is clip_grad_norm_
    p = pack_sequence([Tensor(np.ones((2, 1))), Tensor(np.ones((1, 1)))])
    data, sizes, order, inverse = p
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert sizes.data.tolist() == [2, 1] and order is None and inverse is None
    assert p.to(np.float32).data.dtype == np.float32 and p.double() is p
