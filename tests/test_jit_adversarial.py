"""Adversarial jit steps: each step, run eagerly and jitted for 6+ calls, gives eager's numbers
bit for bit (replayed, or recorded afresh when a guard saw a change), or warns and runs eagerly
(and raises JitError with strict=True). No step may differ silently.

Most scenarios give calls 1 and 2 the SAME batch (the adversarial case for a recorder that
compares two calls) and update the parameters between calls, as a training loop does, so a
stale replay shows in the numbers. What jit cannot see is pinned down in the last tests.
"""

from __future__ import annotations

import contextlib
import warnings
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import tinygrad_dl.functional as F
from tinygrad_dl import Tensor, detect_anomaly, nn, no_grad
from tinygrad_dl.jit import JitError, jit
from tinygrad_dl.jit.plan import Plan
from tinygrad_dl.models import CharRNN, KLayer, TwoLayer
from tinygrad_dl.optim import SGD, clip_grad_norm_
from tinygrad_dl.optim.lr_scheduler import StepLR

N_CALLS = 6
D, K, B = 4, 3, 8  # features, classes, batch


@dataclass
class Scenario:
    step: Callable[..., Any]
    calls: list[tuple[Any, ...]]
    params: list[Tensor]
    before: Callable[[int], None] = lambda i: None  # outside the step, before call i
    zero: bool = True  # the loop sets .grad = None after each update
    observe: Callable[[], list[Any]] = field(default=lambda: [])
    around: Callable[[int], Any] = lambda i: contextlib.nullcontext()  # context of call i


CASES: dict[str, tuple[str, Callable[[], Scenario]]] = {}


def case(expect: str) -> Callable[[Callable[[], Scenario]], Callable[[], Scenario]]:
    """Register a scenario: expect "replay" (replays, no warning), "rerecord" (a guard saw a
    change: records afresh, replays again, no warning) or "eager" (warns; strict raises)."""
    def register(build: Callable[[], Scenario]) -> Callable[[], Scenario]:
        CASES[build.__name__] = (expect, build)
        return build
    return register


# ---- shared pieces -------------------------------------------------------------------------
def batches(seed: int = 0, same_first_two: bool = True, n: int = N_CALLS, dtype=np.float64):
    rng = np.random.default_rng(seed)
    out = [(rng.standard_normal((B, D)).astype(dtype), rng.integers(0, K, B)) for _ in range(n)]
    if same_first_two:
        out[1] = (out[0][0].copy(), out[0][1].copy())
    return out


def weights(seed: int = 1) -> tuple[Tensor, Tensor]:
    rng = np.random.default_rng(seed)
    return (Tensor(rng.standard_normal((D, K)), requires_grad=True, name="W"),
            Tensor(np.zeros(K), requires_grad=True, name="b"))


def logits(X: Any, W: Tensor, b: Tensor) -> Tensor:
    return Tensor(X) @ W + b


def linear_case(step_body: Callable[..., Any], seed: int = 0, **kw: Any) -> Scenario:
    """A scenario whose step is step_body(X, y, W, b) on the linear model."""
    W, b = weights()
    return Scenario(step=lambda X, y: step_body(X, y, W, b), calls=batches(seed),
                    params=[W, b], **kw)


# ---- data-dependent Python: every read of a value while recording refuses replay ------------
@case("eager")
def float_of_loss_chooses_the_backward():  # the example: calls 1 and 2 agree
    W, b = weights()
    X0 = np.ones((B, D))

    def step(X):
        loss = (Tensor(X) @ W).sum() + b.sum()
        if float(loss) > 0:
            (loss * 2).backward()
        else:
            (loss * -3).backward()
        return loss

    return Scenario(step, [(X0,), (X0,), (-X0,), (X0,), (-X0,), (-X0,)], [W, b])


@case("eager")
def int_of_data_slices_the_batch():
    def body(X, y, W, b):
        n = int((X[:, 0] > 0).sum())  # X is the step's NumPy argument
        loss = F.cross_entropy(logits(X, W, b)[: max(n, 1)], y[: max(n, 1)])
        loss.backward()
        return loss
    return linear_case(body)


@case("eager")
def int_of_a_tensor_argument_slices_the_batch():
    W, b = weights()

    def step(X, y):  # X arrives as a Tensor: its reads go through Tensor methods
        n = int((X[:, 0] > 0).sum())
        loss = F.cross_entropy((X @ W + b)[: max(n, 1)], y[: max(n, 1)])
        loss.backward()
        return loss

    return Scenario(step, [(Tensor(X), y) for X, y in batches()], [W, b])


