"""PyTorch's spellings outside nn (issue 21): autograd.Function with ctx, optimizers and
lr_scheduler (against torch where installed), DataLoader/TensorDataset, devices, the seeded
default generator, Tensor's size/view/t/clone/numel/dim/requires_grad_/grad_fn, save/load."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn, optim
from tinygrad_dl.autograd import Function
from tinygrad_dl.gradcheck import gradcheck
from tinygrad_dl.optim import lr_scheduler
from tinygrad_dl.utils.data import DataLoader, Dataset, TensorDataset


def _torch():  # torch is an optional oracle: tests that need it skip without it
    return pytest.importorskip("torch")


# ---- autograd.Function, PyTorch's style ----------------------------------------------------------
class LegendreP3(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x**3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x**2 - 1)


class ScaledMul(Function):
    """Two tensor inputs and a number between them: backward returns None for the number."""

    @staticmethod
    def forward(ctx, a, k, b):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return k * a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * ctx.k * b if ctx.needs_input_grad[0] else None, None,
                g * ctx.k * a if ctx.needs_input_grad[2] else None)


def test_ctx_function_gradients_by_finite_differences():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal(5), requires_grad=True)
    assert gradcheck(lambda x: LegendreP3.apply(x), [x]).passed
    a = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(2), requires_grad=True)  # broadcast: gradient summed down?
    rep = gradcheck(lambda a, b: ScaledMul.apply(a, 2.5, b.broadcast_to((3, 2))), [a, b])
    assert rep.passed, str(rep)


def test_ctx_function_records_one_op_named_after_the_class():
    x = Tensor(np.linspace(-1, 1, 4), requires_grad=True)
    y = LegendreP3.apply(x * 2)
    assert y.grad_fn.name == "LegendreP3" and y.grad_fn.next_functions[0][0].name == "Mul"
    y2 = LegendreP3.apply(Tensor(np.ones(2)))  # no input needs a gradient: nothing recorded
    assert y2.grad_fn is None and not y2.requires_grad
    with tg.no_grad():
        assert LegendreP3.apply(x).grad_fn is None


def test_ctx_function_misuse_is_one_clear_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 2 gradient.*took 1 argument"):
        Bad.apply(x).sum().backward()
    with pytest.raises(TypeError, match="apply"):
        Bad()
    with pytest.raises(TypeError, match="no Tensor"):
        Bad.apply(3.0)

    class Old(Function):
        def forward(self, x):  # the legacy, non-static style
            return x

    with pytest.raises(TypeError, match="staticmethod"):
        Old.apply(x)


def test_ctx_function_matches_torch():
    torch = _torch()

    class TP3(torch.autograd.Function):
        forward = LegendreP3.forward
        backward = LegendreP3.backward

    x = np.linspace(-2, 2, 7)
    a, t = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    LegendreP3.apply(a).sum().backward()
    TP3.apply(t).sum().backward()
    np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-15)


def test_engine_style_function_still_works():
    class Double(tg.Function):
        def forward(ctx, x):
            return 2 * x

        def backward(ctx, g):
            return 2 * g

    x = Tensor(np.ones(2), requires_grad=True)
    Double.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


# ---- optimizers and schedulers against torch -----------------------------------------------------
def _run(make_opt, make_sched, lib, steps=12):
    """A quadratic's parameters after `steps` updates, with a scheduler stepped each update."""
    x0 = np.array([[1.0, -2.0], [0.5, 3.0]])
    if lib == "tg":
        p = Tensor(x0.copy(), requires_grad=True)
        opt = make_opt(optim, [p])
    else:
        torch = _torch()
        p = torch.tensor(x0.copy(), requires_grad=True)
        opt = make_opt(torch.optim, [p])
    sched = make_sched(lib, opt) if make_sched else None
    lrs = []
    for i in range(steps):
        opt.zero_grad()
        loss = ((p * p * p).sum() if lib == "tg" else (p ** 3).sum()) + (p * (i + 1.0)).sum()
        loss.backward()
        opt.step()
        if sched:
            lrs.append(sched.get_last_lr()[0])
            sched.step()
    return (p.data if lib == "tg" else p.detach().numpy()), lrs


