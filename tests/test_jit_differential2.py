"""Round 2 of the differential review of `jit` (2026-12-02), on what round 1 did not cover:
the ConvNet and the conv/pool ops (whose work arrays a replay reuses), outputs and gradients
the user keeps across calls, parameters and modules changed between calls, optimizers driven
outside the step, numbers as arguments, and a step that raises on some calls.

Every case runs through round 1's harness (`test_jit_differential.check`: eager and jitted
alike, bit for bit, with jit's expected outcome) and, here, through `held`: every returned
value and every `.grad` array is kept for the whole run and must, at the end, still be what
it was when the call returned, both ways (no output or gradient aliases a work array the next
replay overwrites), and `scribbled`: the user writes into what a call returned.

Fixed (each case failed before): a float argument that is NaN (a fresh NaN every call: NaN !=
NaN, so each was a new signature, never replayed, jit's warning every call and the 8
signatures used up) is keyed by its bits (`fresh_nan_and_inf_numbers_each_call`); CharRNN's
index range was checked in Python, which a replay skips (a -1 in X on a replayed call wrapped
around U[-1] silently; other errors came with other types or messages): ops check it now
(`char_rnn_*_on_replayed_calls`). The rest replays, re-records or warns as it should.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_jit_differential import canon, check, data, linear, model_loss, zero

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn, optim
from tinygrad_dl import functional as F
from tinygrad_dl.jit import jit
from tinygrad_dl.models import KLayer
from tinygrad_dl.models.char_rnn import CharRNN
from tinygrad_dl.models.convnet import ConvNet

CASES: dict[str, tuple] = {}


def run(calls: list, make: Callable, body: Callable, after: Callable | None,
        jitted: bool) -> tuple[list, list, Any]:
    """(what each call showed when it returned, the same objects seen again at the end)."""
    tg.manual_seed(11)
    st = make()
    step = jit(body(st)) if jitted else body(st)
    held, at_return = [], []
    for args, kwargs in calls:
        try:
            out: Any = step(*args(), **kwargs)
        except Exception as e:  # noqa: BLE001 - compared: the same error both ways
            out = ("raised", type(e).__name__, str(e))
        kept = (out, [p.grad for p in st["params"]], st["keep"]() if "keep" in st else None)
        held.append(kept)
        at_return.append(canon(kept))
        if after is not None:
            after(st)
    return at_return, [canon(k) for k in held], step


def held(name: str) -> None:
    _, make, body, calls, after, _ = CASES[name]
    with warnings.catch_warnings():  # (compared by check(); here only the values held)
        warnings.simplefilter("ignore")
        e_ret, e_end, _ = run(calls, make, body, after, False)
        j_ret, j_end, step = run(calls, make, body, after, True)
    assert e_ret == j_ret, f"{name}: a call returned other values than eager"
    for i, (r, end) in enumerate(zip(j_ret, j_end)):
        if e_ret[i] == e_end[i]:  # what eager's values keep, jit's must keep
            assert r == end, f"{name}: what call {i} returned changed under the user's feet"
    assert e_end == j_end


def case(expect: str, make: Callable, calls: list, after: Callable | None = None):
    def register(body: Callable) -> Callable:
        CASES[body.__name__] = (expect, make, body, calls, after, False)
        return body
    return register


def batches(f: Callable[[int], tuple], seeds=range(5)) -> list:
    return [((lambda s=s: f(s)), {}) for s in seeds]


def sgd_after(st: dict) -> None:  # the update outside the step; .grad arrays let go of
    opt = st.setdefault("opt", optim.SGD(st["params"], lr=0.05, momentum=0.9))
    opt.step()
    opt.zero_grad()


def in_place_zero(st: dict) -> None:  # zero_grad's other habit: .grad kept, zeroed in place
    sgd_after(st)
    for p in st["params"]:
        if p.grad is not None:
            p.grad[...] = 0


# ---- the ConvNet and conv/pool ops ---------------------------------------------------------
def convnet() -> dict:
    net = ConvNet(image=(1, 4, 4), K=3, channels=[2, 3], lam=0.01,
                  rng=np.random.default_rng(0))
    return {"net": net, "params": net.parameters()}


def images(s: int, n: int = 4) -> tuple:
    r = np.random.default_rng(s)
    return r.standard_normal((n, 16)), r.integers(0, 3, n)


CONV_CALLS = batches(images) + batches(lambda s: images(s, n=3), [7, 8, 9])


def conv_step(st: dict) -> Callable:
    net = st["net"]

    def step(X, y):  # the net layer by layer: every intermediate activation handed out
        x = Tensor(X).reshape(X.shape[0], 1, 4, 4)
        acts = []
        for layer in net.layers:
            x = layer(x)
            acts.append(x.detach())
        loss = F.cross_entropy(x, y) + net.lam * sum((m.W ** 2).sum() for m in net.linears)
        loss.backward()
        return loss, acts
    return step


for _name, _after in (("sgd", sgd_after), ("zeroed_in_place", in_place_zero), ("none", None)):
    CASES[f"convnet_activations_kept_{_name}"] = ("replay", convnet, conv_step, CONV_CALLS,
                                                  _after, False)


def convnet_loss(st: dict) -> Callable:
    net = st["net"]

    def step(X, y):
        S = net(X)
        loss = F.cross_entropy(S, y)
        loss.backward()
        return loss, S.detach(), S.data
    return step


CASES["convnet_logits_and_data_kept"] = ("replay", convnet, convnet_loss, CONV_CALLS,
                                         sgd_after, False)


def conv_ops() -> dict:
    r = np.random.default_rng(3)
    w = Tensor(r.standard_normal((2, 2, 3, 3)), requires_grad=True)
    b = Tensor(r.standard_normal(2), requires_grad=True)
    w2 = Tensor(r.standard_normal((2, 2, 1, 1)), requires_grad=True)
    return {"w": w, "b": b, "w2": w2, "params": [w, b, w2]}


def conv_op_step(st: dict) -> Callable:
    w, b, w2 = st["w"], st["b"], st["w2"]

    def step(X):  # strided, padded, dilated convs and overlapping pools; the input's grad
        x = Tensor(X, requires_grad=False) * 1.0
        x = Tensor(X) + w.sum() * 0.0  # x needs a grad: conv's dx path runs
        a = F.conv2d(x, w, b, stride=2, padding=1)
        c = F.conv2d(x, w, b, padding=2, dilation=2)
        p = F.max_pool2d(c, 3, stride=1) + F.avg_pool2d(c, 2, stride=1)[:, :, :-1, :-1]
        d = F.conv2d(p, w2, stride=1)
        loss = (a ** 2).sum() + (d * d).mean() + F.max_pool2d(a, 2).sum()
        loss.backward()
        return loss, a.detach(), c.detach(), p.detach(), d.detach(), a.data
    return step


def conv_images(s: int) -> tuple:
    return (np.random.default_rng(s).standard_normal((2, 2, 6, 6)),)


CASES["conv_pool_ops_strided_dilated"] = ("replay", conv_ops, conv_op_step,
                                          batches(conv_images), sgd_after, False)


# ---- outputs kept across calls: the char-RNN, the course's loop ------------------------------
def char_rnn(fused: bool = False) -> Callable[[], dict]:
    def make() -> dict:
        net = CharRNN(5, m=6, rng=np.random.default_rng(0), fused=fused)
        st = {"net": net, "params": net.parameters(), "h": np.zeros((1, 6))}
        st["keep"] = lambda: net.h_last
        return st
    return make


def text(s: int) -> tuple:
    r = np.random.default_rng(s)
    return r.integers(0, 5, 7), r.integers(0, 5, 7)


def adagrad_clip(st: dict) -> None:  # the course's loop: clip, AdaGrad, zero; h carried on
    opt = st.setdefault("opt", optim.AdaGrad(st["params"], lr=0.1))
    optim.clip_grad_value_(st["params"], 0.05)
    opt.step()
    opt.zero_grad()
    st["h"] = st["net"].h_last


def rnn_step(st: dict) -> Callable:
    net = st["net"]

    def step(X, Y, h0=None):
        logits = net(X, h0)
        loss = F.cross_entropy(logits, Y, reduction="sum")
        loss.backward()
        return loss, logits.detach()
    return step


def rnn_step_returning_h_last(st: dict) -> Callable:
    net = st["net"]

    def step(X, Y):  # h_last is an array set by an op (Tap): returned, it is refused
        loss = F.cross_entropy(net(X), Y, reduction="sum")
        loss.backward()
        return loss, net.h_last
    return step


CASES["char_rnn_returns_h_last"] = ("eager", char_rnn(), rnn_step_returning_h_last,
                                    batches(text, range(4)), adagrad_clip, False)
for _fused in (False, True):
    CASES[f"char_rnn_h_last_kept_adagrad_fused_{_fused}"] = (
        "replay", char_rnn(_fused), rnn_step, batches(text, range(6)), adagrad_clip, False)


def carried(st_box: list) -> list:  # h0 = the previous call's h_last, as the course's loop
    return [((lambda s=s: (*text(s), st_box[0]["h"])), {}) for s in range(6)]


# ---- numbers as arguments --------------------------------------------------------------------
def scaled(s: int, v: Any) -> tuple:
    return (data(s)[0], v)


NUMBERS = [0.5, 0.5, 0.5, 0.0, 0.0, -0.0, 0.0, -0.0, -0.0, 1, 1, 1, 1.0, True, True, True]
NON_FINITE = [float("nan") for _ in range(9)] + [-float("nan") for _ in range(3)] + [
    float(v) for v in ("inf", "-inf", "inf", "-inf", "inf", "-inf")] + [2, 2, 2]


def with_numbers(values: list) -> list:
    return [((lambda s=s, v=v: scaled(s, v)), {}) for s, v in enumerate(values)]


def number_step(st: dict) -> Callable:
    W, b = st["W"], st["b"]

    def step(X, v):
        z = Tensor(X) @ W + b
        loss = (z * v).sum() + (z / (1.0 + abs(v) if v == v else 2.0)).sum() + v
        loss.backward()
        return loss, z.detach(), v
    return step


CASES["python_numbers_as_arguments"] = ("replay", linear, number_step, with_numbers(NUMBERS),
                                        zero, False)
# was: a NaN is never == itself, so each call's fresh NaN (float("nan"), a computed one) was a
# new signature: never replayed, jit's warning on every call, and the 8 signatures used up for
# good (a later new batch shape ran eagerly); now a float is keyed by its bits
CASES["fresh_nan_and_inf_numbers_each_call"] = ("replay", linear, number_step,
                                                with_numbers(NON_FINITE), zero, False)


def bound_step(st: dict) -> Callable:
    W, b = st["W"], st["b"]

    def step(X, k, *, scale=1.0):  # an int as slice bounds (0, -1), a float as a keyword
        z = Tensor(X)[:k] @ W + b
        loss = (z * scale).sum() + z[k - 1:].sum() * k
        loss.backward()
        return loss, z.detach()
    return step


_KS = [2, 2, 2, 3, 3, 3, -1, -1, -1, 0, 0, 0]
_SCALES = [float("nan")] * 3 + [-0.0, 0.0, -0.0] + [1e308] * 3 + [5e-324] * 3
CASES["int_slice_bounds_and_keyword_floats"] = (
    "replay", linear, bound_step,
    [((lambda s=s, k=k: (data(s)[0], k)), {"scale": v})
     for s, (k, v) in enumerate(zip(_KS, _SCALES))], zero, False)


def nonfinite(s: int) -> tuple:
    X = data(s)[0]
    if s in (3, 4):
        X[s - 3, :] = (np.nan, np.inf, -np.inf, -0.0)
    return X, data(s)[1]


def sizes(s: int) -> tuple:  # full, then batch size 1, then an empty batch (each 3 times)
    return data(s, n=(6, 1, 0)[s // 3])


def ce_step(st: dict) -> Callable:
    W, b = st["W"], st["b"]

    def step(X, y):
        z = Tensor(X) @ W + b
        loss = F.cross_entropy(z, y) + (W ** 2).sum() * 0.01
        loss.backward()
        return loss, z.detach()
    return step


CASES["nan_and_inf_in_arguments"] = ("replay", linear, ce_step, batches(nonfinite, range(6)),
                                     zero, False)
CASES["batch_size_1_then_empty"] = ("replay", linear, ce_step, batches(sizes, range(9)),
                                    sgd_after, False)


# ---- a step that raises on some calls, then good data -----------------------------------------
def bad_on(which: set) -> Callable[[int], tuple]:
    def f(s: int) -> tuple:
        X, y = data(s)
        if s in which:
            y = y.copy()
            y[1] = 7
        return X, y
    return f


for _bad in ((0,), (1,), (3,), (2, 5)):
    CASES[f"bad_labels_on_call_{'_'.join(map(str, _bad))}_then_good"] = (
        "replay", linear, ce_step, batches(bad_on(set(_bad)), range(8)), sgd_after, False)


# ---- parameters and modules changed between calls -------------------------------------------
def k_layer() -> dict:
    net = KLayer(4, [5], 3, lam=0.01, batch_norm=True, rng=np.random.default_rng(0))
    return {"net": net, "params": net.parameters(),
            "extra": lambda: [b.copy() for b in net.buffers()]}


def every(k: int, change: Callable[[dict], None]) -> Callable[[dict], None]:
    def after(st: dict) -> None:
        st["n"] = st.get("n", 0) + 1
        zero(st)
        if st["n"] == k:
            change(st)
    return after


def to32(st: dict) -> None:
    for p in st["params"]:
        p.data = p.data.astype(np.float32)


def widen(st: dict) -> None:  # W (4, 3) -> (4, 3) rebound, b reshaped: another shape
    st["b"].data = np.zeros((1, 3))


def freeze(st: dict) -> None:
    st["W"].requires_grad = not st["W"].requires_grad


def freeze_then_thaw(st: dict) -> None:
    st["n"] = st.get("n", 0) + 1
    zero(st)
    if st["n"] in (3, 6):
        freeze(st)


CHANGES = {"dtype_to_float32": to32, "bias_shape": widen, "requires_grad_off": freeze}
for _name, _change in CHANGES.items():
    CASES[f"linear_{_name}_between_calls"] = ("rerecord", linear, ce_step,
                                              batches(data, range(8)), every(3, _change), False)
CASES["linear_requires_grad_off_then_on"] = ("rerecord", linear, ce_step,
                                             batches(data, range(10)), freeze_then_thaw, False)


model_step = model_loss  # (the harness's: net.loss(*batch), backward, return the loss)


def replace_param(st: dict) -> None:
    net = st["net"]
    net.layers[0].W = Tensor(net.layers[0].W.data * 0.5, requires_grad=True)
    st["params"] = net.parameters()


def add_module(st: dict) -> None:
    st["net"].extra = nn.Linear(2, 2)


def reset_stats(st: dict) -> None:  # by hand, in place and rebound
    bn = next(m for m in st["net"].modules() if isinstance(m, nn.BatchNorm1d))
    bn.running_mean[...] = 0.0
    bn.running_var = np.ones_like(bn.running_var)


def eval_mode(st: dict) -> None:
    st["net"].eval()


def toggle(st: dict) -> None:
    st["n"] = st.get("n", 0) + 1
    zero(st)
    st["net"].train(st["n"] % 6 < 3)


def toggle_every_2(st: dict) -> None:  # invalidated 3 times in a row, never replayed: given up
    st["n"] = st.get("n", 0) + 1
    zero(st)
    st["net"].train(st["n"] % 4 < 2)


MODULE_CHANGES = {"parameter_replaced": replace_param, "module_added": add_module,
                  "running_stats_reset": reset_stats, "eval_mode": eval_mode}
for _name, _change in MODULE_CHANGES.items():
    CASES[f"k_layer_{_name}_between_calls"] = (
        "replay" if _name == "running_stats_reset" else "rerecord", k_layer, model_step,
        batches(data, range(8)), every(3, _change), False)
CASES["k_layer_train_eval_toggled"] = ("rerecord", k_layer, model_step, batches(data, range(12)),
                                       toggle, False)
CASES["k_layer_train_eval_toggled_every_2"] = ("eager", k_layer, model_step,
                                               batches(data, range(8)), toggle_every_2, False)


# ---- optimizers outside the step -------------------------------------------------------------
def lr_changes(st: dict) -> None:
    opt = st.setdefault("opt", optim.Adam([{"params": [st["W"]], "lr": 0.01},
                                           {"params": [st["b"]]}], lr=0.1))
    opt.step()
    opt.zero_grad()
    opt.param_groups[0]["lr"] *= 0.5
    opt.param_groups[1]["lr"] = 0.02


def clip_norm(st: dict) -> None:
    optim.clip_grad_norm_(st["params"], 0.1)
    sgd_after(st)


def accumulate_2(st: dict) -> None:  # two calls' gradients, then one step
    st["n"] = st.get("n", 0) + 1
    if st["n"] % 2 == 0:
        clip_norm(st)


for _name, _after in (("param_group_lr", lr_changes), ("clip_grad_norm", clip_norm),
                      ("accumulate_2_then_clip_step", accumulate_2)):
    CASES[f"optimizer_{_name}_outside"] = ("replay", linear, ce_step, batches(data, range(7)),
                                           _after, False)

# ---- more of the ConvNet: changed between calls, interleaved shapes, NaN pixels -------------
def conv_to32(st: dict) -> None:
    for p in st["params"]:
        p.data = p.data.astype(np.float32)


def conv_freeze_thaw(st: dict) -> None:
    st["n"] = st.get("n", 0) + 1
    sgd_after(st)
    if st["n"] in (3, 6):
        w = st["net"].layers[0].W
        w.requires_grad = not w.requires_grad


def nan_pixels(s: int) -> tuple:
    X, y = images(s, n=(4, 3)[s % 2])  # two signatures interleaved: each its work arrays
    if s in (4, 5):
        X[0, :5] = np.nan
    return X, y


CASES["convnet_float32_between_calls"] = ("rerecord", convnet, convnet_loss,
                                          batches(images, range(7)), every(3, conv_to32), False)
CASES["convnet_first_conv_frozen_then_thawed"] = ("rerecord", convnet, convnet_loss,
                                                  batches(images, range(10)), conv_freeze_thaw,
                                                  False)
CASES["convnet_interleaved_batch_sizes_nan_pixels"] = ("replay", convnet, conv_step,
                                                       batches(nan_pixels, range(9)), sgd_after,
                                                       False)


def eval_k_layer() -> dict:
    st = k_layer()
    st["net"].eval()
    return st


CASES["k_layer_eval_running_stats_reset"] = ("replay", eval_k_layer, model_step,
                                             batches(data, range(8)), every(3, reset_stats),
                                             False)



# ---- the char-RNN's index check on a replayed call --------------------------------------------
def bad_text(where: str, v: int) -> Callable[[int], tuple]:
    def f(s: int) -> tuple:
        X, Y = text(s)
        if s in (3, 5):  # replayed calls, each followed by good data
            (X if where == "X" else Y)[2] = v
        return X, Y
    return f


# was: CharRNN checked its indices in Python, which a replay skips: a -1 in X on a replayed
# call was U[-1] (wrapped around: a loss returned) where eager raised ValueError, a 9 raised
# IndexError from getitem, and the fused op's and cross_entropy's own messages came instead of
# CharRNN's; now ops check them, in replay too: a Tap on X (unfused), the rnn op (fused),
# cross_entropy (Y)
rnn_loss_step = model_loss  # (the harness's: net.loss(*batch), backward, return the loss)


for _fused in (False, True):
    for _where, _v in (("X", -1), ("X", 9), ("Y", -1), ("Y", 5)):
        for _body in (rnn_step, rnn_loss_step):  # F.cross_entropy's own check, or loss()'s
            CASES[f"char_rnn_fused_{_fused}_{_body.__name__}_{_where}_{_v}_on_replayed_calls"] = (
                "replay", char_rnn(_fused), _body, batches(bad_text(_where, _v), range(7)),
                adagrad_clip, False)


def k_layer_dropout() -> dict:
    net = KLayer(4, [6, 5], 3, lam=0.01, batch_norm=True, dropout=0.3,
                 rng=np.random.default_rng(0))
    return {"net": net, "params": net.parameters(),
            "extra": lambda: [b.copy() for b in net.buffers()]}


# dropout's stream and batch norm's statistics across mode switches and re-recordings
CASES["k_layer_dropout_train_eval_toggled"] = ("rerecord", k_layer_dropout, model_step,
                                               batches(data, range(12)), toggle, False)


# ---- the user writes into what a call returned ------------------------------------------------
def scribble(out: Any, st: dict) -> None:
    """Overwrite every writable array a call returned (and CharRNN.h_last) in place."""
    for v in out if isinstance(out, tuple) else (out,):
        for t in v if isinstance(v, list) else [v]:
            a = t.data if isinstance(t, Tensor) else t
            if isinstance(a, np.ndarray) and a.flags.writeable:
                a[...] = 123.0
    if getattr(st.get("net"), "h_last", None) is not None:
        st["net"].h_last[...] = 7.0


def scribbled(name: str, jitted: bool) -> list:
    _, make, body, calls, after, _ = CASES[name]
    tg.manual_seed(11)
    st = make()
    step = jit(body(st)) if jitted else body(st)
    seen: list = []
    for args, kwargs in calls:
        try:
            out = step(*args(), **kwargs)
            seen.append(canon(out))
            scribble(out, st)
        except ValueError as e:
            seen.append(str(e))
        seen.append([(canon(p.grad), canon(p.data)) for p in st["params"]])
        if after is not None:
            after(st)
    return seen


SCRIBBLED = ["convnet_activations_kept_sgd", "convnet_logits_and_data_kept",
             "conv_pool_ops_strided_dilated", "char_rnn_h_last_kept_adagrad_fused_False",
             "char_rnn_h_last_kept_adagrad_fused_True", "python_numbers_as_arguments",
             "batch_size_1_then_empty"]


@pytest.mark.parametrize("name", SCRIBBLED)
def test_writing_into_what_a_call_returned_changes_nothing_else(name):
    """No returned array is one the replay reads or writes again (a register, a work array)."""
    assert scribbled(name, False) == scribbled(name, True)

@pytest.mark.parametrize("name", sorted(CASES))
def test_jitted_step_is_eager_or_warns(name):
    check(CASES[name], name)


@pytest.mark.parametrize("name", sorted(n for n in CASES if "_on_replayed_calls" not in n))
def test_what_the_user_holds_is_not_overwritten(name):  # (bad indices: errors, nothing held)
    held(name)


def test_course_loop_h0_is_the_previous_h_last():
    """The course's char-RNN loop feeds the last call's h_last back as h0: both ways alike,
    and every held h_last, logits and .grad unchanged at the end."""
    box: list = []

    def make() -> dict:
        st = char_rnn()()
        box[:] = [st]
        return st
    CASES["_carried"] = ("replay", make, rnn_step, carried(box), adagrad_clip, False)
    try:
        check(CASES["_carried"], "_carried")
        held("_carried")
    finally:
        del CASES["_carried"]


def test_jit_state_after_errors_replays_again():
    st = linear()
    step = jit(ce_step(st))
    for s in range(8):
        X, y = bad_on({3, 4})(s)
        if s in (3, 4):
            with pytest.raises(ValueError, match="labels"):
                step(X, y)
        else:
            step(X, y)
        zero(st)
    assert step.replays >= 4 and not step.fallbacks
