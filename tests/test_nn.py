"""The building blocks in tinygrad_dl.nn: Module bookkeeping, Linear, BatchNorm1d, Dropout,
ReLU, Sequential (and functional.sum_of_squares, the L2 penalty)."""

import numpy as np
import pytest

from tinygrad_dl import Tensor, no_grad
from tinygrad_dl.functional import sum_of_squares
from tinygrad_dl.gradcheck import gradcheck, numerical_grad, relative_error
from tinygrad_dl.nn import (
    BatchNorm1d,
    Dropout,
    Linear,
    Module,
    ReLU,
    Sequential,
    init_std,
)


class Net(Module):
    def __init__(self, rng):
        super().__init__()
        self.layers = Sequential(Linear(4, 3, rng=rng), BatchNorm1d(3), ReLU(), Dropout(0.5, rng))
        self.head = Linear(3, 2, rng=rng)

    def forward(self, x):
        return self.head(self.layers(x))


def net():
    return Net(np.random.default_rng(0))


def all_scopes(t):
    """Scopes of every op in the graph of t."""
    seen, stack, out = set(), [t], []
    while stack:
        node = stack.pop()
        ctx = node._ctx
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        out.append(ctx.scope)
        stack.extend(ctx.parents)
    return out


# ---- Module ------------------------------------------------------------------------------
def test_named_parameters_are_qualified_and_name_parameters_sets_names():
    m = net()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["layers.0.W", "layers.0.b", "layers.1.gamma", "layers.1.beta",
                     "head.W", "head.b"]
    assert not any(p.name == n for n, p in m.named_parameters())  # listing renames nothing
    assert m.name_parameters() is m
    for n, p in m.named_parameters():
        assert p.name == n and p.requires_grad
    assert len(m.parameters()) == 6
    assert m.num_parameters() == 4 * 3 + 3 + 3 + 3 + 3 * 2 + 2


def test_buffers_and_state_dict_keys():
    m = net()
    assert [n for n, _ in m.named_buffers()] == [
        "layers.1.running_mean", "layers.1.running_var", "layers.1.num_batches_tracked"]
    sd = m.state_dict()
    assert set(sd) == {n for n, _ in m.named_parameters()} | {n for n, _ in m.named_buffers()}
    # copies, not views
    sd["head.W"][...] = 7.0
    assert not np.any(m.head.W.data == 7.0)


def test_state_dict_round_trip_in_place():
    a, b = net(), Net(np.random.default_rng(1))
    a(Tensor(np.random.default_rng(2).standard_normal((5, 4))))  # moves BN running stats
    W_obj = b.head.W
    missing, unexpected = b.load_state_dict(a.state_dict())
    assert missing == [] and unexpected == []
    assert b.head.W is W_obj  # loaded in place: optimizers keep their references
    for (na, x), (nb, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert na == nb and np.array_equal(x, y)
    assert int(b.layers[1].num_batches_tracked) == 1


def test_load_state_dict_errors_name_the_keys():
    m = net()
    sd = m.state_dict()
    del sd["head.b"]
    sd["extra"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"missing keys \['head.b'\].*unexpected keys \['extra'\]"):
        m.load_state_dict(sd)
    missing, unexpected = m.load_state_dict(sd, strict=False)
    assert missing == ["head.b"] and unexpected == ["extra"]
    sd = m.state_dict()
    sd["head.W"] = np.zeros((3, 2))  # the (in, out) layout of before: the error says so
    with pytest.raises(ValueError, match=r"'head.W' has shape \(3, 2\).*\(2, 3\).*\.T"):
        m.load_state_dict(sd)
    sd["head.W"] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"'head.W' has shape \(2, 4\) in the state dict but "
                       r"\(2, 3\) in the model$"):
        m.load_state_dict(sd)


def test_zero_grad_and_train_eval_propagate():
    m = net()
    x = Tensor(np.random.default_rng(3).standard_normal((6, 4)))
    m(x).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())


def test_zero_grad_set_to_none_false_zeroes_and_the_next_backward_is_fresh():
    """PyTorch's zero_grad(set_to_none=False): every gradient becomes zeros of its shape and
    dtype (not None, not left as it was), so the next backward gives that batch's gradient
    alone, not the sum with the previous one."""
    m = net()
    m.eval()  # no dropout draws: the same input gives the same gradient twice
    x = Tensor(np.random.default_rng(3).standard_normal((6, 4)))
    m(x).sum().backward()
    first = {n: p.grad.copy() for n, p in m.named_parameters()}
    assert any(np.abs(g).max() > 0 for g in first.values())
    m.zero_grad(set_to_none=False)
    for n, p in m.named_parameters():
        assert p.grad is not None and p.grad.shape == first[n].shape
        assert p.grad.dtype == first[n].dtype and not p.grad.any(), n
    m(x).sum().backward()
    for n, p in m.named_parameters():
        np.testing.assert_array_equal(p.grad, first[n], err_msg=n)
    fresh = Linear(2, 2, rng=np.random.default_rng(0))  # no gradient yet: stays None
    fresh.zero_grad(set_to_none=False)
    assert fresh.W.grad is None and fresh.b.grad is None