@case("eager")
def clip_bound_chosen_by_the_data_mean():
    def body(X, y, W, b):
        lo = 0.0 if X.mean() > 0 else -1.0
        loss = F.cross_entropy(logits(X, W, b).clip(lo, None), y)
        loss.backward()
        return loss
    return linear_case(body, seed=3)


@case("eager")
def finiteness_check_inside_the_step():  # the last batch holds a NaN: eager raises
    def body(X, y, W, b):
        if not np.isfinite(X).all():
            raise ValueError("bad batch")
        loss = F.cross_entropy(logits(X, W, b), y)
        loss.backward()
        return loss
    sc = linear_case(body)
    sc.calls[-1][0][0, 0] = np.nan
    return sc


@case("eager")
def item_logged_inside_the_step():
    log: list[float] = []

    def body(X, y, W, b):
        loss = F.cross_entropy(logits(X, W, b), y)
        log.append(loss.item())
        loss.backward()
    sc = linear_case(body)
    sc.observe = lambda: [np.array(log)]
    return sc


@case("eager")
def formatted_loss_inside_the_step():
    lines: list[str] = []

    def body(X, y, W, b):
        loss = F.cross_entropy(logits(X, W, b), y)
        lines.append(f"{loss:.6f}")
        loss.backward()
    sc = linear_case(body)
    sc.observe = lambda: [np.array(lines)]
    return sc


@case("eager")
def tolist_inside_the_step():
    def body(X, y, W, b):
        z = logits(X, W, b)
        scale = 2.0 if z.tolist()[0][0] > 0 else 1.0
        loss = F.cross_entropy(z * scale, y)
        loss.backward()
    return linear_case(body)


@case("eager")
def numpy_of_a_tensor_inside_the_step():
    def body(X, y, W, b):
        z = logits(X, W, b)
        keep = z.numpy().max(axis=1) > 0
        loss = F.cross_entropy(z, y) * float(keep.mean() + 1)
        loss.backward()
    return linear_case(body)


@case("eager")
def asarray_of_a_tensor_inside_the_step():
    def body(X, y, W, b):
        z = logits(X, W, b)
        # (np.asarray(z) itself raises: z is on the graph; of z.detach() it is a read)
        loss = F.cross_entropy(z, y) * (1.0 + np.asarray(z.detach()).std())
        loss.backward()
    return linear_case(body)


@case("eager")
def if_on_a_comparison_tensor():
    def body(X, y, W, b):
        loss = F.cross_entropy(logits(X, W, b), y)
        (loss * 2 if loss > 1.2 else loss).backward()
    return linear_case(body, seed=5)


@case("eager")
def tensor_used_as_a_python_index():
    table = np.linspace(1.0, 2.0, B * K).tolist()

    def body(X, y, W, b):
        z = logits(X, W, b)
        loss = F.cross_entropy(z * table[z.argmax()], y)  # an int tensor as a list index
        loss.backward()
    return linear_case(body)


@case("eager")
def labels_read_in_a_python_loop():
    def body(X, y, W, b):  # per-sample weights built from the labels with Python
        w = [2.0 if v == 0 else 1.0 for v in y]
        loss = (F.cross_entropy(logits(X, W, b), y, reduction="none") * Tensor(w)).mean()
        loss.backward()
    return linear_case(body)


@case("eager")
def count_nonzero_of_the_labels():
    def body(X, y, W, b):
        n0 = np.count_nonzero(y == 0)
        loss = F.cross_entropy(logits(X, W, b), y) * (1.0 + n0)
        loss.backward()
    return linear_case(body)


@case("eager")
def tolist_of_the_numpy_argument():
    def body(X, y, W, b):
        k = max(y.tolist())
        loss = F.cross_entropy(logits(X, W, b), y) * float(k + 1)
        loss.backward()
    return linear_case(body)


# ---- arrays made inside the step --------------------------------------------------------------
@case("eager")
def per_sample_weights_from_the_labels():
    def body(X, y, W, b):
        w = np.where(y == 0, 2.0, 1.0)
        loss = (F.cross_entropy(logits(X, W, b), y, reduction="none") * Tensor(w)).mean()
        loss.backward()
    return linear_case(body)


@case("eager")
def input_converted_with_numpy():  # float32 data, float64 model, calls 1 and 2 the same batch
    W, b = weights()

    def step(X, y):
        loss = F.cross_entropy(Tensor(X.astype(np.float64)) @ W + b, y)
        loss.backward()

    return Scenario(step, batches(dtype=np.float32), [W, b])


