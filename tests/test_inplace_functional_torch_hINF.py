"""The functional and module in-place forms on an op's result against torch 2.13 (helper hINF):
F.relu_ / elu_ / leaky_relu_ / hardtanh_ / threshold_ / celu_ / selu_ / rrelu_ (every `*_` of
torch.nn.functional), the `inplace=True` of F's activations and dropouts, and their modules
(nn.ReLU(inplace=True), ...), each applied to an op's result (recorded as torch records it, the
same object returned), an op's result under no_grad, a leaf under no_grad (written) and a
constant (written), in float64,
float32 and int64. Compared: which cases raise, the values written into the input, the identity
of the returned object, and every leaf's gradient (1e-10 in float64). Plus the skeptic cases: a
ResNet block, an op that used h before the write, a leaf in grad mode, hooks, SGD training, a
jitted step's message, and the random forms (one draw: the out-of-place form's with the same
seed).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn as tnn
from tests.oracle import (
    F_INPLACE,
    functional_of,
    jit_matches_eager,
    mismatch,
    nn_of,
    one_line,
    strict_replays_match,
)
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _module(L, name, *args, train=False):
    m = getattr(nn_of(L), name)(*args, inplace=True)
    return m.train() if train else m.eval()


FUNCTIONS = dict(F_INPLACE)
for _n, _a in [("relu", ()), ("relu6", ()), ("leaky_relu", (0.2,)), ("elu", (0.7,)),
               ("celu", (1.5,)), ("selu", ()), ("hardtanh", (-0.5, 2.0)), ("hardswish", ()),
               ("hardsigmoid", ()), ("silu", ()), ("mish", ()), ("threshold", (0.1, 20.0)),
               ("rrelu", (0.1, 0.3, False)), ("dropout", (0.3, False)), ("dropout", (1.0, True)),
               ("dropout", (0.0, True)), ("alpha_dropout", (0.3, False)),
               ("dropout1d", (0.3, False)), ("dropout2d", (0.3, False)),
               ("dropout3d", (0.3, False))]:
    FUNCTIONS[f"F.{_n}{_a}"] = lambda L, x, n=_n, a=_a: getattr(functional_of(L), n)(
        x, *a, inplace=True)
for _n, _a in [("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", (0.2,)), ("ELU", (0.7,)),
               ("CELU", (1.5,)), ("SELU", ()), ("Hardtanh", (-0.5, 2.0)),
               ("Threshold", (0.1, 20.0)), ("RReLU", (0.1, 0.3)), ("Hardsigmoid", ()),
               ("Hardswish", ()), ("SiLU", ()), ("Mish", ()), ("Dropout", (0.3,)),
               ("Dropout1d", (0.3,)), ("Dropout2d", (0.3,)), ("Dropout3d", (0.3,)),
               ("AlphaDropout", (0.3,))]:
    FUNCTIONS[f"nn.{_n}{_a}"] = lambda L, x, n=_n, a=_a: _module(L, n, *a)(x)
FUNCTIONS["nn.Dropout(1.0) train"] = lambda L, x: _module(L, "Dropout", 1.0, train=True)(x)

TARGETS = ("op_result", "op_result_no_grad", "leaf_no_grad", "constant")
DTYPES = ("float64", "float32", "int64")
SHAPE = (2, 3, 4, 2)  # (4-d: every channel dropout takes it)


def _run(L, form, target, dtype, seed):
    """Apply `form` to the target built from seeded values; the outcome: an error's type, or
    (the input's values after, the result is the input, every leaf's gradient)."""
    rng = np.random.default_rng(seed)
    xv = rng.standard_normal(SHAPE) * 2
    if dtype == "int64":
        xv = np.round(xv * 2)
    xv = xv.astype(dtype)
    wv = rng.standard_normal(SHAPE).astype("float64")
    T = (lambda v, rg=False: torch.tensor(v, requires_grad=rg)) if L is torch else (
        lambda v, rg=False: tg.Tensor(v, requires_grad=rg))
    grads = dtype != "int64" and target != "constant"
    x = T(xv, grads)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (the old new-tensor warning: none now)
            if target in ("op_result", "op_result_no_grad"):
                s = T(np.asarray(1.5, dtype), grads)
                h = x * s
                if target == "op_result":
                    out = FUNCTIONS[form](L, h)
                else:  # (written, not recorded: backward goes through Mul as before)
                    with (torch.no_grad() if L is torch else tg.no_grad()):
                        out = FUNCTIONS[form](L, h)
                loss = (h.double() * T(wv)).sum() if L is torch else (
                    h.astype("float64") * T(wv)).sum()
                if grads:
                    loss.backward()
                leaves = [x.grad, s.grad] if grads else []
            elif target == "leaf_no_grad":
                h = x
                with (torch.no_grad() if L is torch else tg.no_grad()):
                    out = FUNCTIONS[form](L, h)
                leaves = []
            else:
                h = x
                out = FUNCTIONS[form](L, h)
                leaves = []
    except (RuntimeError, TypeError, ValueError, NotImplementedError) as e:
        return type(e).__name__, str(e)
    val = h.detach().numpy() if L is torch else np.asarray(h.data).copy()
    g = [None if v is None else (v.numpy() if L is torch else np.asarray(v.data)) for v in leaves]
    return val, out is h, g


CASES = [(f, t, d) for f in FUNCTIONS for t in TARGETS for d in DTYPES]
# ours refuses, torch writes: dropout with p=1 in training of an integer tensor (torch writes
# zeros, `mul_(0)`; ours draws a float mask, which same_kind refuses in one line: older)
OURS_ONLY = {("int64", "F.dropout(1.0, True)"), ("int64", "nn.Dropout(1.0) train")}


@pytest.mark.parametrize("form,target,dtype", CASES)
def test_form_matches_torch(form, target, dtype):
    """Raise where torch raises; else the same values in the input, the input itself returned,
    the same gradients (1e-10 in float64)."""
    for seed in (0, 1):
        theirs = _run(torch, form, target, dtype, seed)
        ours = _run(tg, form, target, dtype, seed)
        if isinstance(theirs[0], str) or isinstance(ours[0], str):
            assert isinstance(ours[0], str), f"{form} {target} {dtype}: torch raised {theirs}"
            assert isinstance(theirs[0], str) or (dtype, form) in OURS_ONLY, (form, target, ours)
            assert "\n" not in ours[1] and form.split("(")[0].split(".")[1].lower()[:4] in \
                ours[1].lower(), ours
            continue
        rtol = 1e-10 if dtype == "float64" else 1e-5
        assert mismatch(ours[0], theirs[0], rtol) is None, (form, target, dtype, seed)
        if "ardsigmoid" in form:  # (torch's float64 backward multiplies by float32's 1/6:
            rtol = max(rtol, 1e-7)  # 5e-9 off; ours is 1/6 in float64, as its out of place)
        assert ours[1] is True and theirs[1] is True, (form, target, dtype)
        for a, b in zip(ours[2], theirs[2]):
            assert (a is None) == (b is None)
            if a is not None:
                assert mismatch(a, b, rtol) is None, (form, target, dtype, seed, a, b)


def test_integer_refusals_are_torchs():
    """The int64 cases torch refuses are refused here too, and the ones we refuse alone are
    OURS_ONLY's."""
    ours_only = []
    for form in FUNCTIONS:
        theirs = _run(torch, form, "constant", "int64", 0)
        ours = _run(tg, form, "constant", "int64", 0)
        if isinstance(ours[0], str) and not isinstance(theirs[0], str):
            ours_only.append(form)
    assert {("int64", f) for f in ours_only} == OURS_ONLY, ours_only


