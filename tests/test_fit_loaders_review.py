"""Second review of the classifiers' training loop (train/minibatch.py) and the data pipeline
(utils/data.py, sampler.py): counts that are not integers, the shuffled epochs, the cyclical
schedule against the course's formula, the evaluation cadence, restore-best, and a batch of
samples that require grad."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.data import CharData, batches_per_epoch
from tinygrad_dl.models import CharRNN, OneLayer
from tinygrad_dl.optim import CyclicLR
from tinygrad_dl.train.minibatch import evaluate, fit
from tinygrad_dl.train.sequence import fit_rnn
from tinygrad_dl.utils import data as D

torch = pytest.importorskip("torch")

N = 23  # not a multiple of the batch size 5


def _data():
    X = np.zeros((N, 4))
    X[:, 0] = np.arange(N)  # a row's first feature is its index
    X[:, 1:] = np.random.default_rng(0).standard_normal((N, 3))
    y = np.arange(N) % 3
    return SimpleNamespace(X_train=X, y_train=y, X_val=X[:7], y_val=y[:7])


def _model():
    return OneLayer(d=4, K=3, rng=np.random.default_rng(1))


@pytest.mark.parametrize("kw, name", [
    (dict(epochs=2.5), "epochs"),  # trained 10 updates of 4 per epoch, as 2.5 epochs
    (dict(epochs=True), "epochs"),  # read as 1
    (dict(n_updates=2.5), "n_updates"),  # trained 3 updates
    (dict(n_updates=np.True_), "n_updates"),
    (dict(n_batch=2.5), "n_batch"),  # a TypeError deep in range()
    (dict(eval_every=2.5), "eval_every"),  # rows every 5 updates
    (dict(checkpoint_every=1.5), "checkpoint_every"),
])
def test_fit_refuses_counts_that_are_not_integers(kw, name):
    with pytest.raises(TypeError, match=f"fit: {name} must be an integer, got"):
        fit(_model(), _data(), **{"epochs": 2, "n_batch": 5, "eta": 0.01, "progress": False,
                                  **kw})


@pytest.mark.parametrize("every", [1.5, True])
def test_fit_rnn_refuses_a_fractional_checkpoint_every_too(every):
    data = CharData("hello world, the quick brown fox")
    net = CharRNN(data.K, 3, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="^fit_rnn: checkpoint_every must be an integer, got "):
        fit_rnn(net, data, seq_length=4, n_updates=3, sample_every=None, print_fn=None,
                progress=False, checkpoint_every=every, on_checkpoint=lambda snap: None)


def test_fit_takes_numpy_integer_counts():
    h = fit(_model(), _data(), epochs=np.int64(2), n_batch=np.int32(5), eta=0.01,
            eval_every=np.int64(3), progress=False)
    assert h.meta["n_updates"] == 8 and list(h["step"]) == [0, 3, 6, 8]
    h = fit(_model(), _data(), n_updates=np.int16(3), n_batch=5, eta=0.01, progress=False)
    assert h.meta["n_updates"] == 3


def test_batches_per_epoch_refuses_a_fractional_or_bool_batch_size():
    with pytest.raises(TypeError, match="n_batch must be an integer"):
        batches_per_epoch(10, 2.5, True)  # was 4.0
    with pytest.raises(TypeError, match="n_batch must be an integer"):
        batches_per_epoch(10, True, False)
    assert batches_per_epoch(10, np.int64(3), False) == 4


@pytest.mark.parametrize("drop_last", [True, False])
@pytest.mark.parametrize("shuffle", [True, False])
def test_each_epoch_is_a_permutation_from_the_seed_cut_as_documented(drop_last, shuffle):
    d, m, seen = _data(), _model(), []
    loss = m.loss

    def spy(Xb, yb):
        if len(Xb) not in (N, 7):  # (evaluate's calls on the whole train / val sets)
            seen.append(np.asarray(Xb)[:, 0].astype(int))
        return loss(Xb, yb)

    m.loss = spy
    h = fit(m, d, epochs=3, n_batch=5, eta=0.0, progress=False, jit=False, seed=7,
            drop_last=drop_last, shuffle=shuffle)
    rng = np.random.default_rng(7)
    per = 4 if drop_last else 5
    assert len(seen) == 3 * per and h.meta["n_updates"] == 3 * per
    for e in range(3):
        order = rng.permutation(N) if shuffle else np.arange(N)
        want = [order[i:i + 5] for i in range(0, 20 if drop_last else N, 5)]
        got = seen[e * per:(e + 1) * per]
        assert all(np.array_equal(a, b) for a, b in zip(got, want))
        if not drop_last:  # every row once per epoch, the last batch of 3
            assert sorted(np.concatenate(got).tolist()) == list(range(N))


def _course_eta(t, lo, hi, n_s):
    """The course's eta_t, written from its two cases."""
    l = t // (2 * n_s)
    if 2 * l * n_s <= t <= (2 * l + 1) * n_s:
        return lo + (t - 2 * l * n_s) / n_s * (hi - lo)
    return hi - (t - (2 * l + 1) * n_s) / n_s * (hi - lo)