@case("eager")
def input_sliced_with_numpy():
    W, b = weights()
    W2 = Tensor(W.data[:2].copy(), requires_grad=True)

    def step(X, y):
        loss = F.cross_entropy(Tensor(X[:, :2]) @ W2 + b, y)
        loss.backward()

    return Scenario(step, batches(), [W2, b])


@case("replay")  # (was refused: the cast, an array made inside the step, is a recorded op)
def converted_input_in_a_float32_model():
    model = TwoLayer(D, 5, K, rng=np.random.default_rng(0), dtype=np.float32)

    def step(X, y):
        model.loss(X, y).backward()  # float64 X: the model converts it inside the step

    return Scenario(step, batches(), model.parameters())


@case("rerecord")  # (ran eagerly for good, with a warning naming "an array made inside")
def model_float_between_calls_fed_float64_batches():
    model = TwoLayer(D, 5, K, lam=0.1, rng=np.random.default_rng(0))

    def before(i):
        if i == 3:  # after both recordings: the parameters' dtype guard fails, then the
            model.float()  # model converts each float64 batch by a recorded cast

    def step(X, y):
        loss = model.loss(X, y)
        loss.backward()
        return loss

    sc = Scenario(step, batches(n=8), model.parameters(), before=before)
    return sc


@case("eager")  # a cast by the step's own NumPy is an array made inside the step, as before
def argument_cast_by_the_steps_numpy():
    def body(X, y, W, b):
        F.cross_entropy(Tensor(X.astype(np.float32)) @ W + b, y).backward()
    return linear_case(body)


@case("eager")
def noise_drawn_with_numpy_inside_the_step():
    rng = np.random.default_rng(7)

    def body(X, y, W, b):
        noisy = Tensor(X + 0.1 * rng.standard_normal(X.shape))
        F.cross_entropy(noisy @ W + b, y).backward()
    return linear_case(body)


@case("eager")
def same_noise_every_call_is_still_refused():
    def body(X, y, W, b):  # equal in both recordings, but made inside the step
        noise = np.random.default_rng(0).standard_normal(X.shape)
        F.cross_entropy(Tensor(X) @ W + b + Tensor(noise) @ W, y).backward()
    return linear_case(body)


@case("eager")
def index_array_made_inside_the_step():
    def body(X, y, W, b):
        p = F.log_softmax(logits(X, W, b))
        (-p[np.arange(len(y)), y].mean()).backward()
    return linear_case(body)


@case("eager")
def per_call_counter_as_a_constant():
    k = [0]

    def body(X, y, W, b):
        k[0] += 1
        (F.cross_entropy(logits(X, W, b), y) * Tensor(np.full(1, float(k[0])))).sum().backward()
    return linear_case(body)


@case("eager")
def boolean_mask_argument_sets_the_shape():
    W, b = weights()

    def step(X, y, keep):
        F.cross_entropy(logits(X, W, b)[keep], y[keep]).backward()

    data = batches()
    masks = [np.arange(B) % 2 == 0] * 2 + [np.arange(B) < k for k in (3, 5, 7, 8)]
    return Scenario(step, [(X, y, m) for (X, y), m in zip(data, masks)], [W, b])


@case("replay")  # (was refused: a comparison's mask is a recorded Compare op now)
def comparison_mask_multiplies_the_output():
    def body(X, y, W, b):
        z = logits(X, W, b)
        F.cross_entropy(z * (z > 0), y).backward()
    return linear_case(body)


# ---- writers and Python side effects inside the step ----------------------------------------
@case("eager")
def optimizer_step_inside_the_step():
    W, b = weights()
    opt = SGD([W, b], lr=0.1)

    def step(X, y):
        opt.zero_grad()
        F.cross_entropy(logits(X, W, b), y).backward()
        opt.step()

    return Scenario(step, batches(), [W, b], zero=False)


@case("eager")
def only_optimizer_step_inside_the_step():
    W, b = weights()
    opt = SGD([W, b], lr=0.1)

    def step(X, y):
        F.cross_entropy(logits(X, W, b), y).backward()
        opt.step()

    return Scenario(step, batches(), [W, b])


@case("eager")
def clip_grad_norm_inside_the_step():
    def body(X, y, W, b):
        F.cross_entropy(logits(X, W, b), y).backward()
        clip_grad_norm_([W, b], 0.1)
    return linear_case(body)