# ---- the skeptic cases ------------------------------------------------------------------------
class _Block:
    """conv -> out += identity -> ReLU(inplace=True), the ResNet pattern, in either library."""

    def __init__(self, L, w):
        self.L, self.w = L, w
        self.relu = nn_of(L).ReLU(inplace=True)

    def __call__(self, x):
        out = functional_of(self.L).conv2d(x, self.w, padding=1)
        out += x
        return self.relu(out)


def test_resnet_block_values_and_gradients():
    rng = np.random.default_rng(5)
    xv, wv = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((3, 3, 3, 3)) * 0.3
    res = []
    for L, T in ((torch, lambda v: torch.tensor(v, requires_grad=True)),
                 (tg, lambda v: tg.Tensor(v, requires_grad=True))):
        x, w = T(xv), T(wv)
        y = _Block(L, w)(_Block(L, w)(x))
        (y * y).sum().backward()
        res.append([as_np(y), as_np(x.grad), as_np(w.grad)])
    for a, b in zip(*res):
        assert mismatch(a, b, 1e-10) is None


def as_np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def test_result_is_input_and_module_hook_sees_it():
    x = tg.Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    h = x * 1
    m = tnn.ReLU(inplace=True)
    seen = []
    m.register_forward_hook(lambda mod, inp, out: seen.append((inp[0] is h, out is h)))
    out = m(h)
    assert out is h and seen == [(True, True)]
    assert h.data.tolist() == [0.0, 2.0]  # (before: a new tensor, h kept -1.0)
    h.sum().backward()
    assert x.grad.data.tolist() == [0.0, 1.0]


