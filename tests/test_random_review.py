"""The random functions reviewed against torch 2.13's semantics (not its bits: the generators
differ): supports, bounds, dtypes, statistics within a few standard errors, reproducibility,
the masks' gradients and jit replays that draw afresh."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl import nn
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


# ---- findings (each failed before its fix) --------------------------------------------------
@pytest.mark.parametrize("n, dtype, tdtype", [(300, np.uint8, "uint8"), (129, np.int8, "int8"),
                                              (2050, np.float16, "float16"),
                                              (2 ** 24 + 2, np.float32, "float32")])
def test_randperm_refuses_a_dtype_that_cannot_hold_its_values(n, dtype, tdtype):
    # (randperm(300, dtype=uint8) wrapped 256..299 onto 0..43: repeats, without a word)
    with pytest.raises(RuntimeError):
        torch.randperm(n, dtype=getattr(torch, tdtype))
    with pytest.raises(ValueError, match="randperm"):
        tg.randperm(n, dtype=dtype)


@pytest.mark.parametrize("n, dtype", [(256, np.uint8), (128, np.int8), (2049, np.float16),
                                      (2, np.bool_), (1, np.bool_), (0, np.uint8)])
def test_randperm_at_the_edge_of_its_dtype_is_a_permutation(n, dtype):
    p = tg.randperm(n, dtype=dtype).numpy()
    assert p.dtype == dtype and sorted(p.astype(np.int64).tolist()) == list(range(n))


@pytest.mark.parametrize("mean_f32, std_f32", [(True, False), (False, True), (True, True)])
def test_normal_keeps_the_tensors_float32(mean_f32, std_f32):
    # (NumPy 2 promoted a float32 mean by the number std's float64 0-d array: float64 draws)
    def arg(is_tensor, v, lib):
        if not is_tensor:
            return v
        return lib.tensor([v, v], dtype=lib.float32)
    want = torch.normal(arg(mean_f32, 1.0, torch), arg(std_f32, 2.0, torch)).dtype
    got = tg.normal(arg(mean_f32, 1.0, tg), arg(std_f32, 2.0, tg)).dtype
    assert want == torch.float32 and got == np.float32


def test_normal_dtype_of_two_tensors_is_promoted_and_of_numbers_float64():
    # (kept: torch takes mean's dtype, float32 here; tests/test_op_conventions.py holds the
    # promotion)
    f32, f64 = tg.tensor([1.0, 2.0], dtype=tg.float32), tg.tensor([1.0, 2.0])
    assert tg.normal(f32, f64).dtype == np.float64 and tg.normal(f64, f32).dtype == np.float64
    assert tg.normal(f32, f32).dtype == np.float32
    assert tg.normal(1.0, 2.0, (3,)).dtype == np.float64
    assert tg.normal(tg.tensor([1, 2]), 1.0).dtype == np.float64


def test_normal_nan_std_names_the_nan():
    with pytest.raises(ValueError, match="nan"):
        tg.normal(0.0, tg.tensor([np.nan, 1.0]))


def test_multinomial_of_no_rows_is_empty():
    # (torch: shape (0, n); here NumPy's "need at least one array to stack")
    assert tuple(torch.multinomial(torch.ones(0, 3), 2).shape) == (0, 2)
    out = tg.multinomial(tg.ones(0, 3), 2)
    assert out.shape == (0, 2) and out.dtype == np.int64


def test_multinomial_of_huge_weights_draws():
    # (their sum overflowed to inf: NumPy's "probabilities do not sum to 1")
    tg.manual_seed(0)
    w = tg.tensor([1e308, 1e308, 0.0])
    d = tg.multinomial(w, 2000, replacement=True).numpy()
    assert set(d.tolist()) == {0, 1} and abs((d == 0).mean() - 0.5) < 0.05
    assert sorted(tg.multinomial(w, 2).numpy().tolist()) == [0, 1]


def test_randint_takes_high_and_size_by_keyword():
    # (torch.randint(high=5, size=(3,)); here "missing 1 required positional argument")
    assert tuple(torch.randint(high=5, size=(3,)).shape) == (3,)
    r = tg.randint(high=5, size=(1000,)).numpy()
    assert r.shape == (1000,) and r.min() == 0 and r.max() == 4


@pytest.mark.parametrize("low, high", [(0, 2 ** 23 + 3), (0, 2 ** 24 + 1), (-2 ** 24, 0)])
def test_randint_like_float32_draws_every_whole_number_it_holds(low, high):
    # (the bound was 2 ** 23 + 1: [0, 2 ** 23 + 3) was refused though float32 holds it)
    x = tg.zeros(200, dtype=tg.float32)
    r = tg.randint_like(x, low, high).numpy()
    assert r.dtype == np.float32 and r.min() >= low and r.max() < high
    assert np.array_equal(r, np.floor(r))


@pytest.mark.parametrize("low, high", [(-2 ** 25, 0), (0, 2 ** 24 + 2)])
def test_randint_like_float32_refuses_whole_numbers_it_cannot_hold(low, high):
    # (a low of -2 ** 25 drew odd numbers rounded to even ones without a word; torch warns)
    with pytest.raises(ValueError, match="randint_like"):
        tg.randint_like(tg.zeros(3, dtype=tg.float32), low, high)


# ---- supports and statistics (held before; kept) ----------------------------------------------
N = 100_000


def _z(got, want, se):
    assert abs(got - want) <= 5 * se, (got, want, se)


def test_integer_draws_hold_their_support_exactly():
    tg.manual_seed(11)
    assert sorted(set(tg.randint(-3, 4, (N,)).numpy().tolist())) == list(range(-3, 4))
    assert sorted(set(tg.randint(250, 256, (N,), dtype=tg.uint8).numpy().tolist())) == \
        list(range(250, 256))
    b = tg.randint(0, 2, (N,), dtype=tg.bool).numpy()
    _z(b.mean(), 0.5, 0.5 / np.sqrt(N))
    assert sorted(set(tg.zeros(N).random_(3, 9).numpy().tolist())) == list(range(3, 9))
    x = tg.rand(N, dtype=tg.float16).numpy()
    assert x.min() >= 0 and x.max() < 1


def test_continuous_fills_match_their_moments():
    tg.manual_seed(12)
    x = tg.normal(tg.full((N,), 3.0), tg.full((N,), 2.0)).numpy()
    _z(x.mean(), 3, 2 / np.sqrt(N))
    _z(x.var(), 4, 4 * np.sqrt(2 / N))
    x = tg.zeros(N).uniform_(-2, 5).numpy()
    assert x.min() >= -2 and x.max() < 5
    _z(x.mean(), 1.5, 7 * np.sqrt(1 / 12 / N))
    _z(tg.zeros(N).exponential_(2.0).numpy().mean(), 0.5, 0.5 / np.sqrt(N))
    g = tg.zeros(N).geometric_(0.25).numpy()
    assert g.min() == 1
    _z(g.mean(), 4, np.sqrt(0.75) / 0.25 / np.sqrt(N))
    _z(np.log(tg.zeros(N).log_normal_(0.5, 0.3).numpy()).mean(), 0.5, 0.3 / np.sqrt(N))
    _z(np.median(tg.zeros(N).cauchy_(2.0, 3.0).numpy()), 2, 3 * np.pi / 2 / np.sqrt(N))
    _z(tg.poisson(tg.full((N,), 3.5)).numpy().mean(), 3.5, np.sqrt(3.5 / N))
    assert np.array_equal(tg.normal(tg.tensor([3.0, -1.0]), 0.0).numpy(), [3.0, -1.0])


def test_bernoulli_and_multinomial_supports():
    tg.manual_seed(13)
    b = tg.bernoulli(tg.full((N,), 0.3)).numpy()
    assert set(b.tolist()) == {0.0, 1.0}
    _z(b.mean(), 0.3, np.sqrt(0.21 / N))
    for bad in ([0.5, 1.5], [0.5, np.nan], [-0.1, 0.5]):
        with pytest.raises(ValueError, match="bernoulli"):
            tg.bernoulli(tg.tensor(bad))
    w = np.tile([1.0, 2.0, 0.0, 5.0], (5000, 1))
    d = tg.multinomial(tg.tensor(w), 3).numpy()
    assert all(len(set(r)) == 3 for r in d.tolist()) and not (d == 2).any()
    _z((d[:, 0] == 3).mean(), 5 / 8, np.sqrt(5 / 8 * 3 / 8 / 5000))
    for bad, n in (([1.0, 0.0, 1.0], 3), ([0.0, 0.0], 1), ([1.0, np.inf], 1),
                   ([1.0, -1.0], 1), ([1.0, np.nan], 1)):
        with pytest.raises(ValueError, match="multinomial"):
            tg.multinomial(tg.tensor(bad), n)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropouts_keep_one_minus_p_scaled_and_backward_uses_the_mask(p):
    tg.manual_seed(14)
    x = tg.ones(N, requires_grad=True)
    y = F.dropout(x, p)
    y.sum().backward()
    yd = y.detach().numpy()
    assert set(np.unique(yd).tolist()) <= {0.0, 1 / (1 - p)}
    _z((yd != 0).mean(), 1 - p, np.sqrt(p * (1 - p) / N))
    assert np.array_equal(np.asarray(x.grad), yd)
    y2 = F.dropout2d(tg.ones(N // 4, 4, 2, 2), p).numpy()
    assert np.all(y2.min((2, 3)) == y2.max((2, 3)))
    a = F.alpha_dropout(tg.randn(N), p, training=True).numpy()
    _z(a.mean(), 0, 2 / np.sqrt(N))
    _z(a.var(), 1, 3 / np.sqrt(N))


def test_dropout_edges():
    x = tg.tensor([1.0, -2.0])
    assert F.dropout(x, 0.0) is x and nn.Dropout(0.0)(x) is x
    assert np.array_equal(F.dropout(x, 1.0).numpy(), [0.0, 0.0])
    m = nn.Dropout(0.5)
    m.eval()
    assert m(x) is x and F.dropout(x, 0.5, training=False) is x
    for p in (-0.1, 1.1, np.nan):
        with pytest.raises(ValueError):
            F.dropout(x, p)


def test_rrelu_slopes_and_their_gradient():
    tg.manual_seed(15)
    x = tg.tensor(-np.ones(N), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    s = -y.detach().numpy()
    assert s.min() >= 0.1 and s.max() <= 0.3
    _z(s.mean(), 0.2, 0.2 / np.sqrt(12 * N))
    assert np.array_equal(np.asarray(x.grad), s)
    e = F.rrelu(tg.tensor([-1.0, 2.0]), 0.1, 0.3, training=False).numpy()
    assert np.allclose(e, [-0.2, 2.0], rtol=1e-15)


# ---- reproducibility and generators ---------------------------------------------------------
def test_seeds_generators_and_states():
    tg.manual_seed(3)
    a = tg.randn(5).numpy()
    g = tg.Generator().manual_seed(3)
    tg.manual_seed(3)
    assert np.array_equal(tg.randn(5, generator=g).numpy(), a)
    assert np.array_equal(tg.randn(5).numpy(), a)  # g's draws left the default one alone
    s = tg.get_rng_state()
    m = nn.Dropout(0.5)
    m1 = m(tg.ones(16)).numpy()
    tg.set_rng_state(s)
    assert np.array_equal(m(tg.ones(16)).numpy(), m1)
    tg.manual_seed(7)
    d1 = F.dropout(tg.ones(16), 0.5).numpy()
    tg.manual_seed(7)
    assert np.array_equal(m(tg.ones(16)).numpy(), d1)


def test_jitted_dropout_draws_afresh_and_equals_eager():
    W = tg.Tensor(np.ones((4, 6)), requires_grad=True)
    X = np.ones((3, 4))
    drop = nn.Dropout(0.5)

    def body(X):
        out = F.dropout1d(drop(tg.Tensor(X) @ W).reshape(3, 2, 3), 0.5).reshape(3, 6)
        out.sum().backward()
        return out.detach()

    tg.manual_seed(1)
    eager = []
    for _ in range(5):
        W.grad = None
        eager.append((body(X).numpy().copy(), np.asarray(W.grad).copy()))
    step = jit(body)
    tg.manual_seed(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for e_out, e_grad in eager:
            W.grad = None
            out = step(X).numpy()
            assert np.array_equal(out, e_out) and np.array_equal(np.asarray(W.grad), e_grad)
    assert len({o.tobytes() for o, _ in eager}) == 5


def test_random_fills_a_uint64_tensor_over_its_whole_range():
    # (drawn in int64: "Tensor.random_: high is out of bounds for int64")
    tg.manual_seed(16)
    r = tg.zeros(2000, dtype=np.uint64).random_().numpy()
    assert r.dtype == np.uint64 and (r >= 2 ** 63).any() and (r < 2 ** 63).any()
    r = tg.zeros(200, dtype=np.uint64).random_(2 ** 64 - 3, 2 ** 64).numpy()
    assert set(r.tolist()) <= {2 ** 64 - 3, 2 ** 64 - 2, 2 ** 64 - 1}
    i8 = tg.zeros(N, dtype=tg.int8).random_().numpy()
    assert i8.min() == 0 and i8.max() == 127


def test_poisson_of_a_huge_rate_names_poisson():
    # (torch 2.13 gives -9.2e18; here NumPy's words, under the name of the Draw op)
    with pytest.raises(ValueError, match=r"^poisson: a rate of 1e\+30"):
        tg.poisson(tg.tensor([1e30, 1.0]))
    assert tg.poisson(tg.tensor([1e18])).numpy()[0] > 0


# ---- copies of modules that draw ------------------------------------------------------------
def _masks(mod, n=3):
    return [mod(tg.ones(64)).numpy().copy() for _ in range(n)]


@pytest.mark.parametrize("make", [lambda: nn.Dropout(0.5), lambda: nn.RReLU(0.1, 0.3),
                                  lambda: nn.AlphaDropout(0.5)])
def test_a_copied_module_draws_from_the_default_generator_as_torchs(make):
    # (a deep copy or an unpickled module held a private copy of the default stream:
    # manual_seed no longer reached it, and clones drew the same masks as each other)
    import copy
    import pickle
    m = make()
    x = -tg.ones(64)
    for twin in (copy.deepcopy(m), pickle.loads(pickle.dumps(m)), copy.copy(m)):
        tg.manual_seed(5)
        a = [m(x).numpy().copy() for _ in range(2)]
        tg.manual_seed(5)
        b = [twin(x).numpy().copy() for _ in range(2)]
        assert all(np.array_equal(u, v) for u, v in zip(a, b))
    clones = [copy.deepcopy(m) for _ in range(2)]
    assert not np.array_equal(clones[0](x).numpy(), clones[1](x).numpy())
    tdrop = torch.nn.Dropout(0.5)
    tcopy = copy.deepcopy(tdrop)
    torch.manual_seed(5)
    ta = tdrop(torch.ones(64))
    torch.manual_seed(5)
    assert torch.equal(ta, tcopy(torch.ones(64)))


def test_a_copied_generator_is_a_new_one_at_the_same_state():
    import copy
    import pickle
    tg.manual_seed(4)
    for g in (tg.default_generator, tg.Generator().manual_seed(9)):
        for dup in (copy.deepcopy, lambda g: pickle.loads(pickle.dumps(g))):
            h = dup(g)
            assert h is not g and h.rng is not g.rng and h.initial_seed() == g.initial_seed()
            assert np.array_equal(tg.rand(4, generator=h).numpy(),
                                  tg.rand(4, generator=g).numpy())
            h.manual_seed(123)  # (reseeding the copy leaves the original alone)
            assert g.initial_seed() != 123


def test_multinomial_draws_a_weight_too_small_beside_the_others_last():
    # (1e-30 beside 1e300 is a probability of 0, but a nonzero weight: torch draws it once
    # 1e300 is drawn; it was refused, NumPy's "Fewer non-zero entries in p" named here)
    assert tg.multinomial(tg.tensor([1e300, 1e-30]), 2).tolist() == [0, 1]
    with pytest.raises(ValueError, match="^multinomial: 2 samples without replacement"):
        tg.multinomial(tg.tensor([1e300, 0.0]), 2)
    assert tg.multinomial(tg.tensor([1e300, 1e-30]), 2, replacement=True).shape == (2,)


def test_the_default_streams_children_are_streams_of_their_own():
    import copy
    child = tg.default_generator.rng.spawn(1)[0]
    assert type(child) is np.random.Generator
    assert copy.deepcopy(child) is not child and child is not tg.default_generator.rng


def test_a_layer_copied_with_its_generator_follows_the_copy():
    import copy
    import pickle
    g = tg.Generator().manual_seed(1)
    bundle = (nn.Dropout(0.5, rng=g), g)
    for dup in (copy.deepcopy, lambda b: pickle.loads(pickle.dumps(b))):
        drop, h = dup(bundle)
        h.manual_seed(8)
        a = drop(tg.ones(32)).numpy()
        h.manual_seed(8)
        assert np.array_equal(drop(tg.ones(32)).numpy(), a)
