"""Four PyTorch gaps, each against torch 2.13 where it is installed (an optional oracle):

- utils.data's IterableDataset (and ChainDataset): DataLoader batches what it yields, with the
  default collate or collate_fn, drop_last; shuffle, sampler and batch_sampler refused as torch
  refuses them; len(loader) only through the dataset's own __len__; batch_size=None (no
  batching) for both kinds of dataset. Before, an IterableDataset had no class and a stream
  failed on len(); batch_size=None was refused.
- nn.InstanceNorm1d/2d(track_running_stats=True): torch's running statistics step for step
  (the batch's mean of each sample's mean and unbiased variance, by momentum) and eval() with
  them; state_dict keys as torch's. Before, refused.
- nn.LSTM(proj_size=p): torch's LSTM with projections (weight_hr_l{k}), values, states and
  every gradient in float64, a torch state_dict loaded as it is. Before, refused.
- F.batch_norm's PyTorch habit F.batch_norm(x, running_mean, running_var): refused where it
  ran silently with the statistics read as gamma and beta.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn
from tinygrad_dl.functional import batch_norm
from tinygrad_dl.jit import jit
from tinygrad_dl.utils.data import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    TensorDataset,
)

try:
    import torch
except ImportError:  # the comparisons with torch skip; the rest runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def one_line(excinfo, *words):
    msg = str(excinfo.value)
    assert "\n" not in msg, msg
    for w in words:
        assert w in msg, msg


def plain(batch):
    """A batch as nested Python lists of numbers (tuples as lists, torch's and ours alike)."""
    if isinstance(batch, dict):
        return {k: plain(v) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return [plain(v) for v in batch]
    if isinstance(batch, Tensor):
        return batch.data.tolist()
    if torch is not None and isinstance(batch, torch.Tensor):
        return batch.tolist()
    return batch


# ---- IterableDataset ----------------------------------------------------------------------------
def _samples(n, kind):
    rows = np.arange(n * 3, dtype=np.float64).reshape(n, 3) / 7
    if kind == "tuple":
        return [(rows[i], i) for i in range(n)]
    if kind == "dict":
        return [{"x": rows[i], "y": float(i)} for i in range(n)]
    return [rows[i] for i in range(n)]


class Stream(IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        yield from self.items


class SizedStream(Stream):
    def __len__(self):
        return len(self.items)


def _torch_stream(items, sized=False):
    class TStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            yield from items

    class TSized(TStream):
        def __len__(self):
            return len(items)

    return TSized() if sized else TStream()


@needs_torch
@pytest.mark.parametrize("kind", ["tuple", "dict", "array"])
@pytest.mark.parametrize("batch_size", [1, 3, 4, 7, 9, None])
@pytest.mark.parametrize("drop_last", [False, True])
def test_an_iterable_dataset_is_batched_as_torch_batches_it(kind, batch_size, drop_last):
    if batch_size is None and drop_last:
        return  # refused by both (below)
    items = _samples(7, kind)
    ours = list(DataLoader(Stream(items), batch_size=batch_size, drop_last=drop_last))
    theirs = list(torch.utils.data.DataLoader(_torch_stream(items), batch_size=batch_size,
                                              drop_last=drop_last))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert plain(a) == plain(b)
    if batch_size is not None and ours:  # collated batches are Tensors of the samples' dtypes
        first = ours[0]["x"] if kind == "dict" else ours[0][0] if kind == "tuple" else ours[0]
        assert isinstance(first, Tensor) and first.dtype == np.float64
    # a second pass iterates the dataset afresh
    again = list(DataLoader(Stream(items), batch_size=batch_size, drop_last=drop_last))
    assert [plain(b) for b in again] == [plain(b) for b in ours]


@needs_torch
def test_collate_fn_gets_each_batch_of_yielded_items():
    items = _samples(5, "tuple")
    fn = lambda batch: [len(batch), sum(i for _, i in batch)]  # noqa: E731
    ours = list(DataLoader(Stream(items), batch_size=2, collate_fn=fn))
    theirs = list(torch.utils.data.DataLoader(_torch_stream(items), batch_size=2,
                                              collate_fn=fn))
    assert ours == theirs == [[2, 1], [2, 5], [1, 4]]


@needs_torch
@pytest.mark.parametrize("option", [{"shuffle": True}, {"sampler": [0, 1]},
                                    {"batch_sampler": [[0, 1]]}])
def test_shuffle_sampler_and_batch_sampler_are_refused_with_torchs_words(option):
    with pytest.raises(ValueError) as e:
        DataLoader(Stream([1, 2]), **option)
    with pytest.raises(ValueError) as t:
        torch.utils.data.DataLoader(_torch_stream([1, 2]), **option)
    one_line(e, str(t.value))
    DataLoader(Stream([1, 2]), shuffle=False)  # torch's unspecified: False and None are fine
    DataLoader(Stream([1, 2]), shuffle=None)


@needs_torch
@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True),
                                                   (7, True), (8, True), (None, False)])