def test_call_runs_forward_in_a_scope_per_module():
    m = net()
    out = m(Tensor(np.ones((3, 4))))
    scopes = set(all_scopes(out))
    assert {"Net/layers.0", "Net/layers.1", "Net/layers.2", "Net/layers.3", "Net/head"} <= scopes
    lin = Linear(2, 2, rng=np.random.default_rng(0))
    assert set(all_scopes(lin(Tensor(np.ones((1, 2)))))) == {"Linear"}
    seq = Sequential(ReLU())
    assert set(all_scopes(seq(Tensor(np.ones(2), requires_grad=True)))) == {"Sequential/0"}


def test_module_without_super_init_fails_clearly():
    class Bad(Module):
        def __init__(self):
            self.W = Tensor(np.ones(2), requires_grad=True)

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_reassigning_attributes_updates_registries():
    m = net()
    m.head = ReLU()  # a module replaces the parameters' owner
    assert [n for n, _ in m.named_parameters() if n.startswith("head")] == []
    bn = m.layers[1]
    bn.running_mean = np.full(3, 2.0)  # an array assigned to a buffer stays a buffer
    assert np.array_equal(dict(m.named_buffers())["layers.1.running_mean"], np.full(3, 2.0))
    assert "Linear(in_features=4, out_features=3" in repr(m)


# ---- Linear ------------------------------------------------------------------------------
def test_linear_forward_and_shapes():
    rng = np.random.default_rng(0)
    lin = Linear(5, 3, rng=rng)
    assert lin.W.shape == (3, 5) and lin.b.shape == (3,)  # (out, in): PyTorch's, the course's
    lin.b.data[:] = [1.0, 2.0, 3.0]
    X = rng.standard_normal((4, 5))
    np.testing.assert_allclose(lin(Tensor(X)).data, X @ lin.W.data.T + lin.b.data)
    nob = Linear(5, 3, bias=False, rng=rng)
    assert nob.b is None and [n for n, _ in nob.named_parameters()] == ["W"]


@pytest.mark.parametrize("init,expected", [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(1 / 400)),
                                            ("gaussian", 0.05)])
def test_linear_init_std(init, expected):
    W = Linear(400, 300, init=init, std=0.05, rng=np.random.default_rng(1)).W.data
    assert abs(W.std() / expected - 1) < 0.02  # 120000 draws: the sample std is within ~0.4%
    assert abs(W.mean()) < 0.01 * expected


def test_linear_dtype_and_unknown_init():
    lin = Linear(3, 2, dtype=np.float32, rng=np.random.default_rng(0))
    assert lin.W.dtype == np.float32 and lin.b.dtype == np.float32
    assert lin(Tensor(np.ones((2, 3), dtype=np.float32))).dtype == np.float32
    with pytest.raises(ValueError, match="unknown init 'lecun'"):
        Linear(3, 2, init="lecun")
    assert init_std("he", 8) == 0.5


def test_linear_gradcheck():
    rng = np.random.default_rng(4)
    lin = Linear(4, 3, rng=rng)
    lin.b.data[:] = rng.standard_normal(3)

    def f(x, W, b):
        lin.W, lin.b = W, b
        return lin(x)

    rep = gradcheck(f, [Tensor(rng.standard_normal((5, 4)), requires_grad=True), lin.W, lin.b])
    assert rep.passed, str(rep)


# ---- BatchNorm1d -------------------------------------------------------------------------
def test_batchnorm_train_normalizes_with_biased_variance():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 3)) * [1.0, 5.0, 0.1] + [0.0, 3.0, -2.0]
    bn = BatchNorm1d(3)
    out = bn(Tensor(X)).data
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(0), X.var(0) / (X.var(0) + bn.eps), rtol=1e-12)
    bn.gamma.data[:] = [2.0, 1.0, 0.5]
    bn.beta.data[:] = [1.0, -1.0, 0.0]
    expected = (X - X.mean(0)) / np.sqrt(X.var(0) + bn.eps) * bn.gamma.data + bn.beta.data
    np.testing.assert_allclose(bn(Tensor(X)).data, expected, rtol=1e-12)