# a rate set by the step's Python: replay would leave it where the recordings did (the
# loop's own update reads it below through `observe`, so a frozen rate shows)
@case("eager")
def lr_scheduler_step_inside_the_step():
    W, b = weights()
    opt = SGD([W, b], lr=0.1)
    sched = StepLR(opt, step_size=1, gamma=0.5)

    def step(X, y):
        F.cross_entropy(logits(X, W, b), y).backward()
        sched.step()

    return Scenario(step, batches(), [W, b], observe=lambda: [opt.lr, sched.get_last_lr()])


@case("eager")
def optimizer_lr_set_inside_the_step():
    W, b = weights()
    opt = SGD([W, b], lr=0.1)

    def step(X, y):
        F.cross_entropy(logits(X, W, b), y).backward()
        opt.lr = opt.lr * 0.9  # a decay written into the step

    return Scenario(step, batches(), [W, b], observe=lambda: [opt.lr])


@case("eager")
def lr_scheduler_load_state_dict_inside_the_step():
    W, b = weights()
    opt = SGD([W, b], lr=0.1)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    start = sched.state_dict()

    def step(X, y):
        sched.load_state_dict(start)  # the scheduler's count put back every step
        F.cross_entropy(logits(X, W, b), y).backward()

    def before(i: int) -> None:
        sched.step()  # outside the step: a rate the loop moves on
    return Scenario(step, batches(), [W, b], before=before,
                    observe=lambda: [opt.lr, sched.last_epoch])


@case("eager")
def load_state_dict_inside_the_step():
    model = TwoLayer(D, 5, K, rng=np.random.default_rng(0))
    start = model.state_dict()

    def step(X, y):
        model.load_state_dict(start)  # every step starts from the same weights
        model.loss(X, y).backward()

    return Scenario(step, batches(), model.parameters())


@case("eager")
def grad_reset_by_hand_inside_the_step():  # unseen when recorded: a guard catches it
    def body(X, y, W, b):
        W.grad = b.grad = None
        F.cross_entropy(logits(X, W, b), y).backward()
    sc = linear_case(body, zero=False)
    sc.calls = batches(n=9)
    return sc


@case("eager")
def step_writes_into_its_argument():
    def body(X, y, W, b):
        X -= X.mean(axis=0)  # in place: the caller's batch changes
        F.cross_entropy(logits(X, W, b), y).backward()
    return linear_case(body)


@case("eager")
def step_assigns_a_module_attribute():
    model = TwoLayer(D, 5, K, lam=0.1, rng=np.random.default_rng(0))

    def step(X, y):
        model.lam = model.lam * 0.5  # an annealed L2 weight, updated by the step's Python
        model.loss(X, y).backward()

    return Scenario(step, batches(), model.parameters())


@case("eager")
def returns_argmax_of_the_logits_data():
    W, b = weights()

    def step(X, y):
        z = logits(X, W, b)
        F.cross_entropy(z, y).backward()
        return z.data.argmax(1)

    return Scenario(step, batches(), [W, b])


@case("eager")
def returns_a_namedtuple():
    Out = namedtuple("Out", "loss")
    W, b = weights()

    def step(X, y):
        loss = F.cross_entropy(logits(X, W, b), y)
        loss.backward()
        return Out(loss)

    return Scenario(step, batches(), [W, b])


# ---- changes between calls: guards re-record ----------------------------------------------------
@case("rerecord")
def argument_passed_twice_then_two_arrays():  # step(X, X) recorded, then step(A, C)
    W = Tensor(np.arange(1.0, 5.0), requires_grad=True)
    rng = np.random.default_rng(0)
    X, A, C = (rng.standard_normal(4) for _ in range(3))

    def step(a, c):
        out = (Tensor(a) * W * Tensor(c)).sum()
        out.backward()
        return out

    calls = [(X, X), (X, X), (A, C), (A, C), (A, C), (X, X), (A, C)]
    return Scenario(step, calls, [W])


@case("replay")
def two_arrays_then_one_passed_twice():
    W = Tensor(np.arange(1.0, 5.0), requires_grad=True)
    rng = np.random.default_rng(0)
    X, A, C = (rng.standard_normal(4) for _ in range(3))

    def step(a, c):
        out = (Tensor(a) * W * Tensor(c)).sum()
        out.backward()
        return out

    return Scenario(step, [(A, C), (C, A), (X, X), (A, C), (X, X), (X, A)], [W])


@case("rerecord")
def weight_frozen_after_recording():
    W, b = weights()

    def before(i):
        if i == 3:
            W.requires_grad = False  # freeze a layer: SGD below must not move it

    def step(X, y):
        F.cross_entropy(logits(X, W, b), y).backward()

    return Scenario(step, batches(), [W, b], before=before)


