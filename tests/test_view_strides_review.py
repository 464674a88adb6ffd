"""Review of Tensor.view's layouts: where torch's view refuses a layout its strides cannot
express, ours returned a copy without a word (writes into the "view" missed x): now a
warning says so (not torch's error: some of our ops lay a result out otherwise than torch,
and `F.relu(conv(x)).view(N, -1)` must not break for that: conv2d's result is channel-major,
for its pooling's fast path). conv3d, conv_transpose3d, interpolate and BatchNorm2d return
C-contiguous results, as torch's, so `.view(N, -1)` after them is a view, with no warning."""

import random
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.functional as F
from tinygrad_dl import Tensor
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")

MSG = r"cannot be viewed as that size \(torch raises for this layout\); returned a copy"


def test_view_of_a_layout_torch_refuses_warns_that_it_is_a_copy():
    x = Tensor(np.arange(4.0).reshape(2, 2))
    with pytest.warns(RuntimeWarning, match=r"view\(4,\): a tensor of size \(2, 2\) and "
                      r"stride \(1, 2\) cannot be viewed.*writes do not reach.*reshape"):
        v = x.T.view(4)
    np.testing.assert_array_equal(v.data, [0.0, 2.0, 1.0, 3.0])  # (the values: reshape's)
    with pytest.warns(RuntimeWarning, match=MSG):
        Tensor(np.arange(15.0).reshape(3, 5))[:, ::2].view(-1)  # (torch's raises too)
    with pytest.warns(RuntimeWarning, match=MSG):
        x.T.view_as(Tensor(np.zeros(4)))


def test_view_is_the_same_memory_both_ways():
    x = Tensor(np.arange(12.0).reshape(3, 4))
    v = x[:, 1:3].view(3, 2, 1)  # a layout torch views
    assert np.shares_memory(v.data, x.data)
    v[0] = 5.0
    assert x.data[0, 1] == 5.0 and x.data[0, 2] == 5.0
    x.data[2, 2] = -1.0
    assert v.data[2, 1, 0] == -1.0


def _layout(rng):
    nd = rng.randint(0, 4)
    shape = [rng.choice([0, 1, 1, 2, 3, 4]) for _ in range(nd)]
    steps = [rng.choice([1, 1, 2, 3]) for _ in shape]
    t = torch.zeros([s * k for s, k in zip(shape, steps)], dtype=torch.float64)
    t = t[tuple(slice(None, None, k) for k in steps)] if nd else t
    if nd > 1 and rng.random() < 0.6:
        p = list(range(nd))
        rng.shuffle(p)
        t = t.permute(p)
    if nd and rng.random() < 0.3 and 1 in t.shape:
        sz = list(t.shape)
        sz[sz.index(1)] = rng.choice([0, 3])
        t = t.expand(sz)
    return t


def _new_shape(rng, n):
    if n == 0:
        s = [rng.choice([0, 1, 2]) for _ in range(rng.randint(1, 3))]
        s[0] = 0
        return s
    dims = [1] * rng.randint(1, 4)
    for p in (2, 3):
        while n % p == 0:
            dims[rng.randrange(len(dims))] *= p
            n //= p
    dims[0] *= n
    rng.shuffle(dims)
    return dims


def test_view_warns_exactly_where_torch_raises_on_random_layouts():
    rng = random.Random(0)
    views = raises = 0
    for _ in range(1500):
        t = _layout(rng)
        new = _new_shape(rng, t.numel())
        x = Tensor(t.numpy())  # the same memory and strides
        try:
            ref = t.view(new)
        except RuntimeError:
            ref = None
        if ref is None:
            raises += 1
            with pytest.warns(RuntimeWarning, match=MSG):
                out = x.view(*new)
            np.testing.assert_array_equal(out.data, t.reshape(new).numpy())
            continue
        views += 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a view: no warning
            out = x.view(*new)
        assert out.shape == tuple(ref.shape)
        if t.numel() and 0 not in t.stride():
            assert np.shares_memory(out.data, x.data)
    assert views > 300 and raises > 100


