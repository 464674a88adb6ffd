"""In-place activations against torch 2.13 (helper hINPL): F.relu_ / elu_ / leaky_relu_ /
hardtanh_ / threshold_ / celu_ / selu_ / rrelu_, the `inplace=True` of F's activations and
dropouts and of their layers, and the Tensor methods relu_ / sigmoid_ / tanh_ / exp_ / clamp_ /
..., each applied to a random target: a tensor without grad, a leaf that requires grad (in grad
mode and under no_grad), an op's result (of Mul, and of sigmoid / tanh / exp, whose backward
reads their output), a view of one whose base is read later, a result a later op saved, a
constant or a parameter a graph saved (written directly, through a view made before, under
no_grad), and a view of a leaf. Compared: which cases raise, the values written, the returned
object's identity, and the gradient of a random weighted sum.

The rule checked on every case: never a silently wrong number. Where both run and ours gave no
warning, values, identity and gradients are torch's; where ours warned (`inplace=True` on a view of
an op's input gives a new tensor, the input keeps its values: docs/pytorch.md; on an op's result
it is recorded since hINF), its gradient is the
out-of-place function's; where torch raises (its version counter) and ours runs, the gradient
is that of the values the forward used; where ours raises, the line names the call.
Left out: the random draws of rrelu / dropout in training (their own laws are tested in
tests/test_dropout_laws_hDROP.py; here their gradients are checked against the drawn mask), and
`x.sign_()` of NaN (NumPy's NaN, a documented difference).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn as tnn
from tests.oracle import F_INPLACE, functional_of, nn_of, one_line
from tinygrad_dl import functional as F
from tinygrad_dl.jit import JitError, jit

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _ops():
    ops = dict(F_INPLACE)
    for n, a in [("relu", ()), ("relu6", ()), ("leaky_relu", (0.2,)), ("elu", (0.7,)),
                 ("celu", (1.5,)), ("selu", ()), ("hardtanh", (-0.5, 2.0)), ("hardswish", ()),
                 ("hardsigmoid", ()), ("silu", ()), ("mish", ()), ("threshold", (0.1, 20.0)),
                 ("rrelu", (0.1, 0.3, False)), ("dropout", (0.3, False)),
                 ("dropout", (1.0, True)), ("alpha_dropout", (0.3, False))]:
        ops[f"F.{n}{a}"] = lambda L, x, n=n, a=a: getattr(functional_of(L), n)(x, *a, inplace=True)
    for n, a in [("ReLU", ()), ("LeakyReLU", (0.2,)), ("ELU", (0.7,)), ("Hardtanh", (-0.5, 2.0)),
                 ("SiLU", ()), ("Threshold", (0.1, 20.0)), ("Dropout", (1.0,))]:
        ops[f"nn.{n}"] = lambda L, x, n=n, a=a: getattr(nn_of(L), n)(*a, inplace=True)(x)
    for n, a in [("relu_", ()), ("sigmoid_", ()), ("tanh_", ()), ("exp_", ()), ("abs_", ()),
                 ("clamp_", (-0.5, 1.0)), ("clamp_min_", (0.2,)), ("clip_", (-0.5, 1.0))]:
        ops[f"x.{n}"] = lambda L, x, n=n, a=a: getattr(x, n)(*a)
    for n in ("relu_", "sigmoid_", "selu_", "celu_"):
        ops[f"torch.{n}"] = lambda L, x, n=n: getattr(L, n)(x)
    return ops


OPS = _ops()
SCENARIOS = ("leaf_nograd", "leaf_grad", "leaf_grad_nograd", "result_mul", "result_sigmoid",
             "result_tanh", "result_exp", "saved_by_next", "view_of_result", "const_saved",
             "const_view_pre_saved", "leaf_saved_nograd", "view_of_leaf", "detach_of_saved")


def _scenario(L, scen, op, xv, gv, dt):
    """Runs `op` on the scenario's target: {"out", "x", "grad", "id"} as far as it got."""
    def T(v, rg=False):
        return L.tensor(v.astype(dt), requires_grad=rg)

    res, w = {}, T(xv, True)
    g, g2 = T(gv), T(gv[::-1].copy())
    if scen == "leaf_nograd":
        x = T(xv)
        out = op(L, x)
        res.update(id=out is x, x=x, out=out)
    elif scen == "leaf_grad":
        res["out"] = op(L, w)
    elif scen == "leaf_grad_nograd":
        with L.no_grad():
            out = op(L, w)
        res.update(id=out is w, out=out)
    elif scen.startswith("result_"):
        h = {"mul": lambda: w * 1.5, "sigmoid": w.sigmoid, "tanh": w.tanh,
             "exp": w.exp}[scen[7:]]()
        out = op(L, h)
        res.update(id=out is h, out=out)
        (out * g).sum().backward()
        res["grad"] = w.grad
    elif scen == "saved_by_next":  # h saved by h * h, then written
        h = w * 1.5
        y = h * h
        out = op(L, h)
        ((y * g).sum() + (out * g2).sum()).backward()
        res["grad"] = w.grad
    elif scen == "view_of_result":  # a view of h written, h itself read after
        h = w * 1.5
        out = op(L, h[1:])
        ((out * g[1:]).sum() + (h * g2).sum()).backward()
        res["grad"] = w.grad
    elif scen in ("const_saved", "const_view_pre_saved"):
        c = T(xv[::-1].copy())
        v = c[1:]
        y = c * w
        op(L, c if scen == "const_saved" else v)
        (y * g).sum().backward()
        res["grad"] = w.grad
    elif scen == "leaf_saved_nograd":
        y = w * w
        with L.no_grad():
            op(L, w)
        (y * g).sum().backward()
        res["grad"] = w.grad
    elif scen == "view_of_leaf":
        res["out"] = op(L, w.reshape(1, -1).T)
    elif scen == "detach_of_saved":  # an alias of an array tanh saved (its output)
        y = w.tanh()
        op(L, y.detach())
        (y * g).sum().backward()
        res["grad"] = w.grad
    return res