@pytest.mark.parametrize("n_s", [1, 3, 4])
def test_cyclical_rates_follow_the_course_formula_at_every_update(n_s):
    lo, hi = 1e-5, 1e-1
    h = fit(_model(), _data(), n_updates=4 * n_s + 1, n_batch=5,
            schedule=CyclicLR(lo, hi, n_s), progress=False, eval_every=3)
    etas = h.meta["etas"]
    assert len(etas) == 4 * n_s + 1
    want = [_course_eta(t, lo, hi, n_s) for t in range(len(etas))]
    np.testing.assert_allclose(etas, want, rtol=1e-12)
    for t in range(0, len(etas), 2 * n_s):  # cycle boundaries: eta_min exactly
        assert etas[t] == lo
    # rows every 3 updates and always at the end, the step column the updates done
    assert list(h["step"]) == sorted({*range(0, 4 * n_s + 1, 3), 4 * n_s + 1})


def test_restore_best_takes_the_first_of_tied_validation_scores():
    d = _data()

    def run(n_updates, restore):
        m = _model()
        h = fit(m, d, n_updates=n_updates, n_batch=5, eta=0.5, eval_every=2, progress=False,
                restore_best=restore)
        return m, h

    m, h = run(12, True)
    acc = np.asarray(h["val_acc"])
    first = int(np.asarray(h["step"])[np.argmax(acc)])  # argmax: the first of ties
    assert h.meta["best_step"] == first and h.meta["best_val_acc"] == acc.max()
    ref, _ = run(first, False)  # the same run stopped there
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(m.state_dict()[k], v)
    assert evaluate(m, d.X_val, d.y_val)["acc"] == acc.max()


def test_fit_refuses_nan_validation_inputs_restore_best_would_pick_by():
    d = _data()
    d.X_val = d.X_val.copy()
    d.X_val[2, 1] = np.nan  # every val_cost was NaN, val_acc an argmax over NaN logits
    with pytest.raises(ValueError, match="fit: the validation inputs hold 1 NaN/inf"):
        fit(_model(), d, n_updates=4, n_batch=5, eta=0.1, progress=False, restore_best=True)


class _Scaled(D.Dataset):
    def __init__(self, w):
        self.w = w

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return self.w[i] * 2.0, i


def test_a_batch_of_samples_that_require_grad_stays_in_their_graph_as_torch():
    w = tg.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    tw = torch.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    xb, yb = next(iter(D.DataLoader(_Scaled(w), batch_size=3)))
    txb, _ = next(iter(torch.utils.data.DataLoader(_Scaled(tw), batch_size=3)))
    assert xb.requires_grad and txb.requires_grad  # (was a detached batch)
    (xb * xb).sum().backward()
    (txb * txb).sum().backward()
    np.testing.assert_allclose(np.asarray(w.grad), tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(yb.numpy(), [0, 1, 2])
    # through a dict too, and the collated values as torch's
    b = D.collate([{"x": w[0] * 1.0}, {"x": w[1] * 1.0}])
    assert b["x"].requires_grad and b["x"].dtype == tg.float64


@pytest.mark.parametrize("n, fracs", [(10, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (11, [0.25] * 4),
                                      (5, [0.1] * 10), (3, [1 / 3] * 3), (10, [0.9999999999])])
def test_random_split_fractions_spread_the_remainder_as_torch(n, fracs):
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        got = [len(s) for s in D.random_split(list(range(n)), fracs,
                                               generator=tg.Generator().manual_seed(0))]
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        want = [len(s) for s in torch.utils.data.random_split(
            range(n), fracs, generator=torch.Generator().manual_seed(0))]
    assert got == want and len(ours) == len(theirs)  # (a warning per empty split)


# ---- review of the review ----------------------------------------------------------------


def test_collate_refuses_a_string_sample_beside_one_that_requires_grad():
    # the graph branch came before the dtype check: a string Tensor that required grad
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    for first, odd in ((w * 1.0, np.array(["a", "b"])), (w[0] * 1.0, None)):
        with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
            D.collate([first, odd])
    b = D.collate([w * 1.0, np.array([3.0, 4.0])])  # numbers beside it: stacked in the graph
    assert b.requires_grad and b.shape == (2, 2)


def test_fit_takes_validation_inputs_as_a_tensor_and_checks_them():
    # evaluate takes a Tensor of inputs; the new NaN check was a TypeError in np.isfinite
    d = _data()
    ref = fit(_model(), d, n_updates=4, n_batch=5, eta=0.1, progress=False)
    d.X_val = tg.tensor(d.X_val)
    h = fit(_model(), d, n_updates=4, n_batch=5, eta=0.1, progress=False)
    np.testing.assert_array_equal(h["val_acc"], ref["val_acc"])
    bad = d.X_val.numpy().copy()
    bad[0, 2] = np.inf
    d.X_val = tg.tensor(bad)
    with pytest.raises(ValueError, match="fit: the validation inputs hold 1 NaN/inf"):
        fit(_model(), d, n_updates=4, n_batch=5, eta=0.1, progress=False)