OPTIMIZERS = {
    "rmsprop": lambda m, ps: m.RMSprop(ps, lr=0.01),
    "rmsprop_full": lambda m, ps: m.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5, centered=True,
                                            weight_decay=0.1),
    "adam_betas": lambda m, ps: m.Adam(ps, lr=0.05, betas=(0.8, 0.99), weight_decay=0.01),
    "sgd": lambda m, ps: m.SGD(ps, lr=0.01, momentum=0.9),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_match_torch(name):
    ours, _ = _run(OPTIMIZERS[name], None, "tg")
    theirs, _ = _run(OPTIMIZERS[name], None, "torch")
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def _sched(kind):
    def make(lib, opt):
        ls = lr_scheduler if lib == "tg" else _torch().optim.lr_scheduler
        return {"step": lambda: ls.StepLR(opt, step_size=3, gamma=0.5),
                "multistep": lambda: ls.MultiStepLR(opt, [2, 5], gamma=0.3),
                "exp": lambda: ls.ExponentialLR(opt, gamma=0.9),
                "lambda": lambda: ls.LambdaLR(opt, lambda e: 1 / (1 + e)),
                "cyclic": lambda: ls.CyclicLR(opt, 0.001, 0.1, step_size_up=4)}[kind]()
    return make


@pytest.mark.parametrize("kind", ["step", "multistep", "exp", "lambda", "cyclic"])
def test_schedulers_match_torch(kind):
    """CyclicLR with SGD(momentum=0.9) also cycles the momentum, as PyTorch's default does."""
    ours, lr_ours = _run(OPTIMIZERS["sgd"], _sched(kind), "tg")
    theirs, lr_theirs = _run(OPTIMIZERS["sgd"], _sched(kind), "torch")
    np.testing.assert_allclose(lr_ours, lr_theirs, rtol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("case", ["chained", "edited", "second"])
def test_schedulers_compose_as_torchs_do(case):
    """Two schedulers on one optimizer, a rate set by hand between steps, a scheduler built
    after another moved the rate: each rate computed from base_lr overwrote the others
    (ExponentialLR + MultiStepLR gave 0.01 where torch gives 0.00729; found 2026-12-03). Now
    the step-wise ones multiply the current rate and base_lrs come from initial_lr: the rates
    are torch's, bit for bit."""
    def rates(lib):
        torch = _torch()
        ls = lr_scheduler if lib == "tg" else torch.optim.lr_scheduler
        p = (Tensor(np.zeros(1), requires_grad=True) if lib == "tg"
             else torch.zeros(1, requires_grad=True))
        opt = (optim if lib == "tg" else torch.optim).SGD([p], lr=0.1)
        first = ls.ExponentialLR(opt, 0.9)
        others = [ls.MultiStepLR(opt, [3, 6, 6], 0.1)] if case == "chained" else []
        seen = []
        for e in range(9):
            opt.step()
            for s in (first, *others):
                s.step()
            if case == "edited" and e == 4:
                opt.param_groups[0]["lr"] = 0.5
            seen.append(opt.param_groups[0]["lr"])
        if case == "second":
            later = ls.LambdaLR(opt, lambda e: 1.0)
            seen += [opt.param_groups[0]["lr"], *later.base_lrs]
        return seen
    assert rates("tg") == rates("torch")


def test_cyclic_scheduler_is_the_course_schedule():
    p = Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    sched = lr_scheduler.CyclicLR(opt, 1e-5, 1e-1, step_size_up=5, cycle_momentum=False)
    course = optim.CyclicLR(1e-5, 1e-1, n_s=5)
    seen = []
    for _ in range(23):
        seen.append(opt.lr)
        sched.step()
    assert seen == [course(t) for t in range(23)]
    assert opt.param_groups[0]["momentum"] == 0.0
    with pytest.raises(ValueError, match="triangular"):
        lr_scheduler.CyclicLR(opt, 0.1, 1.0, mode="exp_rang")
    with pytest.raises(ValueError, match="cycle_momentum=False"):
        lr_scheduler.CyclicLR(optim.AdaGrad([p]), 0.1, 1.0)


def test_scheduler_state_dict_round_trip():
    p = Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    s = lr_scheduler.StepLR(opt, 2, 0.5)
    for _ in range(3):
        s.step()
    s2 = lr_scheduler.StepLR(optim.SGD([p], lr=1.0), 2, 0.5)
    s2.load_state_dict(s.state_dict())
    assert s2.last_epoch == 3 and s2.get_last_lr() == s.get_last_lr() == [0.5]


def test_adam_betas_spellings():
    p = Tensor(np.zeros(1), requires_grad=True)
    g = optim.Adam([p], betas=(0.8, 0.9)).param_groups[0]
    assert (g["beta1"], g["beta2"]) == (0.8, 0.9)
    with pytest.raises(ValueError, match="not both"):
        optim.Adam([p], beta1=0.5, betas=(0.8, 0.9))
    with pytest.raises(ValueError, match="pair"):
        optim.Adam([p], betas=0.9)


# ---- DataLoader --------------------------------------------------------------------------------
def test_dataloader_batches_in_order_and_keeps_the_last_partial_batch():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    dl = DataLoader(TensorDataset(Tensor(X), Tensor(y)), batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 and [len(b[0]) for b in batches] == [4, 4, 2]  # drop_last=False
    np.testing.assert_array_equal(np.concatenate([b[1].data for b in batches]), y)
    assert len(DataLoader(TensorDataset(X), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(TensorDataset(X))) == 10  # batch_size=1 by default


def test_dataloader_shuffle_is_a_permutation_reproducible_by_generator():
    X = np.arange(50.0)
    def order(**kw):
        return np.concatenate([b.data for (b,) in DataLoader(TensorDataset(X), 8, shuffle=True,
                                                             **kw)])
    a = order(generator=tg.Generator().manual_seed(5))
    b = order(generator=tg.Generator().manual_seed(5))
    np.testing.assert_array_equal(a, b)
    assert sorted(a) == list(X) and not np.array_equal(a, X)
    tg.manual_seed(1)
    c = order()
    tg.manual_seed(1)
    np.testing.assert_array_equal(order(), c)
    dl = DataLoader(TensorDataset(X), 8, shuffle=True, generator=np.random.default_rng(0))
    first, second = [np.concatenate([b.data for (b,) in dl]) for _ in range(2)]
    assert not np.array_equal(first, second)  # each pass draws a new order


def test_dataloader_matches_torch_batches_without_shuffle():
    torch = _torch()
    X, y = np.random.default_rng(0).standard_normal((11, 3)), np.arange(11)
    ours = list(DataLoader(TensorDataset(X, y), batch_size=4))
    theirs = list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=4))
    assert len(ours) == len(theirs)
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a.data, c.numpy())
        np.testing.assert_array_equal(b.data, d.numpy())