def test_batchnorm_running_averages_and_eval():
    rng = np.random.default_rng(1)
    bn = BatchNorm1d(2, alpha=0.9)
    X1, X2 = rng.standard_normal((6, 2)), rng.standard_normal((6, 2)) + 4
    bn(Tensor(X1))  # the first batch sets the averages
    np.testing.assert_allclose(bn.running_mean, X1.mean(0))
    np.testing.assert_allclose(bn.running_var, X1.var(0))
    bn(Tensor(X2))
    np.testing.assert_allclose(bn.running_mean, 0.9 * X1.mean(0) + 0.1 * X2.mean(0))
    np.testing.assert_allclose(bn.running_var, 0.9 * X1.var(0) + 0.1 * X2.var(0))
    bn.eval()
    Xe = rng.standard_normal((3, 2))
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    out = bn(Tensor(Xe)).data
    np.testing.assert_allclose(out, (Xe - mean) / np.sqrt(var + bn.eps), rtol=1e-12)
    assert np.array_equal(bn.running_mean, mean)  # eval leaves the averages alone
    # a single sample in eval mode is fine (no batch statistics needed)
    assert bn(Tensor(Xe[:1])).shape == (1, 2)
    with pytest.raises(ValueError, match="alpha"):
        BatchNorm1d(2, alpha=1.0)
    with pytest.raises(ValueError, match=r"expected input \(n, 2\)"):
        bn(Tensor(np.ones((3, 5))))


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradcheck(training):
    rng = np.random.default_rng(2)
    bn = BatchNorm1d(3)
    bn.gamma.data[:] = rng.standard_normal(3)
    bn.beta.data[:] = rng.standard_normal(3)
    bn.running_mean[:] = rng.standard_normal(3)
    bn.running_var[:] = rng.uniform(0.5, 2, 3)
    bn.num_batches_tracked[...] = 5
    bn.train(training)
    x = Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    w = rng.standard_normal((5, 3))
    rep = gradcheck(lambda t: bn(t) * w, [x])  # through the batch statistics too
    assert rep.passed, str(rep)
    for p in (bn.gamma, bn.beta):
        p.grad = None
        (bn(x) * w).sum().backward()
        num = numerical_grad(lambda _: (bn(x).data * w).sum(), p.data)
        assert relative_error(p.grad, num).max() < 1e-7


# ---- Dropout -----------------------------------------------------------------------------
def test_dropout_train_masks_and_scales():
    d = Dropout(0.25, rng=np.random.default_rng(0))
    x = Tensor(np.ones((200, 50)))
    out = d(x).data
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    assert abs((out == 0).mean() - 0.25) < 0.02
    assert np.array_equal(out, d.mask)  # the last mask is kept, scaled
    assert abs(out.mean() - 1) < 0.03  # inverted dropout keeps the expectation


def test_dropout_eval_and_p0_are_identity():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    d = Dropout(0.5, rng=np.random.default_rng(0)).eval()
    assert d(x) is x
    assert Dropout(0.0)(x) is x
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        Dropout(1.5)
    np.testing.assert_array_equal(Dropout(1.0)(x).data, np.zeros((2, 3)))  # torch's p = 1


def test_dropout_fixed_mask_and_gradient():
    d = Dropout(0.5, rng=np.random.default_rng(0))
    keep = np.array([[True, False, True], [False, True, True]])
    d.fix_mask(keep)
    x = Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    out = d(x)
    np.testing.assert_array_equal(out.data, x.data * keep * 2)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, keep * 2.0)
    with pytest.raises(ValueError, match="fixed mask has shape"):
        d(Tensor(np.ones((3, 3))))
    d.fix_mask(None)
    masks = {d(Tensor(np.ones((4, 8)))).data.tobytes() for _ in range(5)}
    assert len(masks) > 1  # random again


def test_dropout_deterministic_under_rng():
    a = Dropout(0.5, rng=np.random.default_rng(7))(Tensor(np.ones((5, 5)))).data
    b = Dropout(0.5, rng=np.random.default_rng(7))(Tensor(np.ones((5, 5)))).data
    assert np.array_equal(a, b)


# ---- ReLU, Sequential, sum_of_squares ----------------------------------------------------
def test_relu_and_sequential():
    seq = Sequential(Linear(3, 4, rng=np.random.default_rng(0)), ReLU())
    assert len(seq) == 2 and isinstance(seq[1], ReLU) and list(seq)[0] is seq[0]
    x = np.random.default_rng(1).standard_normal((5, 3))
    np.testing.assert_allclose(seq(Tensor(x)).data,
                               np.maximum(x @ seq[0].W.data.T + seq[0].b.data, 0))
    assert [n for n, _ in seq.named_parameters()] == ["0.W", "0.b"]
    with no_grad():
        assert not seq(Tensor(x)).requires_grad


def test_sum_of_squares():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    assert np.isclose(sum_of_squares(Tensor(x)).item(), (x**2).sum(), rtol=1e-14)
    rep = gradcheck(sum_of_squares, [Tensor(x, requires_grad=True)])
    assert rep.passed, str(rep)


def test_sum_of_squares_of_several_tensors_is_one_node():
    rng = np.random.default_rng(1)
    a, b = (Tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 2), (4,)])
    out = sum_of_squares(a, b)
    assert out._ctx.parents == (a, b)
    assert np.isclose(out.item(), (a.data**2).sum() + (b.data**2).sum(), rtol=1e-14)
    out.backward()
    np.testing.assert_allclose(a.grad, 2 * a.data)
    np.testing.assert_allclose(b.grad, 2 * b.data)
    with pytest.raises(ValueError, match="at least one"):
        sum_of_squares()
