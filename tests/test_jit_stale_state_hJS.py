"""A jitted training step when the user changes things between its calls: each call must give
bit for bit what the eager step gives with the change (parameters, `.grad`, losses, batch
norm's running statistics, the optimizer's state), by replaying, by recording afresh, or by
running eagerly with one warning; never silently the old step.

Found here: a change made between a signature's two recorded calls (`model.eval()`, a frozen
layer, `bn.eps`, a swapped submodule, a rebound attribute or closure variable) made the two
recordings differ, and jit gave up on the signature for good with a warning blaming
"per-step data the step does not take as an argument", though the change was the user's,
once, between calls (as after a plan's guard failed, the step is now recorded afresh); and a
step refused for a module's or a parameter's hook ran eagerly for good, also after the hook was
removed (it is now recorded again once no such hook is left)."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import functional as F
from tinygrad_dl import nn, optim
from tinygrad_dl.jit import jit


class Net(nn.Module):
    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.l1 = nn.Linear(6, 8, rng=rng)
        self.bn = nn.BatchNorm1d(8)
        self.drop = nn.Dropout(0.3, rng=tg.Generator().manual_seed(seed + 1))
        self.layers = nn.ModuleList([nn.Linear(8, 8, rng=rng), nn.Linear(8, 8, rng=rng)])
        self.plain = [nn.Linear(8, 8, rng=rng)]  # a plain list the forward walks
        self.head = nn.Linear(8, 3, rng=rng)
        self.scale = 1.0
        self.flag = True

    def forward(self, x):
        h = self.drop(self.bn(self.l1(x)).relu())
        for layer in self.layers:
            h = layer(h).tanh()
        for layer in self.plain:
            h = layer(h) + h
        if self.flag:
            h = h * self.scale
        return self.head(h)


class World:
    """A model, its optimizer and scheduler, and its step (eager or jitted, strict or not)."""

    def __init__(self, jitted: bool, strict: bool = False, opt: int = 0) -> None:
        self.net = net = Net()
        params = net.parameters()
        self.opt = (optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-3) if opt == 0
                    else optim.Adam(params, lr=0.01))
        self.sched = optim.lr_scheduler.StepLR(self.opt, step_size=2, gamma=0.5)
        self.cl = 1.0
        self.hooks: list = []
        world = self

        def step(X, y):
            loss = F.cross_entropy(net(tg.Tensor(X)), y) * world.cl
            loss.backward()
            return loss

        self.step = jit(step, strict=strict) if jitted else step

    def state(self) -> list:
        out = [(k, _bits(v)) for k, v in self.net.state_dict().items()]
        out += [None if p.grad is None else _bits(p.grad) for p in self.net.parameters()]
        for st in self.opt.state.values() if isinstance(self.opt.state, dict) else ():
            out += [(k, _bits(v)) for k, v in sorted(st.items())]
        return out


def _bits(v):
    a = np.asarray(getattr(v, "data", v))
    return a.shape, a.dtype.str, a.tobytes()


def _rng(r: random.Random) -> np.random.Generator:
    return np.random.default_rng(r.randrange(100))


def _hook(w: World, r: random.Random) -> None:
    if w.hooks and r.random() < 0.5:
        w.hooks.pop().remove()
        return
    kind = r.choice(["forward", "pre", "backward", "tensor"])
    if kind == "forward":
        w.hooks.append(w.net.head.register_forward_hook(lambda m, i, o: o * 2.0))
    elif kind == "pre":
        w.hooks.append(w.net.layers[0].register_forward_pre_hook(lambda m, i: (i[0] * 0.5,)))
    elif kind == "backward":
        w.hooks.append(w.net.l1.register_full_backward_hook(lambda m, gi, go: None))
    else:
        w.hooks.append(w.net.head.W.register_hook(lambda g: g * 3.0))


def _param(w: World, r: random.Random) -> None:
    kind = r.choice(["param", "data", "data32", "copy", "assign"])
    W = w.net.head.W
    new = _rng(r).standard_normal(W.data.shape)
    if kind == "param":
        w.net.head.W = nn.Parameter(tg.Tensor(new))
    elif kind == "data":
        W.data = new
    elif kind == "data32":
        W.data = new.astype(np.float32)
    else:
        sd = {k: np.array(getattr(v, "data", v)) + 0.1
              for k, v in w.net.head.state_dict().items()}
        if kind == "assign":
            sd = {k: nn.Parameter(tg.Tensor(v)) for k, v in sd.items()}
        w.net.head.load_state_dict(sd, assign=kind == "assign")


def _dtype(w: World, r: random.Random) -> None:
    kind = r.choice(["double", "float", "to32"])
    if kind == "double":
        w.net.double()
    elif kind == "float":
        w.net.float()
    else:
        w.net.to(np.float32)


def _reorder(w: World, r: random.Random) -> None:
    if r.random() < 0.5:
        layers = list(w.net.layers)[::-1]
        for i, layer in enumerate(layers):
            w.net.layers[i] = layer
    else:
        w.net.plain.reverse()


def _append(w: World, r: random.Random) -> None:
    if r.random() < 0.5:
        w.net.layers.append(nn.Linear(8, 8, rng=_rng(r)))
    else:
        w.net.plain.append(nn.Linear(8, 8, rng=_rng(r)))


def _group(w: World, r: random.Random) -> None:
    g = w.opt.param_groups[0]
    k = r.choice(["lr", "weight_decay", "momentum"])
    if k in g:
        g[k] = r.choice([0.1, 0.0, 0.02])


CHANGES = {
    "train/eval": lambda w, r: w.net.train(r.random() < 0.5),
    "bn train/eval": lambda w, r: w.net.bn.train(r.random() < 0.5),
    "hook": _hook,
    "scale": lambda w, r: setattr(w.net, "scale", r.choice([0.5, 2.0, 1.0, -1.0])),
    "flag": lambda w, r: setattr(w.net, "flag", not w.net.flag),
    "dropout p": lambda w, r: setattr(w.net.drop, "p", r.choice([0.0, 0.1, 0.5])),
    "bn momentum": lambda w, r: setattr(w.net.bn, "momentum", r.choice([0.01, 0.5, None])),
    "bn eps": lambda w, r: setattr(w.net.bn, "eps", r.choice([1e-3, 1e-1])),
    "append": _append,
    "reorder": _reorder,
    "plain item": lambda w, r: w.net.plain.__setitem__(0, nn.Linear(8, 8, rng=_rng(r))),
    "swap": lambda w, r: setattr(w.net, "head", nn.Linear(8, 3, rng=_rng(r))),
    "parameter": _param,
    "freeze": lambda w, r: w.net.l1.W.requires_grad_(not w.net.l1.W.requires_grad),
    "dtype": _dtype,
    "param group": _group,
    "scheduler": lambda w, r: w.sched.step(),
    "zero_grad": lambda w, r: w.opt.zero_grad(set_to_none=r.random() < 0.5),
    "seed": lambda w, r: w.net.drop.rng.bit_generator.__setattr__(
        "state", np.random.PCG64(r.randrange(1000)).state),
    "closure": lambda w, r: setattr(w, "cl", r.choice([0.5, 2.0, 1.0])),
    "optimizer state": lambda w, r: w.opt.load_state_dict(w.opt.state_dict()),
}


def _batch(r: random.Random, kind: str, w: World):
    rng = np.random.default_rng(r.randrange(10**6))
    n = 5 if kind == "n5" else 4
    X = rng.standard_normal((n, 6))
    y = rng.integers(0, 3, n)
    if kind == "fortran":
        X = np.asfortranarray(X)
    elif kind == "strided":
        X = rng.standard_normal((n, 12))[:, ::2]
    elif kind == "f32":
        X = X.astype(np.float32)
    elif kind == "alias":  # a view of a parameter's memory (which the optimizer updates)
        X, y = w.net.l1.W.data[:5, :6], np.array([0, 1, 2, 0, 1])
    return X, y


def compare_step(E: World, J: World, r: random.Random, changes: list[str], kinds: list[str],
                 where: tuple) -> None:
    """`changes` made to both worlds, then one step of each on a batch of a kind drawn from
    r: the same refusals, the same results and the same state, bit for bit."""
    ms = r.randrange(10**6)
    kind = r.choice(kinds)
    for c, name in enumerate(changes):
        errors = []
        for w in (E, J):
            try:
                CHANGES[name](w, random.Random(ms + c))
                errors.append(None)
            except Exception as e:  # noqa: BLE001 - the same refusal on both sides
                errors.append(type(e).__name__)
        assert errors[0] == errors[1], (*where, name, errors)
    seen = []
    for w in (E, J):
        X, y = _batch(random.Random(ms), kind, w)
        w.opt.zero_grad()
        try:
            seen.append(_bits(w.step(X, y)))
        except Exception as e:  # noqa: BLE001 - the same error on both sides
            seen.append((type(e).__name__, str(e)))
        try:
            w.opt.step()
        except Exception as e:  # noqa: BLE001
            seen.append(type(e).__name__)
        seen.append(w.state())
    half = len(seen) // 2
    assert seen[:half] == seen[half:], (*where, kind, changes)


def side_by_side(seed: int) -> jit:
    """A random sequence of steps with changes between some of them, eagerly and jitted from
    the same state; every call's result and all state compared bit for bit."""
    r = random.Random(seed)
    opt = r.randrange(2)
    E, J = World(False, opt=opt), World(True, opt=opt)
    names = sorted(CHANGES)
    for i in range(r.randint(10, 18)):
        changes = [r.choice(names) for _ in range(r.choice([1, 1, 2]))] if i % 4 == 3 else []
        compare_step(E, J, r, changes, ["n4"] * 10 + ["n5", "fortran", "strided", "f32", "alias"],
                     (seed, i))
    return J.step


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_changes_between_replays_match_eager(seed):
    side_by_side(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6, 40))
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_changes_between_replays_match_eager_more(seed):
    side_by_side(seed)