def test_dataloader_over_any_dataset_stacks_items():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=float), i

    xb, yb = next(iter(DataLoader(Squares(), batch_size=3)))
    np.testing.assert_array_equal(xb.data, [[0, 0], [1, 1], [2, 4]])
    np.testing.assert_array_equal(yb.data, [0, 1, 2])
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(Squares(), num_workers=2)
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.ones(3), np.ones(4))


# ---- devices -----------------------------------------------------------------------------------
def test_device_questions_answer_cpu():
    assert not tg.cuda.is_available() and tg.cuda.device_count() == 0
    assert not tg.backends.mps.is_available() and not tg.backends.mps.is_built()
    assert not tg.accelerator.is_available() and tg.accelerator.current_accelerator() is None
    d = tg.device("cpu")
    assert str(d) == "cpu" and d == "cpu" and d != "cuda" and d != tg.device("cuda:0")
    assert repr(d) == "device(type='cpu')" and Tensor(np.ones(2)).device == d
    assert tg.device("cuda").index is None and str(tg.device("cuda", 1)) == "cuda:1"
    tg.set_default_device("cpu")
    tg.set_default_device(None)
    with pytest.raises(RuntimeError, match="'cuda' is not available.*CPU only"):
        tg.set_default_device("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.zeros(3, device="mps")
    with pytest.raises(RuntimeError, match="CPU only"):
        Tensor(np.ones(2)).cuda()
    with pytest.raises(ValueError, match="not a device string"):
        tg.device("gpu 0")
    assert tg.randn(2, device="cpu").shape == (2,) and tg.tensor([1.0], device=d).shape == (1,)


# ---- the seeded default generator --------------------------------------------------------------
def test_manual_seed_makes_every_default_draw_reproducible():
    def draws():
        lin = nn.Linear(3, 2)
        drop = nn.Dropout(0.5)
        mask = drop(Tensor(np.ones((4, 4)))).data
        return tg.randn(3).data, lin.W.data, lin.b.data, mask

    tg.manual_seed(42)
    first = draws()
    tg.manual_seed(42)
    for a, b in zip(first, draws()):
        np.testing.assert_array_equal(a, b)
    assert tg.initial_seed() == 42
    # same seed, same stream as NumPy's own generator: randn is standard_normal
    tg.manual_seed(7)
    np.testing.assert_array_equal(tg.randn(5).data,
                                  np.random.default_rng(7).standard_normal(5))
    with pytest.raises(TypeError, match="int"):
        tg.manual_seed(1.5)


def test_explicit_rng_wins_over_the_default_generator():
    tg.manual_seed(0)
    a = nn.Linear(3, 2, rng=np.random.default_rng(9)).W.data
    tg.manual_seed(123)
    b = nn.Linear(3, 2, rng=np.random.default_rng(9)).W.data
    np.testing.assert_array_equal(a, b)
    g = tg.Generator().manual_seed(3)
    np.testing.assert_array_equal(tg.randn(4, generator=g).data,
                                  np.random.default_rng(3).standard_normal(4))


# ---- Tensor spellings ----------------------------------------------------------------------------
def test_size_is_numpys_count_and_called_pytorchs_shape():
    x = Tensor(np.ones((2, 3)))
    assert x.size == 6 and isinstance(x.size, int) and x.size + 1 == 7  # NumPy's attribute
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3  # PyTorch's method
    assert np.zeros(x.size).shape == (6,) and x.numel() == 6 and x.dim() == 2
    with pytest.raises(TypeError, match=r"element count \(6\).*x.size\(\) or x.shape"):
        x.size[0]
    with pytest.raises(TypeError, match=r"x.size\(\)"):
        _n, _d = x.size


def test_view_t_clone_requires_grad_():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.view(3, 2).shape == (3, 2) and x.view(-1).shape == (6,)
    assert x.t().shape == (3, 2) and Tensor(np.ones(3)).t().shape == (3,)
    with pytest.raises(ValueError, match="at most 2"):
        Tensor(np.ones((2, 2, 2))).t()
    with pytest.raises(TypeError, match="astype"):
        x.view(np.float32)
    c = x.clone()
    assert c.data is not x.data and np.array_equal(c.data, x.data) and c.grad_fn.name == "Clone"
    (c * c).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)
    assert gradcheck(lambda x: x.clone().view(3, 2).t(), [x]).passed
    w = Tensor(np.ones(2))
    assert w.requires_grad_() is w and w.requires_grad
    assert w.requires_grad_(False) is w and not w.requires_grad
    with pytest.raises(RuntimeError, match="detach"):
        (x * 2).requires_grad_(False)
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.ones(2, dtype=np.int64)).requires_grad_()