def test_len_of_a_loader_over_a_sized_stream_is_torchs(batch_size, drop_last):
    items = _samples(7, "array")
    ours = DataLoader(SizedStream(items), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(_torch_stream(items, sized=True),
                                         batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs) == len(list(ours))


def test_len_of_a_loader_over_a_stream_without_len_is_a_type_error():
    loader = DataLoader(Stream([1, 2, 3]), batch_size=2)
    with pytest.raises(TypeError) as e:
        len(loader)
    one_line(e, "object of type 'Stream' has no len()")
    with pytest.raises(TypeError):
        len(Stream([1]))
    assert [b.data.tolist() for b in loader] == [[1, 2], [3]]  # iterating needs no len


def test_an_iterable_dataset_is_not_indexed():
    with pytest.raises(TypeError) as e:
        Stream([1])[0]
    one_line(e, "Stream is an IterableDataset")
    assert isinstance(Stream([1]), Dataset)


def test_chain_dataset_and_plus_chain_streams():
    a, b = SizedStream([1, 2, 3]), SizedStream([4, 5])
    for chained in (ChainDataset([a, b]), a + b):
        assert isinstance(chained, ChainDataset) and len(chained) == 5
        assert list(chained) == [1, 2, 3, 4, 5] == list(chained)  # each pass anew
        assert [x.data.tolist() for x in DataLoader(chained, batch_size=2)] == [[1, 2], [3, 4],
                                                                                [5]]
    with pytest.raises(TypeError) as e:
        ChainDataset([a, TensorDataset(np.arange(3.0))])
    one_line(e, "ChainDataset only supports IterableDataset")
    with pytest.raises(TypeError) as e:
        ConcatDataset([TensorDataset(np.arange(3.0)), a])
    one_line(e, "ConcatDataset does not support IterableDataset")
    with pytest.raises(TypeError):
        len(ChainDataset([a, Stream([1])]))  # a part without len


@needs_torch
def test_batch_size_none_yields_map_style_items_one_by_one_as_torch():
    X = np.arange(12.0).reshape(4, 3)
    y = np.arange(4)
    ours = list(DataLoader(TensorDataset(X, y), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=None))
    assert [plain(a) for a in ours] == [plain(b) for b in theirs]
    assert len(DataLoader(TensorDataset(X, y), batch_size=None)) == 4

    class Items(Dataset):  # NumPy items: torch's default_convert makes them tensors
        def __getitem__(self, i):
            return {"x": X[i], "k": np.int64(i), "n": i, "name": "s"}

        def __len__(self):
            return 4

    class TItems(torch.utils.data.Dataset):
        __getitem__, __len__ = Items.__getitem__, Items.__len__

    ours = list(DataLoader(Items(), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(TItems(), batch_size=None))
    assert [plain(a) for a in ours] == [plain(b) for b in theirs]
    assert isinstance(ours[0]["x"], Tensor) and isinstance(ours[0]["k"], Tensor)
    assert ours[0]["n"] == 0 and ours[0]["name"] == "s"
    # a sampler's order, and shuffle's: each item once
    order = [int(x[0].item()) for x in DataLoader(TensorDataset(y), batch_size=None,
                                                  sampler=[3, 1, 2])]
    assert order == [3, 1, 2]
    drawn = [int(x[0].item()) for x in DataLoader(TensorDataset(y), batch_size=None,
                                                  shuffle=True, generator=tg.Generator(seed=1))]
    assert sorted(drawn) == [0, 1, 2, 3]
    sampled = DataLoader(TensorDataset(y), batch_size=None,
                         sampler=RandomSampler(y, num_samples=6, replacement=True))
    assert len(sampled) == len(list(sampled)) == 6


@needs_torch
def test_batch_size_none_with_drop_last_is_refused_as_torch():
    with pytest.raises(ValueError) as t:
        torch.utils.data.DataLoader([1, 2], batch_size=None, drop_last=True)
    for ds in (TensorDataset(np.arange(3.0)), Stream([1, 2])):
        with pytest.raises(ValueError) as e:
            DataLoader(ds, batch_size=None, drop_last=True)
        one_line(e, str(t.value))


def test_batch_size_none_with_collate_fn_applies_it_per_item():
    got = list(DataLoader(Stream([1, 2, 3]), batch_size=None, collate_fn=lambda v: v * 10))
    assert got == [10, 20, 30]
    Point = collections.namedtuple("Point", "x y")
    got = list(DataLoader(Stream([Point(np.ones(2), 1)]), batch_size=None))
    assert isinstance(got[0], Point) and isinstance(got[0].x, Tensor) and got[0].y == 1


# ---- InstanceNorm with running statistics -------------------------------------------------------
NORM_CASES = [(1, (4, 3, 5), {}), (1, (3, 6), {"affine": True}),  # unbatched
              (2, (2, 3, 4, 5), {"affine": True, "momentum": 0.3}),
              (2, (3, 2, 3), {"momentum": 1.0}), (1, (2, 3, 2), {"momentum": 0})]


@needs_torch
@pytest.mark.parametrize("dims, shape, kw", NORM_CASES)
def test_instance_norm_running_stats_step_for_step_as_torch(dims, shape, kw):
    rng = np.random.default_rng(dims * 10 + len(shape))
    ours = getattr(nn, f"InstanceNorm{dims}d")(3, track_running_stats=True, **kw)
    theirs = getattr(torch.nn, f"InstanceNorm{dims}d")(3, track_running_stats=True,
                                                       dtype=torch.float64, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    if ours.affine:  # not ones and zeros: the scale and shift must reach the output
        w, b = rng.standard_normal(3), rng.standard_normal(3)
        ours.load_state_dict({**ours.state_dict(), "weight": w, "bias": b})
        theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    for _ in range(3):  # training: batch statistics, the running ones move
        x = rng.standard_normal(shape) * 2 + 1.5
        t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, tout = ours(t), theirs(tt)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=0, atol=1e-12)
        g = rng.standard_normal(out.shape)
        out.backward(g)
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=0, atol=1e-10)
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name).numpy(),
                                       rtol=0, atol=1e-12)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(t), theirs(tt)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=0, atol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=0, atol=1e-10)
    if ours.affine:
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=1e-10)
    before = ours.running_mean.copy()
    ours(Tensor(x))  # evaluation leaves them as they are
    assert np.array_equal(before, ours.running_mean)
    assert ours.num_batches_tracked == theirs.num_batches_tracked == 0  # torch never counts