X0 = np.random.default_rng(2).standard_normal((4, 6))
Y0 = np.random.default_rng(3).integers(0, 3, 4)


def small_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(6, 8, rng=np.random.default_rng(0)), nn.Tanh(),
                         nn.Linear(8, 3, rng=np.random.default_rng(1)))


def eager_and_jitted(calls: int, before=lambda k, m: None, setup=lambda m: None) -> dict:
    """{jitted: (each call's gradient bytes, the step, the jit warnings' texts)} of a
    cross-entropy step on small_model() (`setup(m)` once) run `calls` times eagerly and under
    jit, `before(k, m)` ahead of call k."""
    seen = {}
    for jitted in (False, True):
        m = small_model()
        setup(m)

        def fn(X, y, m=m):
            F.cross_entropy(m(tg.Tensor(X)), y).backward()

        step = jit(fn) if jitted else fn
        out = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for k in range(calls):
                before(k, m)
                m.zero_grad()
                step(X0, Y0)
                out.append([p.grad.tobytes() for p in m.parameters()])
        seen[jitted] = out, step, [str(c.message) for c in caught
                                   if str(c.message).startswith("jit:")]
    return seen

BETWEEN = {  # changed between a signature's first and second call
    "model.eval()": lambda w: w.net.eval(),
    "bn.eval()": lambda w: w.net.bn.eval(),
    "a float attribute": lambda w: setattr(w.net, "scale", 2.0),
    "bn.eps": lambda w: setattr(w.net.bn, "eps", 0.1),
    "a frozen weight": lambda w: w.net.l1.W.requires_grad_(False),
    "model.float()": lambda w: w.net.float(),
    "a swapped head": lambda w: setattr(w.net, "head",
                                        nn.Linear(8, 3, rng=np.random.default_rng(5))),
    "a plain list appended to": lambda w: w.net.plain.append(
        nn.Linear(8, 8, rng=np.random.default_rng(6))),
    "a closure's object's attribute": lambda w: setattr(w, "cl", 0.5),
}