def test_inference_mode_records_nothing():
    x = Tensor(np.ones(2), requires_grad=True)
    with tg.inference_mode():
        assert not (x * 2).requires_grad
    with tg.inference_mode(False):
        assert (x * 2).requires_grad

    @tg.inference_mode()
    def f(x):
        return x * 2

    assert not f(x).requires_grad and (x * 2).requires_grad


# ---- save / load ---------------------------------------------------------------------------------
def test_save_load_state_dict_round_trip(tmp_path):
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    tg.save(net.state_dict(), tmp_path / "net.pth")
    sd = tg.load(tmp_path / "net.pth", map_location="cpu", weights_only=True)
    net2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    net2.load_state_dict(sd)
    x = Tensor(np.ones((2, 3)))
    np.testing.assert_array_equal(net2(x).data, net(x).data)
    tg.save({"w": Tensor(np.arange(3.0))}, tmp_path / "t.pth")  # Tensors are saved as arrays
    np.testing.assert_array_equal(tg.load(tmp_path / "t.pth")["w"], np.arange(3.0))
    with pytest.raises(ValueError, match="state dict instead"):
        tg.save(net, tmp_path / "x.pth")
    with pytest.raises(TypeError, match="save a dict"):
        tg.save(Tensor(np.ones(2)), tmp_path / "y.pth")
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.load(tmp_path / "net.pth", map_location="cuda:0")
    assert not list(tmp_path.glob("x.pth*")) and not list(tmp_path.glob("y.pth*"))