@case("rerecord")
def constant_unfrozen_after_recording():
    W, b = weights()
    W.requires_grad = False

    def before(i):
        if i == 3:
            W.requires_grad = True

    def step(X, y):
        F.cross_entropy(logits(X, W, b), y).backward()

    return Scenario(step, batches(), [W, b], before=before)


@case("rerecord")
def head_reinitialised_after_recording():
    model = TwoLayer(D, 5, K, rng=np.random.default_rng(0))

    def before(i):
        if i == 3:
            model.layers[2].W = Tensor(np.full((5, K), 0.3), requires_grad=True)

    def step(X, y):
        model.loss(X, y).backward()

    return Scenario(step, batches(), model.parameters(), before=before,
                    observe=lambda: [p.data.copy() for p in model.parameters()])


@case("rerecord")
def constant_tensor_data_rebound():
    W, b = weights()
    scale = Tensor(np.ones(K))

    def before(i):
        if i == 3:
            scale.data = np.full(K, 3.0)

    def step(X, y):
        F.cross_entropy(logits(X, W, b) * scale, y).backward()

    return Scenario(step, batches(), [W, b], before=before)


@case("rerecord")
def dropout_switched_to_eval_after_recording():
    model = KLayer(D, [6], K, batch_norm=False, dropout=0.5, rng=np.random.default_rng(0))
    model.train()

    def before(i):
        if i == 3:
            model.eval()

    def step(X, y):
        model.loss(X, y).backward()

    return Scenario(step, batches(), model.parameters(), before=before)


@case("rerecord")
def batchnorm_train_to_eval_and_back():
    model = KLayer(D, [6, 5], K, rng=np.random.default_rng(0))

    def before(i):
        model.train(i not in (3, 4))

    def step(X, y):
        model.loss(X, y).backward()

    return Scenario(step, batches(n=8), model.parameters(), before=before,
                    observe=lambda: [b.copy() for b in model.buffers()])


@case("rerecord")
def batchnorm_eval_to_train():
    model = KLayer(D, [6], K, rng=np.random.default_rng(0))
    model.eval()

    def before(i):
        if i == 3:
            model.train()

    def step(X, y):
        model.loss(X, y).backward()

    return Scenario(step, batches(), model.parameters(), before=before,
                    observe=lambda: [b.copy() for b in model.buffers()])


@case("rerecord")
def lam_changed_after_recording():
    model = TwoLayer(D, 5, K, lam=0.1, rng=np.random.default_rng(0))

    def before(i):
        if i == 3:
            model.lam = 0.5

    def step(X, y):
        model.loss(X, y).backward()

    return Scenario(step, batches(), model.parameters(), before=before)


@case("rerecord")
def submodule_replaced_after_recording():
    net = nn.Sequential(nn.Linear(D, 5, rng=np.random.default_rng(0)), nn.ReLU(),
                        nn.Linear(5, K, rng=np.random.default_rng(1)))
    holder = nn.Module()
    holder.net = net

    def before(i):
        if i == 3:
            holder.net = nn.Sequential(nn.Linear(D, K, rng=np.random.default_rng(2)))

    def step(X, y):
        F.cross_entropy(holder.net(Tensor(X)), y).backward()

    sc = Scenario(step, batches(), [], before=before)
    sc.observe = lambda: [p.data.copy() for p in holder.net.parameters()]
    return sc


@case("replay")  # under detect_anomaly calls run eagerly, so both raise at call 5
def detect_anomaly_around_later_calls():
    W = Tensor(np.ones(D), requires_grad=True)
    calls = [(np.ones(D),)] * 4 + [(-np.ones(D),), (np.ones(D),)]

    def step(x):
        (Tensor(x) * W).sum().log().backward()

    def around(i):
        stack = contextlib.ExitStack()
        stack.enter_context(np.errstate(invalid="ignore"))  # log(-4): NaN, as eager
        if i >= 3:
            stack.enter_context(detect_anomaly())
        return stack

    return Scenario(step, calls, [W], zero=False, around=around)


@case("eager")  # the reviewer's case: a new array at every call once both are recorded
def tensor_returned_detached_gets_new_data_every_call():
    W, b = weights()
    target = Tensor(np.zeros((D, K)), requires_grad=True)  # updated by the loop, not here

    def before(i):
        if i >= 2:  # replay returned the recorded array: zeros for ever
            target.data = target.data - 1.0

    def step(X, y):
        F.cross_entropy(logits(X, W, b), y).backward()
        return target.detach(), Tensor(target.data)

    return Scenario(step, batches(), [W, b], before=before)