def test_op_that_used_h_before_the_write_reads_the_h_it_used():
    grads = []  # (it raised one line before the versions: torch's edge to the old grad_fn)
    for lib in (tg, torch):
        x = lib.tensor(np.array([-1.0, 2.0]), requires_grad=True)
        h = x * 1
        early = h * 3  # (used h before the write)
        FUNCTIONS["nn.ReLU()"](lib, h)
        (early.sum() + h.sum()).backward()
        grads.append(np.asarray(x.grad))
    np.testing.assert_array_equal(grads[0], grads[1])


def test_leaf_in_grad_mode_refused_as_torch():
    for form in ("F.relu_", "nn.ReLU()", "F.elu(0.7,)", "nn.LeakyReLU(0.2,)"):
        tx = torch.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            FUNCTIONS[form](torch, tx)
        x = tg.Tensor(np.ones(3), requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad") as e:
            FUNCTIONS[form](tg, x)
        one_line(e)


def test_constant_written_without_graph():
    x = tg.Tensor(np.array([-1.0, 2.0]))
    out = tnn.ReLU(inplace=True)(x)
    assert out is x and x.data.tolist() == [0.0, 2.0] and x.grad_fn is None
    assert not x.requires_grad


@pytest.mark.slow  # (4 s: torch.optim's first use)
def test_sequential_sgd_matches_torch():
    """Sequential(Linear, ReLU(inplace=True), Linear) trained by SGD 5 steps: torch's weights."""
    rng = np.random.default_rng(11)
    X, Y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(inplace=True),
                               torch.nn.Linear(8, 2)).double()
    net = tnn.Sequential(tnn.Linear(4, 8), tnn.ReLU(inplace=True), tnn.Linear(8, 2))
    for (_, tp), (_, p) in zip(tnet.named_parameters(), net.named_parameters()):
        p.data = tp.detach().numpy().copy()
    topt = torch.optim.SGD(tnet.parameters(), lr=0.1)
    opt = tg.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(5):
        topt.zero_grad()
        ((tnet(torch.tensor(X)) - torch.tensor(Y)) ** 2).mean().backward()
        topt.step()
        opt.zero_grad()
        ((net(tg.Tensor(X)) - tg.Tensor(Y)) ** 2).mean().backward()
        opt.step()
    for tp, p in zip(tnet.parameters(), net.parameters()):
        assert mismatch(np.asarray(p.data), tp.detach().numpy(), 1e-10) is None


@pytest.mark.parametrize("name,args", [("dropout", (0.3, True)), ("rrelu", (0.1, 0.3, True)),
                                       ("alpha_dropout", (0.3, True)),
                                       ("dropout2d", (0.3, True))])