def test_view_grad_after_a_transpose_of_a_slice():
    a = np.random.default_rng(0).standard_normal((4, 6))
    x, xt = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x[:, 1:4].T.contiguous().view(-1) * Tensor(np.arange(12.0))).sum().backward()
    (xt[:, 1:4].T.contiguous().view(-1) * torch.arange(12.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12)


CASES = {"conv1d": ((2, 3, 9), (4, 3, 3)), "conv2d": ((2, 3, 7, 8), (4, 3, 3, 3)),
         "conv3d": ((2, 3, 4, 5, 6), (4, 3, 2, 3, 3)),
         "conv_transpose1d": ((2, 3, 9), (3, 4, 3)),
         "conv_transpose2d": ((2, 3, 7, 8), (3, 4, 3, 3)),
         "conv_transpose3d": ((2, 3, 4, 5, 6), (3, 4, 2, 3, 3)),
         "unfold": ((2, 3, 7, 8),), "fold": ((2, 27, 30),), "interpolate": ((2, 3, 7, 8),),
         "batch_norm2d": ((2, 3, 7, 8),)}
# (the 1-D and 2-D convolutions and unfold/fold keep their channel-major results: the
# pooling's fast path reads that layout, and a copy per layer cost 4-12% of a conv step)
CHANNEL_MAJOR = {"conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_view_after_an_op_is_a_view_where_our_result_is_contiguous_else_a_warned_copy(name):
    rng = np.random.default_rng(1)
    extra = {"unfold": (3,), "fold": ((7, 8), 3)}.get(name, ())
    kw = {"scale_factor": 2, "mode": "bilinear"} if name == "interpolate" else {}
    arrays = [rng.standard_normal(s) for s in CASES[name]]
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    if name == "batch_norm2d":  # (the module: its training output, eps as torch's)
        y = tg.nn.BatchNorm2d(3, eps=1e-5)(xs[0])
        yt = torch.nn.BatchNorm2d(3, dtype=torch.float64)(ts[0])
    else:
        y = getattr(F, name)(*xs, *extra, **kw)
        yt = getattr(torch.nn.functional, name)(*ts, *extra, **kw)
    assert yt.is_contiguous() and y.data.flags.c_contiguous is (name not in CHANNEL_MAJOR)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        r = F.relu(y)
        v, vt = r.view(2, -1), torch.relu(yt).view(2, -1)
    assert len(seen) == (name in CHANNEL_MAJOR), [str(w.message) for w in seen]
    assert np.shares_memory(v.data, r.data) is (name not in CHANNEL_MAJOR)
    np.testing.assert_allclose(v.data, vt.detach().numpy(), rtol=1e-12, atol=1e-12)
    (v * v).sum().backward()
    (vt * vt).sum().backward()
    for a, b in zip(xs, ts):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_jit_replay_warns_of_a_copying_view_as_eager():
    w = Tensor(np.ones(4), requires_grad=True)

    @jit
    def step(X):
        (Tensor(X).view(-1) * w).sum().backward()

    a = np.arange(4.0).reshape(2, 2)
    for _ in range(3):  # recorded twice, then replayed
        step(a)
        w.grad = None
    with pytest.warns(RuntimeWarning, match=MSG):
        step(a.T)
    np.testing.assert_array_equal(w.grad, a.T.reshape(-1))


def test_view_dtype_and_bad_sizes_keep_their_errors():
    x = Tensor(np.arange(4.0).reshape(2, 2))
    with pytest.raises(TypeError, match="reinterpreting"):
        x.view(np.float32)
    with pytest.raises(ValueError):
        x.T.view(3)
    assert tg.zeros(0, 3).T.view(0, 1, 3).shape == (0, 1, 3)
