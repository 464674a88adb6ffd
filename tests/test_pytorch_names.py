"""PyTorch names where users reach for them (issue 13, item 9): Linear.weight/.bias,
nn.CrossEntropyLoss, SGD(weight_decay=) and param_groups."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import functional as F
from tinygrad_dl.models import TwoLayer
from tinygrad_dl.nn import CrossEntropyLoss, Linear
from tinygrad_dl.optim import SGD, AdaGrad, Adam


def param(values, grad=None):
    p = Tensor(np.array(values, dtype=np.float64), requires_grad=True)
    p.grad = None if grad is None else np.array(grad, dtype=np.float64)
    return p


# ---- Linear.weight / .bias ---------------------------------------------------------------
def test_linear_weight_and_bias_are_the_same_tensors_as_W_and_b():
    lin = Linear(4, 3, rng=np.random.default_rng(0))
    assert lin.weight is lin.W and lin.bias is lin.b
    assert [n for n, _ in lin.named_parameters()] == ["W", "b"]  # listed once
    assert sorted(lin.state_dict()) == ["W", "b"]
    # PyTorch's layout and the course's W (K x d): (out_features, in_features)
    assert lin.weight.shape == (3, 4)


def test_assigning_weight_replaces_W_without_a_duplicate_parameter():
    lin = Linear(2, 2, rng=np.random.default_rng(0))
    new = Tensor(np.eye(2), requires_grad=True)
    lin.weight = new
    assert lin.W is new and lin.weight is new
    assert [n for n, _ in lin.named_parameters()] == ["W", "b"]
    lin.bias = None
    assert lin.b is None and [n for n, _ in lin.named_parameters()] == ["W"]
    out = lin(Tensor(np.array([[1.0, 2.0]])))
    np.testing.assert_array_equal(out.data, [[1.0, 2.0]])


def test_linear_without_bias_has_bias_none():
    assert Linear(2, 2, bias=False, rng=np.random.default_rng(0)).bias is None


# ---- CrossEntropyLoss --------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_loss_module_equals_functional(reduction):
    rng = np.random.default_rng(1)
    z = rng.standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    a, b = Tensor(z, requires_grad=True), Tensor(z, requires_grad=True)
    la = CrossEntropyLoss(reduction)(a, y)
    lb = F.cross_entropy(b, y, reduction=reduction)
    np.testing.assert_array_equal(la.data, lb.data)
    la.sum().backward()
    lb.sum().backward()
    np.testing.assert_array_equal(a.grad, b.grad)


def test_cross_entropy_loss_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="CrossEntropyLoss: reduction must be one of"):
        CrossEntropyLoss("average")


# ---- SGD weight_decay and param_groups ---------------------------------------------------
def test_sgd_weight_decay_adds_wd_times_theta():
    p = param([1.0, -2.0], [0.5, 0.5])
    SGD([p], lr=0.1, weight_decay=0.2).step()  # g = [0.5 + 0.2, 0.5 - 0.4]
    np.testing.assert_allclose(p.data, [1.0 - 0.07, -2.0 - 0.01])


def test_sgd_weight_decay_2lam_equals_the_course_l2_term_in_the_loss():
    """The course: J = CE + lam * sum ||W||^2 (weights only). PyTorch habit: loss = CE and
    SGD(weight_decay=2 lam) on the weights, 0 on the biases. One step gives the same weights."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 6)), rng.integers(0, 3, 8)
    lam, lr = 0.05, 0.1
    course = TwoLayer(6, 5, 3, lam=lam, rng=np.random.default_rng(2))
    habit = TwoLayer(6, 5, 3, lam=0.0, rng=np.random.default_rng(2))
    course.loss(X, y).backward()
    SGD(course.parameters(), lr=lr).step()
    habit.loss(X, y).backward()
    named = habit.named_parameters()
    weights = [p for n, p in named if n.endswith(".W")]
    others = [p for n, p in named if not n.endswith(".W")]
    SGD([{"params": weights, "weight_decay": 2 * lam}, {"params": others}], lr=lr).step()
    assert lam > 0 and len(weights) == 2 and len(others) == 2
    for (n, a), (_, b) in zip(course.named_parameters(), named):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-15, err_msg=n)