# ---- found 2026-12-03: autograd.Function cases that were silently wrong (each failed before) ---
def _chain(op_cls):
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([1.0, 1.0]), requires_grad=True)
    h = a * 1.0
    z = h * w  # Mul saves h's array
    return op_cls.apply(h) + z, w


def test_a_custom_forward_or_backward_cannot_write_its_inputs_or_saved_tensors():
    """x.mul_(2) inside forward (or on a saved tensor inside backward) reached the array the
    Mul beside it saved: w.grad came out [2, 4] or [6, 12] for [1, 2], without a word."""
    class InForward(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class InBackward(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            x.mul_(3)
            return g * 2

    with pytest.raises(ValueError, match="read-only"):
        _chain(InForward)
    out, w = _chain(InBackward)
    with pytest.raises(ValueError, match="read-only"):
        out.sum().backward()


def test_a_saved_tensor_returned_as_the_gradient_is_not_added_into():
    class L(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x * 2)
            return (x * x).sum()

        @staticmethod
        def backward(ctx, g):  # the saved tensor itself (g is 1 here: the loss's own term)
            return ctx.saved_tensors[0]

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (x * 3).sum() + L.apply(x)
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    x.grad = None
    loss.backward()  # the engine added into the saved array the first time: [8, 10]
    np.testing.assert_array_equal(x.grad, first)
    np.testing.assert_array_equal(first, [5.0, 7.0])


def test_apply_refuses_a_tensor_by_keyword_and_a_gradient_for_a_non_tensor():
    class Mul(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y=None, k=1.0):
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            return g, None, g  # a gradient for k, a float: PyTorch raises

    x, y = (Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    with pytest.raises(TypeError, match=r"Tensor argument y= passed by keyword"):
        Mul.apply(x, y=y)
    out = Mul.apply(x, y, 2.0)
    with pytest.raises(RuntimeError, match="gradient for argument 2, which is not a Tensor"):
        out.sum().backward()


def test_an_integer_output_of_a_custom_function_needs_no_gradient():
    class Rank(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return Tensor(np.argsort(np.argsort(x.data)))

        @staticmethod
        def backward(ctx, g):
            return None

    x = Tensor(np.array([3.0, 1.0, 2.0]), requires_grad=True)
    r = Rank.apply(x)
    assert r.dtype == np.int64 and not r.requires_grad  # as torch's, and as argmax's here
    r += 1  # a constant: in-place is fine
    np.testing.assert_array_equal(r.data, [3, 1, 2])