@needs_torch
def test_instance_norm_loads_a_trained_torch_state_dict():
    rng = np.random.default_rng(3)
    theirs = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True,
                                     dtype=torch.float64)
    for _ in range(4):
        theirs(torch.tensor(rng.standard_normal((2, 3, 4, 4)) * 3 - 1))
    ours = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    theirs.eval()
    ours.eval()
    x = rng.standard_normal((2, 3, 4, 4))
    np.testing.assert_allclose(ours(Tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=0, atol=1e-12)
    # and a one-position input is fine in evaluation (training refuses it, as torch)
    one = rng.standard_normal((2, 3, 1, 1))
    np.testing.assert_allclose(ours(Tensor(one)).data,
                               theirs(torch.tensor(one)).detach().numpy(), rtol=0, atol=1e-12)


def test_instance_norm_without_running_stats_is_unchanged_and_has_no_buffers():
    m = nn.InstanceNorm1d(3)
    assert m.state_dict() == {} and m.track_running_stats is False
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    m.eval()  # no running statistics: each sample's own, in evaluation too
    y = m(Tensor(x)).data
    np.testing.assert_allclose(y, (x - x.mean(-1, keepdims=True))
                               / np.sqrt(x.var(-1, keepdims=True) + 1e-5), atol=1e-12)


def test_instance_norm_running_stats_refusals():
    with pytest.raises(ValueError) as e:
        nn.InstanceNorm1d(3, momentum=None, track_running_stats=True)
    one_line(e, "InstanceNorm1d: momentum must be a number", "0 and 1")
    nn.InstanceNorm1d(3, momentum=None)  # unused without running statistics: accepted
    m = nn.InstanceNorm1d(3, track_running_stats=True)
    with pytest.raises(ValueError) as e:  # a per-channel statistic cannot meet 4 channels
        m(Tensor(np.ones((2, 4, 5))))
    one_line(e, "InstanceNorm1d(3)", "num_features=3")
    with pytest.raises(ValueError) as e:
        m(Tensor(np.ones((2, 3, 1))))
    one_line(e, "expected more than 1 position per channel")


def test_running_stats_move_under_no_grad_and_in_a_replayed_step():
    """PyTorch moves them in training whatever the grad mode; a jitted step (replayed without
    its Python) moves them too, as the eager step does (an op: Tap)."""
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal((2, 3, 6)) for _ in range(5)]
    eager = nn.InstanceNorm1d(3, affine=True, track_running_stats=True)
    with tg.no_grad():
        eager(Tensor(xs[0]))
    assert not np.array_equal(eager.running_mean, np.zeros(3))

    def run(m, step_fn):
        for x in xs:
            step_fn(x)
        return m.running_mean.copy(), m.running_var.copy()

    a = nn.InstanceNorm1d(3, affine=True, track_running_stats=True)
    b = nn.InstanceNorm1d(3, affine=True, track_running_stats=True)

    def step_a(x):
        (a(Tensor(x)) ** 2).sum().backward()

    def step_b(x):
        (b(Tensor(x)) ** 2).sum().backward()

    jitted = jit(step_b, strict=True)
    want = run(a, step_a)
    got = run(b, jitted)
    assert jitted.replays == 3
    for w, g in zip(want, got):
        assert w.tobytes() == g.tobytes()


