"""A PyTorch user's training scripts, ported by `import tinygrad_dl as torch`: the same
numbers as torch 2.13 in float64 from the same weights (an MLP with label smoothing, SGD with
momentum and weight decay, OneCycleLR, a DataLoader and a resume from saved state; a char-level
LSTM trained by truncated BPTT and sampled; a module with buffers, `apply` and a custom
autograd Function), and the habits that meet a gradient's NumPy array (`p.grad.data`,
`p.grad.norm()`)."""

from __future__ import annotations

import copy
import importlib
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")


def _close(a: list[float], b: list[float]) -> None:
    np.testing.assert_allclose(np.asarray(b, float), np.asarray(a, float), rtol=1e-10, atol=0)


def _arrays(sd: dict[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.array(v.detach().numpy() if hasattr(v, "detach") else v)
            for k, v in sd.items()}


def _mlp(T: Any) -> Any:
    nn = T.nn
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, 10))


def _mlp_script(T: Any, init: dict[str, np.ndarray], path: str) -> tuple[list[float], Any]:
    nn = T.nn
    data = importlib.import_module(T.__name__ + ".utils.data")
    rng = np.random.default_rng(1)
    X, y = T.tensor(rng.standard_normal((40, 12))), T.tensor(rng.integers(0, 10, 40))
    model = _mlp(T)
    model.load_state_dict({k: T.tensor(v) for k, v in init.items()})
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)

    def make_opt(m: Any) -> tuple[Any, Any]:
        decay = [p for p in m.parameters() if p.ndim > 1]  # the same test in both libraries
        rest = [p for p in m.parameters() if p.ndim == 1]
        opt = T.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": rest}],
                          lr=0.1, momentum=0.9)
        return opt, T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, total_steps=30)

    opt, sched = make_opt(model)
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=8, drop_last=True)
    out: list[float] = []
    for epoch in range(5):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = crit(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            out.append(loss.item())
        model.eval()
        with T.no_grad():
            logits = model(X)
            out.append((logits.argmax(dim=1) == y).float().mean().item())
            _, pred = T.max(logits, dim=1)
            out.append(float((pred == y).sum().item()))
        if epoch == 2:  # the docs' way: the model's state to a file, the optimizer's in memory
            T.save(model.state_dict(), path)
            opt_sd, sched_sd = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
            model = _mlp(T)
            model.load_state_dict(T.load(path))
            opt, sched = make_opt(model)
            opt.load_state_dict(opt_sd)
            sched.load_state_dict(sched_sd)
    out.append(opt.param_groups[0]["lr"])
    return out, _arrays(model.state_dict())


def test_mlp_with_sgd_onecycle_and_a_resume_trains_as_torch(tmp_path: Any) -> None:
    torch.manual_seed(0)
    init = _arrays(_mlp(torch).double().state_dict())
    with_torch = _default_float64()
    a, wa = with_torch(lambda: _mlp_script(torch, init, str(tmp_path / "t.pt")))
    b, wb = _mlp_script(tg, init, str(tmp_path / "g.pt"))
    _close(a, b)
    for k in wa:  # Linear's weight/bias are W/b here
        kb = k.replace("weight", "W").replace("bias", "b")
        np.testing.assert_allclose(wb[kb], wa[k], rtol=1e-10, atol=1e-15)


def _default_float64() -> Any:
    def run(f: Any) -> Any:
        old = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            return f()
        finally:
            torch.set_default_dtype(old)
    return run


def _char_rnn(T: Any) -> Any:
    nn = T.nn

    class CharRNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(7, 5)
            self.lstm = nn.LSTM(5, 6, num_layers=2, batch_first=True)
            self.fc = nn.Linear(6, 7)

        def forward(self, x: Any, hidden: Any = None) -> Any:
            out, hidden = self.lstm(self.emb(x), hidden)
            return self.fc(out.reshape(-1, out.size(2))), hidden

    return CharRNN()


def _char_script(T: Any, init: dict[str, np.ndarray]) -> tuple[list[float], list[np.ndarray]]:
    text = T.tensor(np.random.default_rng(3).integers(0, 7, (2, 33)))
    model = _char_rnn(T)
    model.load_state_dict({k: T.tensor(v) for k, v in init.items()})
    opt = T.optim.RMSprop(model.parameters(), lr=1e-2)
    crit = T.nn.CrossEntropyLoss()
    hidden, losses = None, []
    for i in range(0, 32, 8):  # truncated BPTT: the state carried, its graph cut
        x, target = text[:, i:i + 8], text[:, i + 1:i + 9]
        if hidden is not None:
            hidden = tuple(h.detach() for h in hidden)
        opt.zero_grad()
        logits, hidden = model(x, hidden)
        loss = crit(logits, target.reshape(-1))
        loss.backward()
        losses.append(float(T.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
        opt.step()
        losses.append(loss.item())
    model.eval()
    probs = []
    with T.no_grad():
        x, h = T.tensor([[1]]), None
        for _ in range(4):
            logits, h = model(x, h)
            p = T.softmax(logits / 0.8, dim=-1)
            probs.append(np.array(p.numpy()))
            drawn = T.multinomial(p, num_samples=1)  # the generators differ: not its value
            assert tuple(drawn.shape) == (1, 1) and 0 <= int(drawn.item()) < 7
            x = T.tensor([[int(np.argmax(p.numpy()))]])
    return losses, probs


def test_char_lstm_truncated_bptt_and_sampling_as_torch() -> None:
    torch.manual_seed(0)
    init = _arrays(_char_rnn(torch).double().state_dict())
    (a, pa), (b, pb) = _default_float64()(lambda: _char_script(torch, init)), \
        _char_script(tg, init)
    _close(a, b)
    for x, y in zip(pa, pb):
        np.testing.assert_allclose(y, x, rtol=1e-10, atol=1e-15)


def _custom(T: Any) -> Any:
    nn = T.nn

    class ScaledTanh(T.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, alpha: float) -> Any:
            y = T.tanh(x * alpha)
            ctx.save_for_backward(y)
            ctx.alpha = alpha
            return y

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (y,) = ctx.saved_tensors
            return g * ctx.alpha * (1 - y * y), None

    class Normalizer(nn.Module):
        def __init__(self, d: int) -> None:
            super().__init__()
            self.register_buffer("mean", T.zeros(d))
            self.register_buffer("count", T.tensor(0))
            self.register_buffer("scratch", T.ones(d), persistent=False)

        def forward(self, x: Any) -> Any:
            if self.training:
                with T.no_grad():  # the spelling docs/pytorch.md gives: runs in both
                    self.count += 1
                    self.mean = self.mean * 0.9 + 0.1 * x.mean(0)
            return x - self.mean

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm = Normalizer(4)
            self.l1 = nn.Linear(4, 8)
            self.l2 = nn.Linear(8, 3)
            self.scale = nn.Parameter(T.ones(1))

        def forward(self, x: Any) -> Any:
            return self.l2(ScaledTanh.apply(self.l1(self.norm(x)), 1.5)) * self.scale

    return Net()


def _custom_script(T: Any, init: dict[str, np.ndarray]) -> tuple[list[Any], np.ndarray]:
    nn = T.nn
    model = _custom(T)

    def init_fn(m: Any) -> None:
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.bias, 0.01)

    model.apply(init_fn)
    model.load_state_dict({k: T.tensor(v) for k, v in init.items()})
    out: list[Any] = [[n for n, _ in model.named_modules()], [n for n, _ in model.named_buffers()],
                      sum(p.numel() for p in model.parameters())]
    rng = np.random.default_rng(4)
    X, y = T.tensor(rng.standard_normal((10, 4))), T.tensor(rng.integers(0, 3, 10))
    opt = T.optim.AdamW([{"params": [model.scale], "lr": 1e-3},
                         {"params": [*model.l1.parameters(), *model.l2.parameters()]}], lr=0.05)
    sched = T.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        sched.step()
        out += [loss.item(), float(model.norm.count), sched.get_last_lr()[1]]
    return out, np.array(np.asarray(model.norm.mean.numpy() if T is torch else model.norm.mean))


def test_custom_module_buffers_apply_and_function_as_torch() -> None:
    torch.manual_seed(0)
    init = _arrays(_custom(torch).double().state_dict())
    (a, ma), (b, mb) = _default_float64()(lambda: _custom_script(torch, init)), \
        _custom_script(tg, init)
    assert a[:3] == b[:3]
    _close(a[3:], b[3:])
    np.testing.assert_allclose(mb, ma, rtol=1e-10, atol=1e-15)


def _grads(T: Any) -> Any:
    w = T.tensor([1.0, -2.0, 0.25], dtype=T.float64, requires_grad=True)
    (w * w).sum().backward()
    return w


def test_grad_data_is_the_gradient_as_torch() -> None:
    # NumPy's `.data` is a memoryview: clipping it by `np.clip(p.grad.data, out=...)` failed
    # and `p.grad.data` was no array of the gradient
    a, b = _grads(torch), _grads(tg)
    a.grad.data.clamp_(-1, 1)
    np.clip(b.grad.data, -1, 1, out=b.grad.data)
    assert b.grad.data is b.grad
    np.testing.assert_array_equal(b.grad, a.grad.numpy())
    assert np.asarray(b.grad.data).shape == (3,)


@pytest.mark.parametrize("method", ["norm", "clamp_", "add_", "numpy"])
def test_a_tensor_method_on_a_gradient_says_it_is_an_array(method: str) -> None:
    g = _grads(tg).grad
    with pytest.raises(AttributeError, match=rf"no attribute '{method}': \.grad is a NumPy "
                       r"array here, not a Tensor.*np\.linalg\.norm\(g\)"):
        getattr(g, method)
    assert not hasattr(g, "_private_probe") and hasattr(g, "zero_")
    assert float(np.linalg.norm(g)) == pytest.approx(float(_grads(torch).grad.norm()), rel=1e-15)


@pytest.mark.parametrize("spell, match", [
    (lambda: tg.autocast(device_type="cpu", enabled=False),
     r"^tinygrad_dl\.autocast: mixed precision is not implemented.*\.float\(\)$"),
    (lambda: tg.amp.GradScaler("cpu"), r"^tinygrad_dl\.amp: .*scaler\.update\(\)$"),
    (lambda: tg.cuda.amp.GradScaler(enabled=False), r"^cuda\.amp: mixed precision .*opt\.step"),
    (lambda: tg.compile(tg.nn.Linear(2, 2)), r"^tinygrad_dl\.compile: .*tinygrad_dl\.jit\.jit"),
])
def test_mixed_precision_and_compile_name_what_to_write(spell: Any, match: str) -> None:
    # a ported CIFAR script's amp/compile lines said only "module 'tinygrad_dl' has no
    # attribute 'autocast'" ("'_CUDA' object has no attribute 'amp'")
    with pytest.raises(AttributeError, match=match):
        spell()


def test_other_missing_names_keep_pythons_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'tinygrad_dl' has no attribute 'nope'$"):
        tg.nope  # noqa: B018
    assert not hasattr(tg.cuda, "nope") and not hasattr(tg, "_private_probe")
    assert not tg.cuda.is_available()


def test_autograd_gradcheck_names_the_one_here() -> None:
    with pytest.raises(AttributeError, match=r"^tinygrad_dl\.autograd\.gradcheck: not here; use "
                       r"tinygrad_dl\.gradcheck\.gradcheck\(f, inputs\).*\.passed"):
        tg.autograd.gradcheck  # noqa: B018
    with pytest.raises(AttributeError, match=r"no attribute 'nope'$"):
        tg.autograd.nope  # noqa: B018
    assert tg.autograd.Function is not None and tg.autograd.functional is not None