def _run(L, scen, name, xv, gv, dt):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            torch.manual_seed(0)
            res = _scenario(L, scen, OPS[name], xv, gv, dt)
            res["status"] = "ok"
        except Exception as e:  # noqa: BLE001 - either library's refusal is compared
            res = {"status": "err", "msg": str(e)}
    res["warned"] = any(issubclass(w.category, RuntimeWarning) and "inplace=True" in
                        str(w.message) for w in caught)
    return res


def _arr(v):
    if v is None:
        return None
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    return np.asarray(v.data if isinstance(v, tg.Tensor) else v)


def _close(a, b, dt):
    a, b = _arr(a), _arr(b)
    if a is None or b is None:
        return a is None and b is None
    tol = 1e-10 if dt == "float64" else 1e-5  # (float32: torch's and ours round apart)
    return a.shape == b.shape and np.allclose(a, b, rtol=tol, atol=tol * 1e-2, equal_nan=True)


def _no_write_grad(scen, xv, gv, dt):
    """The gradient of the values the forward used (nothing written), torch's."""
    w = torch.tensor(xv.astype(dt), requires_grad=True)
    g = torch.tensor(gv.astype(dt))
    if scen == "saved_by_next":
        h = w * 1.5
        ((h * h) * g).sum().backward()
    elif scen in ("const_saved", "const_view_pre_saved"):
        (torch.tensor(xv[::-1].astype(dt)) * w * g).sum().backward()
    elif scen == "leaf_saved_nograd":
        (w * w * g).sum().backward()
    elif scen == "detach_of_saved":
        (w.tanh() * g).sum().backward()
    else:
        return None
    return w.grad


def _out_of_place_grad(scen, name, xv, gv, dt):
    """Ours with the op applied out of place (what a warned inplace=True computes)."""
    w = tg.tensor(xv.astype(dt), requires_grad=True)
    g, g2 = tg.tensor(gv.astype(dt)), tg.tensor(gv[::-1].astype(dt))
    h = {"result_mul": lambda: w * 1.5, "result_sigmoid": w.sigmoid, "result_tanh": w.tanh,
         "result_exp": w.exp, "saved_by_next": lambda: w * 1.5,
         "view_of_result": lambda: w * 1.5}[scen]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tg.manual_seed(0)
        if scen == "view_of_result":
            out = OPS[name](tg, h[1:])
            ((out * g[1:]).sum() + (h * g2).sum()).backward()
        elif scen == "saved_by_next":
            out = OPS[name](tg, h)
            (((h * h) * g).sum() + (out * g2).sum()).backward()
        else:
            (OPS[name](tg, h) * g).sum().backward()
    return w.grad