# ---- LSTM with projections ----------------------------------------------------------------------
PROJ_CONFIGS = [{}, {"num_layers": 2}, {"bidirectional": True},
                {"num_layers": 2, "bidirectional": True, "batch_first": True},
                {"num_layers": 3, "bias": False}, {"unbatched": True, "bidirectional": True,
                                                   "num_layers": 2}]


def _ids(c):
    return ",".join(f"{k}={v}" for k, v in c.items()) or "default"


@needs_torch
@pytest.mark.parametrize("cfg", PROJ_CONFIGS, ids=_ids)
@pytest.mark.parametrize("with_hx", [False, True])
def test_lstm_with_projections_matches_torch(cfg, with_hx):
    cfg = dict(cfg)
    unbatched = cfg.pop("unbatched", False)
    rng = np.random.default_rng(len(cfg) + 7 * with_hx)
    H, P = 5, 2
    ours = nn.LSTM(3, H, proj_size=P, rng=np.random.default_rng(0), **cfg)
    theirs = torch.nn.LSTM(3, H, proj_size=P, dtype=torch.float64, **cfg)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    layers = cfg.get("num_layers", 1) * (2 if cfg.get("bidirectional") else 1)
    x = rng.standard_normal((4, 3) if unbatched else (2, 4, 3) if cfg.get("batch_first")
                            else (4, 2, 3))
    lead = (layers,) if unbatched else (layers, 2)
    h0, c0 = rng.standard_normal(lead + (P,)), rng.standard_normal(lead + (H,))
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hs = [Tensor(h0, requires_grad=True), Tensor(c0, requires_grad=True)]
    ths = [torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True)]
    out, (h, c) = ours(t, tuple(hs) if with_hx else None)
    tout, (th, tc) = theirs(tt, tuple(ths) if with_hx else None)
    for a, b in ((out, tout), (h, th), (c, tc)):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=0, atol=1e-12)
    g = [rng.standard_normal(v.shape) for v in (out, h, c)]
    ((out * Tensor(g[0])).sum() + (h * Tensor(g[1])).sum() + (c * Tensor(g[2])).sum()
     ).backward()
    ((tout * torch.tensor(g[0])).sum() + (th * torch.tensor(g[1])).sum()
     + (tc * torch.tensor(g[2])).sum()).backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=0, atol=1e-10)
    if with_hx:
        for a, b in zip(hs, ths):
            np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=0, atol=1e-10)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, tp[name].grad.numpy(), rtol=0, atol=1e-10,
                                   err_msg=name)