def test_param_groups_have_their_own_lr_and_defaults():
    a, b = param([1.0], [1.0]), param([1.0], [1.0])
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[0]["params"] == [a] and opt.param_groups[1]["momentum"] == 0.0
    opt.step()
    np.testing.assert_allclose([a.data[0], b.data[0]], [0.9, 0.5])
    opt.param_groups[1]["lr"] = 0.0  # users (and schedules) change a group between steps
    opt.step()
    np.testing.assert_allclose([a.data[0], b.data[0]], [0.8, 0.5])
    opt.lr = 0.2  # what the training loop's schedule does: every group
    assert [g["lr"] for g in opt.param_groups] == [0.2, 0.2] and opt.lr == 0.2


def test_plain_param_list_is_one_group():
    a = param([1.0])
    opt = Adam([a], lr=0.01)
    assert len(opt.param_groups) == 1 and opt.param_groups[0]["params"] == [a]
    assert opt.param_groups[0]["beta1"] == 0.9 and opt.params == [a]


def test_param_groups_survive_state_dict_round_trip():
    a, b = param([1.0], [1.0]), param([2.0], [1.0])
    opt = AdaGrad([{"params": [a], "lr": 0.3}, {"params": [b]}], lr=0.1)
    opt.step()
    sd = opt.state_dict()
    other = AdaGrad([{"params": [a]}, {"params": [b]}], lr=1.0)
    other.load_state_dict(sd)
    assert [g["lr"] for g in other.param_groups] == [0.3, 0.1]
    np.testing.assert_array_equal(other.state[0]["m"], opt.state[0]["m"])


@pytest.mark.parametrize(
    "groups, match",
    [
        ([{"params": []}, {"lr": 0.1}], "needs a 'params' entry"),
        ([{"params": [0]}], "parameters must be Tensors"),
        ([{"params": ["P"], "amsgrad": True}],
         r"unknown parameter-group option\(s\) \['amsgrad'\]"),
        ([{"params": ["P"]}, {"params": ["P"]}], "more than one group"),
        ([{"params": ["P"], "weight_decay": -1.0}], "weight_decay must be a finite number >= 0"),
        ([{"params": ["P"], "lr": -1.0}], "learning rate must be a finite number >= 0"),
    ],
)
def test_bad_param_groups_are_clear_errors(groups, match):
    p = param([1.0])
    groups = [{k: ([p if x == "P" else x for x in v] if k == "params" else v)
               for k, v in g.items()} for g in groups]
    with pytest.raises((ValueError, TypeError), match=match):
        SGD(groups, lr=0.1)


def test_contiguous_is_the_tensor_itself_and_an_rnn_style_view_after_it_is_right() -> None:
    # PyTorch's `out.transpose(0, 1).contiguous().view(-1, H)`: before, AttributeError
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    t = x.transpose(1, 0, 2)
    assert t.contiguous() is not t and x.contiguous() is x  # (a copy of x's transpose, as torch)
    flat = t.contiguous().view(-1, 4)
    np.testing.assert_array_equal(flat.data, np.transpose(x.data, (1, 0, 2)).reshape(-1, 4))
    (flat * Tensor(np.arange(24.0).reshape(6, 4))).sum().backward()
    np.testing.assert_array_equal(
        x.grad, np.transpose(np.arange(24.0).reshape(3, 2, 4), (1, 0, 2)))