@pytest.mark.parametrize("seed", range(2))
def test_inplace_activations_never_silently_wrong_hINPL(seed):
    rng = np.random.default_rng([seed, 77])
    names = sorted(OPS)
    for case in range(250):  # (the dropouts: p = 1 or evaluation, no draws)
        name, scen = str(rng.choice(names)), str(rng.choice(SCENARIOS))
        dt = "float64" if rng.random() < 0.8 else "float32"
        k = int(rng.integers(2, 6))
        xv = np.round(rng.standard_normal(k) * 2, 2)
        if rng.random() < 0.3:
            xv[rng.integers(k)] = rng.choice([0.0, -0.0, 0.1, -0.5, 2.0])
        gv = np.round(rng.standard_normal(k), 2)
        ours, theirs = _run(tg, scen, name, xv, gv, dt), _run(torch, scen, name, xv, gv, dt)
        where = (seed, case, name, scen, dt, xv.tolist())
        if ours["status"] == "err":
            assert "\n" not in ours["msg"], where
            assert theirs["status"] == "err" or any(  # ours refuses more: named, one line
                s in ours["msg"] for s in ("in-place on the result of", "live graph",
                                           "shares its array", "was replaced by")), \
                (where, ours["msg"])
            continue
        if ours["warned"]:  # a new tensor, the input kept: the out-of-place gradient
            if "grad" in ours:
                assert _close(ours["grad"], _out_of_place_grad(scen, name, xv, gv, dt), dt), \
                    where
            continue
        if theirs["status"] == "err":  # torch's version counter: ours must be the right one
            right = _no_write_grad(scen, xv, gv, dt)
            if right is not None:
                assert _close(ours.get("grad"), right, dt), (where, ours, theirs["msg"])
            continue
        for key in ("out", "x", "grad"):
            if key in theirs:  # (hardsigmoid on an op's result is recorded now, hINF, so its
                # gradient meets torch's, whose float64 backward multiplies by float32's 1/6)
                tol = "float32" if key == "grad" and "hardsigmoid" in name else dt
                assert _close(ours.get(key), theirs[key], tol), (where, key, ours, theirs)
        if "id" in theirs:
            assert ours["id"] == theirs["id"], where


# ---- a view of a leaf that requires grad: refused as torch, whatever op made the view ------
VIEWS = {"w.T": lambda w: w.T, "w.reshape(-1)": lambda w: w.reshape(-1),
         "w.expand(2, 2, 2)": lambda w: w.expand(2, 2, 2), "w.T[0]": lambda w: w.T[0],
         "w.unsqueeze(0)": lambda w: w.unsqueeze(0)}


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("call", ["F.relu", "F.hardtanh", "nn.LeakyReLU", "F.dropout"])
def test_inplace_flag_on_any_view_of_a_leaf_is_refused_as_torch_hINPL(view, call):
    """Before: only a GetItem view was refused; `F.relu(w.T, inplace=True)` gave a new tensor
    with a warning where torch raises (the view-of-a-leaf rule)."""
    def apply(L, x):
        if call == "nn.LeakyReLU":
            return nn_of(L).LeakyReLU(0.1, inplace=True)(x)
        if call == "F.dropout":
            return functional_of(L).dropout(x, 1.0, True, True)
        return getattr(functional_of(L), call[2:])(x, inplace=True)

    tw = torch.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        apply(torch, VIEWS[view](tw))
    w = tg.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no warning: refused)
        with pytest.raises(RuntimeError) as e:
            apply(tg, VIEWS[view](w))
    who = "leaky_relu" if call == "nn.LeakyReLU" else call[2:]
    one_line(e, f"F.{who}(inplace=True): a view of a leaf Variable that requires grad")
    np.testing.assert_array_equal(w.data, [[-1.0, 2.0], [3.0, -4.0]])