def test_lstm_projection_shapes_and_refusals():
    m = nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=4)
    assert m.weight_hr_l1_reverse.shape == (4, 6) and m.weight_hh_l0.shape == (24, 4)
    assert m.weight_ih_l1.shape == (24, 8)
    out, (h, c) = m(Tensor(np.ones((5, 2, 3))))
    assert out.shape == (5, 2, 8) and h.shape == (4, 2, 4) and c.shape == (4, 2, 6)
    with pytest.raises(ValueError) as e:  # h_0 of hidden_size: torch's habit without proj
        m(Tensor(np.ones((5, 2, 3))), (np.zeros((4, 2, 6)), np.zeros((4, 2, 6))))
    one_line(e, "LSTM: hx[0] (h_0) must have shape (4, 2, 4), got (4, 2, 6)")
    with pytest.raises(ValueError) as e:
        m(Tensor(np.ones((5, 2, 3))), (np.zeros((4, 2, 4)), np.zeros((4, 2, 4))))
    one_line(e, "LSTM: hx[1] (c_0) must have shape (4, 2, 6), got (4, 2, 4)")
    for p, words in ((6, "proj_size has to be smaller than hidden_size"),
                     (9, "proj_size=9 and hidden_size=6"),
                     (-1, "LSTM: proj_size must be >= 0, got -1")):
        with pytest.raises(ValueError) as e:
            nn.LSTM(3, 6, proj_size=p)
        one_line(e, words)
    with pytest.raises(TypeError):
        nn.LSTM(3, 6, proj_size=2.5)
    assert "weight_hr_l0" not in nn.LSTM(3, 6).state_dict()  # proj_size=0: none
    assert nn.LSTM(3, 6).proj_size == 0


# ---- F.batch_norm(x, running_mean, running_var): PyTorch's habit --------------------------------
def test_torchs_bare_batch_norm_call_is_refused_not_read_as_gamma_and_beta():
    """torch's F.batch_norm(x, running_mean, running_var) normalizes with the running
    statistics (training=False is its default); here it ran in training mode with the batch's
    statistics, scaled by running_mean and shifted by running_var, without a word."""
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((6, 3)), requires_grad=True)
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    for stats in ((rm, rv), (Tensor(rm), Tensor(rv)), (tg.zeros(3), tg.ones(3))):
        for args, kw in (((x, *stats), {}), ((x, *stats), {"training": True}),
                         ((x.detach(), *stats), {})):
            with pytest.raises(TypeError) as e:
                batch_norm(*args, **kw)
            one_line(e, "gamma and beta both require no grad", "give eps=",
                     "training=False, mean=running_mean, var=running_var")
    # the spelling the message gives is torch's value
    got = batch_norm(x, Tensor(np.ones(3)), Tensor(np.zeros(3)), training=False, mean=rm,
                     var=rv, eps=1e-5)
    if torch is not None:
        want = torch.nn.functional.batch_norm(torch.tensor(x.data), torch.tensor(rm),
                                              torch.tensor(rv))
        np.testing.assert_allclose(got.data, want.numpy(), rtol=0, atol=1e-12)


def test_the_courses_batch_norm_calls_are_not_refused():
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((6, 3)), requires_grad=True)
    gamma = Tensor(np.ones(3), requires_grad=True)
    beta = Tensor(np.zeros(3), requires_grad=True)
    frozen = Tensor(np.ones(3))
    ref = batch_norm(x, gamma, beta).data
    for out in (batch_norm(x, gamma, beta),  # the course's parameters
                batch_norm(x, frozen, beta),  # one frozen
                batch_norm(x, frozen, Tensor(np.zeros(3)), 1e-8),  # both frozen: eps given
                batch_norm(x, np.ones(3), np.zeros(3), eps=1e-8)):  # constants, eps given
        np.testing.assert_allclose(out.data, ref, rtol=0, atol=1e-12)
    # evaluation with given statistics is never the habit (torch's would need keywords)
    out = batch_norm(x, frozen, Tensor(np.zeros(3)), training=False, mean=np.zeros(3),
                     var=np.ones(3))
    np.testing.assert_allclose(out.data, x.data / np.sqrt(1 + 1e-8), rtol=0, atol=1e-12)
    bn = nn.BatchNorm1d(3)  # the layer passes its eps: frozen, it still runs
    for p in bn.parameters():
        p.requires_grad = False
    assert bn(x).shape == (6, 3)
    with tg.no_grad():  # constants are the rule under no_grad (finite differences)
        np.testing.assert_allclose(batch_norm(x, np.ones(3), np.zeros(3)).data, ref)