def test_the_nan_check_habit_works_and_records_nothing() -> None:
    # `if torch.isnan(loss).any():` and `x.isfinite().all(dim=1)`: before, AttributeError
    # (and np.any(t) a ufunc TypeError)
    w = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    with np.errstate(invalid="ignore"):
        loss = w.log().sum()  # log(-1): NaN
    assert bool(tg.isnan(loss).any()) and bool(loss.isnan().any())
    assert not bool(loss.isfinite().all()) and not bool(np.any(w.isinf()))
    x = Tensor(np.array([[1.0, np.inf], [0.0, 2.0]]), requires_grad=True)
    rows = x.isfinite().all(dim=1, keepdim=True)
    np.testing.assert_array_equal(rows.data, [[False], [True]])
    assert not rows.requires_grad and rows._ctx is None
    np.testing.assert_array_equal(np.all(x.isfinite(), axis=0).data, [True, False])


def test_torchs_split_chunk_unbind_index_select_masked_fill_expand_as() -> None:
    # before: AttributeError for each; the values are torch's (checked against it below)
    a = np.arange(12.0).reshape(3, 4)
    x = Tensor(a, requires_grad=True)
    assert [p.shape for p in x.split(3, dim=1)] == [(3, 3), (3, 1)]  # pieces of size 3
    assert [p.shape for p in tg.split(x, 2, axis=1)] == [(3, 2), (3, 2)]  # np.split: 2 sections
    assert [p.shape for p in x.chunk(4, dim=1)] == [(3, 1)] * 4
    assert [p.shape for p in Tensor(np.arange(6.0)).chunk(4)] == [(2,), (2,), (2,)]  # torch's 3
    assert [p.shape for p in x.unbind(1)] == [(3,)] * 4
    np.testing.assert_array_equal(x.index_select(1, np.array([3, 0, 3])).data,
                                  np.take(a, [3, 0, 3], axis=1))
    np.testing.assert_array_equal(x.masked_fill(a > 5, -1.0).data, np.where(a > 5, -1.0, a))
    assert Tensor(np.ones((1, 4))).expand_as(x).shape == (3, 4)
    (x.index_select(1, np.array([3, 0, 3])).sum() + x.masked_fill(a > 5, 0.0).sum()).backward()
    np.testing.assert_array_equal(x.grad, (np.array([1, 0, 0, 2]) + (a <= 5)).astype(float))


def test_the_same_calls_in_torch_give_the_same_numbers_and_gradients() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((3, 5))
    m = a > 0.2
    calls = [
        (lambda t: t.split([2, 3], 1), lambda t: t.split([2, 3], 1)),
        (lambda t: t.chunk(2, 1), lambda t: t.chunk(2, 1)),
        (lambda t: t.unbind(0), lambda t: t.unbind(0)),
        (lambda t: [t.index_select(1, np.array([4, 4, 1]))],
         lambda t: [t.index_select(1, torch.tensor([4, 4, 1]))]),
        (lambda t: [t.masked_fill(m, 1.5)], lambda t: [t.masked_fill(torch.tensor(m), 1.5)]),
    ]
    for ours, theirs in calls:
        x, xt = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        po, pt = ours(x), theirs(xt)
        assert len(po) == len(pt)
        for u, v in zip(po, pt):
            np.testing.assert_array_equal(u.data, v.detach().numpy())
        sum((u * (i + 1.0)).sum() for i, u in enumerate(po)).backward()
        sum((v * (i + 1.0)).sum() for i, v in enumerate(pt)).backward()
        np.testing.assert_array_equal(x.grad, xt.grad.numpy())


def test_index_select_refuses_an_index_outside_the_axis_replayed_too() -> None:
    # before: -1 read the last column without a word (torch raises: index out of range)
    from tinygrad_dl.jit import jit
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for bad in (np.array([0, -1]), np.array([3])):
        with pytest.raises(ValueError, match=r"index_select: indices must lie in \[0, 3\)"):
            x.index_select(1, bad)

    @jit
    def step(i):
        x.index_select(1, i).sum().backward()

    for _ in range(3):
        x.grad = None
        step(np.array([2, 0]))
    assert step.replays >= 1
    x.grad = None
    with pytest.raises(ValueError, match="indices must lie in"):
        step(np.array([2, -1]))