@case("rerecord")
def returned_constant_tensor_gets_new_data():
    W, b = weights()
    buf = Tensor(np.ones(K))  # a no-grad tensor made before the step, returned as it is

    def before(i):
        if i == 3:  # after both recordings: replay returned the recorded array
            buf.data = np.full(K, 2.0)

    def step(X, y):
        loss = F.cross_entropy(logits(X, W, b), y)
        loss.backward()
        return {"loss": loss, "buf": buf}

    return Scenario(step, batches(), [W, b], before=before)


@case("rerecord")
def tensor_returned_detached_gets_new_data():
    W, b = weights()
    target = Tensor(np.zeros((D, K)), requires_grad=True)  # not trained here

    def before(i):
        if i == 3:
            target.data = target.data + 1.0

    def step(X, y):
        loss = F.cross_entropy(logits(X, W, b), y)
        loss.backward()
        return loss, (target.detach(),)

    return Scenario(step, batches(), [W, b], before=before)


class _Pruned(nn.Module):
    """No-grad tensors on a module that ops take as parameters, not inputs: where's mask,
    an index, take_along_dim's indices (the op gets their arrays)."""

    def __init__(self) -> None:
        super().__init__()
        self.W, self.b = weights()
        self.keep = Tensor(np.array([True, False, True]))
        self.idx = Tensor(np.array([2, 0]))
        self.tidx = Tensor(np.zeros((B, 1), dtype=np.int64))

    def forward(self, X: Any) -> Tensor:
        z = F.where(self.keep, logits(X, self.W, self.b), 0.0)
        return z[:, self.idx].sum() + z.take_along_dim(self.tidx, 1).sum() * 2.0


def _module_tensor_gets_new_data(attr: str, new: np.ndarray) -> None:
    def build() -> Scenario:
        model = _Pruned()

        def before(i):
            if i == 3:  # .data rebound: no attribute assignment, the module's version stays
                getattr(model, attr).data = new

        def step(X, y):
            loss = model(X)
            loss.backward()
            return loss

        return Scenario(step, batches(), model.parameters(), before=before)

    build.__name__ = f"module_tensor_{attr}_taken_as_op_parameter_gets_new_data"
    case("rerecord")(build)


_module_tensor_gets_new_data("keep", np.array([False, True, True]))
_module_tensor_gets_new_data("idx", np.array([1, 1]))
_module_tensor_gets_new_data("tidx", np.full((B, 1), 2))


class _Box:
    """A plain object (not a Module, not held by the step's function) holding no-grad tensors
    the step's ops take as parameters, or wrap: jit finds them only because the library
    reports the tensor whose .data it hands an op (`tensor.data_of`)."""

    def __init__(self) -> None:
        self.keep = Tensor(np.array([True, False, True]))  # where's mask
        self.idx = Tensor(np.array([2, 0]))  # an index
        self.tidx = Tensor(np.zeros((B, 1), dtype=np.int64))  # take_along_dim's, gather's
        self.lo = Tensor(np.array([-1.0, 0.0, 0.5]))  # a clip bound
        self.y = Tensor(np.zeros(B, dtype=np.int64))  # cross_entropy's targets
        self.table = {"idx": Tensor(np.array([1, 2]))}  # a dict entry
        self.target = Tensor(np.ones((D, K)))  # wrapped: .detach(), Tensor(t)
        self.seed = Tensor(np.array(1.0))  # backward's gradient


def _plain_object_tensor_gets_new_data(attr: str, new: np.ndarray) -> None:
    def build() -> Scenario:
        W, b = weights()
        holder = [_Box()]  # (reached through a list element's attribute: not held by jit)

        def before(i):
            if i == 3:  # after both recordings: replay kept the recorded array
                box = holder[0]
                t = box.table["idx"] if attr == "table" else getattr(box, attr)
                t.data = new

        def step(X, y):
            box = holder[0]
            z = logits(X, W, b)
            loss = (F.where(box.keep, z, 0.0)[:, box.idx].sum()
                    + z.take_along_dim(box.tidx, 1).sum() * 2.0
                    + z.gather(1, box.tidx).sum() * 3.0
                    + z.clip(box.lo, None).sum()
                    + F.cross_entropy(z, box.y)
                    + z[:, box.table["idx"]].sum() * 0.5
                    + (Tensor(X) @ box.target.detach() * z).sum() * 0.25
                    + (Tensor(X) @ Tensor(box.target) * z).sum() * 0.125)
            loss.backward(box.seed)
            return loss

        return Scenario(step, batches(), [W, b], before=before)

    build.__name__ = f"plain_object_tensor_{attr}_taken_as_op_parameter_gets_new_data"
    case("rerecord")(build)