def test_random_forms_draw_once(name, args):
    """On an op's result the in-place form is the out-of-place form with the same draws (the
    mask drawn once, not once for the values and again for the recording)."""
    rng = np.random.default_rng(3)
    xv, wv = rng.standard_normal((4, 3, 5, 2)), rng.standard_normal((4, 3, 5, 2))
    res = []
    for inplace in (False, True):
        tg.manual_seed(7)
        x = tg.Tensor(xv, requires_grad=True)
        h = x * 2
        out = getattr(F, name)(h, *args, inplace=inplace)
        assert (out is h) == inplace
        (out * tg.Tensor(wv)).sum().backward()
        res.append((np.asarray(out.data).copy(), np.asarray(x.grad.data)))
    assert mismatch(res[1][0], res[0][0], 1e-12) is None
    assert mismatch(res[1][1], res[0][1], 1e-12) is None


def test_eval_dropout_returns_input_untouched():
    x = tg.Tensor(np.ones(3), requires_grad=True)
    h = x * 2
    for m in (tnn.Dropout(0.5, inplace=True), tnn.AlphaDropout(0.5, inplace=True)):
        assert m.eval()(h) is h and h.data.tolist() == [2.0] * 3 and h.grad_fn.name == "Mul"


# ---- jit: a step with recorded in-place writes replays, bit for bit as eager -----------------
_LIN, _LIN2 = tnn.Linear(3, 4), tnn.Linear(4, 2)
_RELU, _HT = tnn.ReLU(inplace=True), tnn.Hardtanh(-0.3, 0.4, inplace=True)


def _resnet_like_step(x):
    h = _LIN(x)
    h += x.tile((1, 2))[:, :4]  # (`out += identity`)
    h = _RELU(h)
    F.leaky_relu_(h, 0.1)
    _HT(h)
    y = _LIN2(h)
    y.relu_()
    y.mul_(2)
    y.masked_fill_(y > 0.5, 0.5)
    (y * y).sum().backward()
    return y


def test_jitted_step_with_inplace_writes_replays_as_eager():
    """(Before: `call it outside the jitted function`, the step ran eagerly.)"""
    rng = np.random.default_rng(21)
    draw = lambda: tg.Tensor(rng.standard_normal((5, 3)))  # noqa: E731
    jit_matches_eager(_resnet_like_step, [draw() for _ in range(5)], _LIN.weight)
    strict_replays_match(_resnet_like_step, draw, _LIN.weight, calls=5)


def test_jitted_inplace_write_on_a_tensor_made_before_the_step_runs_eagerly():
    w = tg.Tensor(np.ones(3), requires_grad=True)
    h = w * 2  # (made before the step: replay cannot follow its write)

    @jit
    def step(x):
        h.relu_()
        return (h * x).sum().detach()

    with pytest.warns(RuntimeWarning, match=r"Tensor\.relu_ writes in place on an op's result"
                                            r" the step did not compute"):
        step(tg.Tensor(np.ones(3)))


def test_jitted_training_with_inplace_layers_is_eagers_bit_for_bit():
    """ReLU(inplace=True) and Dropout(inplace=True) in training, a strict jit: the weights after
    6 SGD steps equal eager's and the out-of-place layers' bit for bit (the mask drawn once)."""
    def run(use_jit, inplace):
        tg.manual_seed(0)
        rng = np.random.default_rng(0)
        net = tnn.Sequential(tnn.Linear(3, 8), tnn.ReLU(inplace=inplace),
                             tnn.Dropout(0.3, inplace=inplace), tnn.Linear(8, 2)).train()
        opt = tg.optim.SGD(net.parameters(), lr=0.1)

        def step(x):
            loss = (net(x) ** 2).mean()
            loss.backward()
            return loss.detach()
        f = jit(step, strict=True) if use_jit else step
        for _ in range(6):
            opt.zero_grad()
            f(tg.Tensor(rng.standard_normal((4, 3))))
            opt.step()
        assert not use_jit or f.replays == 4
        return [p.data.tobytes() for p in net.parameters()]

    eager = run(False, True)
    assert run(True, True) == eager
    assert run(False, False) == eager