@pytest.mark.parametrize("name", sorted(BETWEEN))
def test_change_between_the_two_recordings_records_afresh(name):
    """Before: the second recording differed from the first, and the signature ran eagerly for
    good with a warning about per-step data (replays 0); now it is recorded afresh and
    replayed, bit for bit eager's."""
    seen = {}
    for jitted in (False, True):
        w = World(jitted, strict=True)
        out = []
        for k in range(6):
            if k == 1:
                BETWEEN[name](w)
            w.opt.zero_grad()
            out.append(_bits(w.step(X0, Y0)))  # strict: a refusal would raise JitError
            w.opt.step()
            out.append(w.state())
        seen[jitted] = out, w.step
    assert seen[False][0] == seen[True][0]
    step = seen[True][1]
    assert step.replays == 3 and step.rerecords == 1 and not step.fallbacks


def test_change_before_every_call_gives_up_with_one_warning():
    """A change between every two calls is not recorded for ever: three recordings
    invalidated in a row, then one warning naming the change, and eager from then on."""
    seen = {}
    for jitted in (False, True):
        w = World(jitted)
        out = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for k in range(7):
                w.net.scale = 1.0 + k  # (a module attribute: its version changes)
                w.opt.zero_grad()
                out.append(_bits(w.step(X0, Y0)))
                w.opt.step()
                out.append(w.state())
        seen[jitted] = out, w.step, [str(c.message) for c in caught
                                      if str(c.message).startswith("jit:")]
    assert seen[False][0] == seen[True][0]
    step, msgs = seen[True][1], seen[True][2]
    assert step.replays == 0 and len(msgs) == 1, msgs
    assert "changed, 3 times in a row" in msgs[0] and "Net" in msgs[0], msgs


HOOKS = {
    "forward hook": lambda m: m[2].register_forward_hook(lambda mod, a, o: o * 2.0),
    "forward pre-hook": lambda m: m[2].register_forward_pre_hook(lambda mod, a: (a[0] * 0.5,)),
    "full backward hook": lambda m: m[0].register_full_backward_hook(lambda mod, gi, go: None),
    "tensor hook": lambda m: m[2].W.register_hook(lambda g: g * 3.0),
    "post-accumulate hook": lambda m: m[2].W.register_post_accumulate_grad_hook(lambda t: None),
}


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_a_removed_hook_lets_the_step_replay_again(name):
    """A hook registered between replays runs the step eagerly (one warning: replay would not
    run its Python); once removed, the step is recorded again and replayed (before: eager
    for good). Every call bit for bit eager's."""
    handles = []

    def before(k, m):
        if k == 3:
            handles.append(HOOKS[name](m))
        if k == 5:
            handles[-1].remove()

    seen = eager_and_jitted(8, before)
    assert seen[False][0] == seen[True][0]
    step, msgs = seen[True][1], seen[True][2]
    assert len(msgs) == 1 and "hook" in msgs[0], msgs
    assert step.replays == 2 and not step.fallbacks  # calls 2 and 7; 5 and 6 recorded again