for _attr, _new in (("keep", np.array([False, True, True])), ("idx", np.array([1, 1])),
                    ("tidx", np.full((B, 1), 2)), ("lo", np.array([0.0, 0.0, 0.0])),
                    ("y", np.full(B, 2)), ("table", np.array([0, 0])),
                    ("target", np.full((D, K), 2.0)), ("seed", np.array(2.0))):
    _plain_object_tensor_gets_new_data(_attr, _new)


# ---- steps that replay as they are --------------------------------------------------------------
@case("replay")
def literals_in_the_step():
    def body(X, y, W, b):
        z = logits(X, W, b) * 2.0 + Tensor([0.5, -0.5, 0.0]) - 1
        F.cross_entropy(z, y).backward()
    return linear_case(body)


@case("replay")
def zeros_made_by_the_library_inside_the_step():
    model = CharRNN(7, m=5, rng=np.random.default_rng(0), fused=True)
    text = np.random.default_rng(1).integers(0, 7, 40)

    def step(X, Y):
        loss = model.loss(X, Y)  # h0 None: zeros made inside, a literal
        loss.backward()
        return loss

    calls = [(text[e:e + 6], text[e + 1:e + 7]) for e in (0, 0, 6, 12, 18, 24)]
    return Scenario(step, calls, model.parameters())


@case("replay")
def constant_updated_in_place_between_calls():
    W, b = weights()
    class_weight = np.ones(K)

    def before(i):
        class_weight[:] = 1.0 + i

    def step(X, y):
        F.cross_entropy(logits(X, W, b) * Tensor(class_weight), y).backward()

    return Scenario(step, batches(), [W, b], before=before)


@case("replay")
def scalar_argument_changes():
    W, b = weights()

    def step(X, y, scale):
        F.cross_entropy(logits(X, W, b) * scale, y).backward()

    data = batches()
    return Scenario(step, [(X, y, s) for (X, y), s in zip(data, (1.0, 1.0, 2.0, 2.0, 1.0, 2.0))],
                    [W, b])


@case("replay")
def dropout_and_batchnorm_in_training():
    model = KLayer(D, [6, 5], K, dropout=0.3, lam=0.01, rng=np.random.default_rng(0))

    def step(X, y):
        loss = model.loss(X, y)
        loss.backward()
        return loss

    return Scenario(step, batches(), model.parameters(),
                    observe=lambda: [b.copy() for b in model.buffers()])


@case("replay")
def eval_forward_inside_the_step_then_train_again():
    model = KLayer(D, [6], K, dropout=0.5, rng=np.random.default_rng(0))

    def step(X, y):
        model.eval()
        reference = model(X).detach()
        model.train()
        loss = model.loss(X, y) + (model(X) - reference).square().mean()
        loss.backward()
        return reference

    return Scenario(step, batches(), model.parameters())


@case("replay")
def detach_and_rewrap_inside_the_step():
    def body(X, y, W, b):
        h = logits(X, W, b)
        target = Tensor(h.data) * 0.5 + h.detach() * 0.5  # op outputs wrapped again
        ((h - target) ** 2).sum().backward()
        return target
    return linear_case(body)


@case("replay")
def index_array_argument_and_literal_index():
    W, b = weights()

    def step(X, y, rows):
        z = logits(X, W, b)
        (z[rows].sum() + z[[0, 2]].sum()).backward()

    data = batches()
    rng = np.random.default_rng(3)
    return Scenario(step, [(X, y, rng.integers(0, B, 5)) for X, y in data], [W, b])


@case("replay")
def returns_a_dict_the_data_and_an_argument():
    W, b = weights()

    def step(X, y):
        loss = F.cross_entropy(logits(X, W, b), y)
        loss.backward()
        return {"loss": loss, "value": loss.data, "X": X, "tag": "ok"}

    return Scenario(step, batches(), [W, b])


@case("replay")
def gradients_accumulated_over_calls():
    def body(X, y, W, b):
        F.cross_entropy(logits(X, W, b), y).backward()
    sc = linear_case(body, zero=False)
    return sc


@case("replay")
def tensor_argument_without_grad():
    W, b = weights()

    def step(X, y):
        F.cross_entropy(X @ W + b, y).backward()

    return Scenario(step, [(Tensor(X), y) for X, y in batches()], [W, b])