def test_inplace_flag_on_a_view_of_a_leaf_under_no_grad_is_refused_in_one_line_hINPL():
    """Torch writes the leaf through a view taken in grad mode and written under no_grad; here
    the view's graph is in the way: refused in one line (before: a new tensor, the leaf left as
    it was, said only in a warning). A view taken under no_grad is written, as torch."""
    w = tg.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    v = w.T
    with tg.no_grad(), pytest.raises(RuntimeError) as e:
        F.relu(v, inplace=True)
    one_line(e, "F.relu(inplace=True): the input is a view of a leaf", "inside no_grad()")
    with tg.no_grad():
        v = w.T
        assert F.relu(v, inplace=True) is v
    tw = torch.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    with torch.no_grad():
        TF.relu(tw.T, inplace=True)
    np.testing.assert_array_equal(w.data, tw.detach().numpy())


def test_inplace_flag_on_an_advanced_index_of_a_leaf_is_not_a_view_hINPL():
    """`w[[0, 1]]` copies (torch writes that copy, not w): before, refused as 'a view of a leaf
    Variable', which torch does not say; now an op's result as any other (a new tensor, the
    warning; since the in-place forms are recorded on an op's result, written in place as
    torch's, no warning), with torch's values and gradient."""
    w = tg.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    tw = torch.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    picked = w[[1, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.relu(picked, inplace=True)
    assert out is picked  # (torch returns the tensor it wrote)
    ref = TF.relu(tw[[1, 0]], inplace=True)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    g = np.array([[0.5, -1.0], [2.0, 3.0]])
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())


@pytest.mark.parametrize("call, who", [(lambda w: F.relu_(w), "F.relu_"),
                                       (lambda w: F.elu(w, inplace=True), "F.elu(inplace=True)"),
                                       (lambda w: tnn.Threshold(0.1, 2.0, True)(w),
                                        "F.threshold(inplace=True)")])
def test_a_backward_after_the_write_names_the_call_not_copy_hINPL(call, who):
    """A parameter a graph saved, written by F.relu_ under no_grad: the backward's refusal
    named `Tensor.copy_` (the helper it wrote through), a name the user never wrote."""
    w = tg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = w * w
    with tg.no_grad():
        call(w)
    with pytest.raises(RuntimeError) as e:
        y.sum().backward()
    one_line(e, f"replaced by {who} after the forward")
    assert "copy_" not in str(e.value)


# ---- threshold of an integer tensor: torch's casts (the in-place forms were refused) --------
@pytest.mark.parametrize("dt, th, value", [("int64", 0.5, 2.9), ("int64", -0.5, -2.9),
                                           ("int8", 0, 127.0), ("int32", 1.5, 7),
                                           ("uint8", 1, 3.5), ("int64", True, 5),
                                           ("int64", 1, True), ("int16", np.float64(2.2), 9)])
def test_threshold_of_an_integer_tensor_keeps_its_dtype_as_torch_hINPL(dt, th, value):
    """Both numbers cast to the tensor's dtype (a float truncated toward zero), the result of
    that dtype: before, a float promoted it to float64 (-0.5 compared as a float: 0 kept, where
    torch writes the value) and F.threshold_ / inplace=True / nn.Threshold(inplace=True) were
    refused by the same_kind cast."""
    a = np.array([-3, -1, 0, 1, 2, 5]) if dt != "uint8" else np.array([0, 1, 2, 5])
    ref = TF.threshold(torch.tensor(a.astype(dt)), th, value)
    out = F.threshold(tg.tensor(a.astype(dt)), th, value)
    assert out.data.dtype == np.dtype(dt)
    np.testing.assert_array_equal(out.data, ref.numpy())
    for write in (lambda x: F.threshold_(x, th, value),
                  lambda x: F.threshold(x, th, value, inplace=True),
                  lambda x: tnn.Threshold(th, value, inplace=True)(x)):
        x = tg.tensor(a.astype(dt))
        assert write(x) is x
        np.testing.assert_array_equal(x.data, ref.numpy())


@pytest.mark.parametrize("dt, th, value, bad", [
    ("int64", float("nan"), 2, "threshold nan"), ("int64", 0, np.inf, "value inf"),
    ("int8", 0, 300.0, "value 300.0"), ("int8", 0, 127.9, "value 127.9"),
    ("uint8", -0.5, 3.0, "threshold -0.5"), ("int32", 2**40, 1, "threshold 1099511627776"),
    ("float32", 0, 1e300, "value 1e+300"), ("float32", 1e300, 0, "threshold 1e+300")])
def test_threshold_numbers_that_do_not_fit_the_dtype_are_refused_as_torch_hINPL(dt, th, value,
                                                                                 bad):
    """Before: NaN / inf / 300.0 into an integer tensor gave a float64 result, 1e300 into
    float32 inf with NumPy's overflow warning; torch refuses each."""
    a = np.array([-1, 0, 2]).astype(dt)
    with pytest.raises(RuntimeError, match="without overflow"):
        TF.threshold(torch.tensor(a), th, value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as e:
            F.threshold(tg.tensor(a), th, value)
    one_line(e, f"threshold: {bad} ")


def test_threshold_of_a_bool_tensor_is_refused_as_torch_hINPL():
    """Before: an int64 tensor (NumPy's where of bools and an int); torch refuses it."""
    with pytest.raises(NotImplementedError):
        TF.threshold(torch.tensor([True, False]), 0, 1)
    with pytest.raises(TypeError) as e:
        F.threshold(tg.tensor([True, False]), 0, 1)
    one_line(e, "threshold: not supported for a bool tensor")


# ---- inside a jitted step ----------------------------------------------------------------
def test_inplace_layers_on_op_results_replay_as_eager_hINPL():
    """nn.ReLU(inplace=True) / nn.Dropout(p, inplace=True) after a matmul (an op's result: a new
    tensor, no write) replay bit for bit as eagerly, the dropout from the same seed."""
    rng = np.random.default_rng(0)
    W = tg.Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    xs = [tg.Tensor(rng.standard_normal((5, 4))) for _ in range(5)]
    relu, drop = tnn.ReLU(inplace=True), tnn.Dropout(0.5, True)

    def step(x):
        out = drop(relu(x @ W))
        out.sum().backward()
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        j = jit(step)
        tg.manual_seed(3)
        got = []
        for x in xs:
            W.grad = None
            got.append((j(x).data.copy(), W.grad.copy()))
        assert j.replays >= len(xs) - 2
        tg.manual_seed(3)
        for x, (o, g) in zip(xs, got):
            W.grad = None
            np.testing.assert_array_equal(step(x).data, o)
            np.testing.assert_array_equal(W.grad, g)


def test_a_write_into_the_input_inside_a_strict_jitted_step_is_named_hINPL():
    W = tg.Tensor(np.ones((4, 3)), requires_grad=True)
    for write, who in ((lambda x: F.relu_(x), "F.relu_, a write into its input,"),
                       (lambda x: x.relu_(), "Tensor.relu_ runs inside the step")):
        def step(x, write=write):
            out = write(x) @ W
            out.sum().backward()
            return out

        with pytest.raises(JitError) as e:
            jit(step, strict=True)(tg.Tensor(np.ones((2, 4))))
        assert who in str(e.value)


def test_torch_top_level_rrelu_in_place_hINPL():
    """torch.rrelu_ (beside torch.relu_, selu_, celu_, threshold_): before, AttributeError."""
    a = np.array([[-1.0, 2.0, -0.5], [0.0, -3.0, 4.0]])
    x, y = tg.tensor(a.copy()), torch.tensor(a.copy())
    assert tg.rrelu_(x, 0.2, 0.2) is x and torch.rrelu_(y, 0.2, 0.2) is y
    np.testing.assert_array_equal(x.numpy(), y.numpy())
    w = tg.tensor(a.copy(), requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        tg.rrelu_(w)
    one_line(e, "F.rrelu_: a leaf Variable that requires grad")