@case("replay")
def shapes_read_by_the_step():
    def body(X, y, W, b):
        n = X.shape[0]  # shapes are part of the signature: reading them is fine
        (F.cross_entropy(logits(X, W, b), y, reduction="sum") / n).backward()
    return linear_case(body)


@case("replay")
def two_backwards_in_one_step():
    def body(X, y, W, b):
        z = logits(X, W, b)
        F.cross_entropy(z, y).backward(retain_graph=True)
        (z.square().mean() * 0.1).backward()
    return linear_case(body)


@case("replay")
def zeros_tensor_made_inside_the_step():
    W, b = weights()

    def step(X, y):
        z = logits(X, W, b) + Tensor.zeros(B, K)
        F.cross_entropy(z, y).backward()

    return Scenario(step, batches(), [W, b])


@case("replay")
def unfused_char_rnn_from_a_zero_state():
    model = CharRNN(7, m=5, rng=np.random.default_rng(0))
    text = np.random.default_rng(1).integers(0, 7, 40)

    def step(X, Y, h):
        loss = model.loss(X, Y, h)
        loss.backward()
        return loss

    h0 = np.zeros(5)
    calls = [(text[e:e + 6], text[e + 1:e + 7], h0) for e in (0, 0, 6, 12, 18, 24)]
    return Scenario(step, calls, model.parameters(),
                    observe=lambda: [model.h_last.copy()])


# ---- the harness ------------------------------------------------------------------------------
def snapshot(x: Any) -> Any:
    if isinstance(x, Tensor):
        return ("T", x.data.copy())
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, (tuple, list)):
        return [snapshot(v) for v in x]
    if isinstance(x, dict):
        return {k: snapshot(v) for k, v in x.items()}
    return x


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(equal, a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def run(build: Callable[[], Scenario], mode: str) -> tuple[list[Any], Any]:
    """Run the scenario eagerly ("eager") or jitted ("jit", "strict"); log every result,
    exception, gradient and parameter."""
    sc = build()
    f = sc.step if mode == "eager" else jit(sc.step, strict=mode == "strict")
    log: list[Any] = []
    for i, args in enumerate(sc.calls):
        sc.before(i)
        copies: dict[int, np.ndarray] = {}  # fresh arrays, one per distinct argument array
        args = tuple(copies.setdefault(id(a), a.copy()) if isinstance(a, np.ndarray) else a
                     for a in args)
        try:
            with sc.around(i):
                out = f(*args)
            log.append(("ok", snapshot(out)))
        except JitError:
            raise
        except Exception as e:  # noqa: BLE001 - the same exception, eager or jitted
            log.append(("raised", type(e).__name__, str(e)))
        log.append(("grads", [None if p.grad is None else p.grad.copy() for p in sc.params]))
        for plan in getattr(f, "cache", {}).values():  # the compiled guards say what they say
            if isinstance(plan, Plan):
                assert plan.stale(args) == (plan.guards.why_stale(args) is not None)
        log.append(("observed", snapshot(sc.observe())))
        with no_grad():
            for p in sc.params:
                if p.grad is not None and p.requires_grad:
                    p.data = p.data - 0.1 * p.grad
                if sc.zero:
                    p.grad = None
        log.append(("params", [p.data.copy() for p in sc.params]))
    return log, f


@pytest.mark.parametrize("name", sorted(CASES))
def test_adversarial_step_is_never_silently_wrong(name):
    expect, build = CASES[name]
    eager, _ = run(build, "eager")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jitted, f = run(build, "jit")
    refusals = [w for w in caught if "cannot replay" in str(w.message)]
    assert len(eager) == len(jitted)
    for k, (a, b) in enumerate(zip(eager, jitted)):
        assert equal(a, b), f"{name}: entry {k} differs: eager {a} vs jit {b}"
    if expect == "eager":
        assert len(refusals) == 1, [str(w.message) for w in caught]
        with pytest.raises(JitError, match="cannot replay"):
            run(build, "strict")
    else:
        assert not refusals, str(refusals[0].message)
        assert f.replays >= 1
        assert (f.rerecords >= 1) == (expect == "rerecord"), f.rerecords
        run(build, "strict")  # and nothing is refused in strict mode either


def test_the_suite_is_large_and_covers_all_three_outcomes():
    kinds = [expect for expect, _ in CASES.values()]
    assert len(kinds) >= 40
    assert {"eager", "replay", "rerecord"} <= set(kinds)
