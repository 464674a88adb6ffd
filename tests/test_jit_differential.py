"""A differential review of `jit` (2026-12-02): each step runs eagerly on a fresh model and
jitted on an identically made one, call after call (the same shapes, then another shape or
dtype), and what a user can see is compared bit for bit: the return value, every
parameter's .grad and .data, buffers and updates done outside the step, exceptions (type and
message) and warnings other than jit's own. A jitted step replays, is recorded afresh, or runs
eagerly with jit's one warning: never another answer, error or missing warning.

The differences it found, fixed, are cases of this harness in
`tests/test_jit_differential_fixes.py`, beside the limits it found (docs/jit.md, "What jit
cannot see"). Here: the habits that were fine, replayed or refused with jit's warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor, nn, no_grad, optim
from tinygrad_dl import functional as F
from tinygrad_dl.grad import GradArray
from tinygrad_dl.jit import jit
from tinygrad_dl.models import KLayer, TwoLayer


# ---- the harness ------------------------------------------------------------------------------
def canon(x: Any) -> Any:
    """What a user can see of a value, bit for bit. A returned op output's graph is not
    compared (a limit: replay returns values, see test_limit_*); a parameter is (`W`)."""
    if isinstance(x, Tensor):
        leaf = x.requires_grad and x._ctx is None  # a parameter itself
        return ("Tensor", canon(x.data), leaf, canon(x.grad) if leaf else None)
    if isinstance(x, np.ndarray):
        return ("array", type(x).__name__, x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, np.generic):
        return ("scalar", type(x).__name__, x.tobytes())
    if type(x) in (tuple, list):
        return (type(x).__name__, tuple(canon(v) for v in x))
    if type(x) is dict:
        return ("dict", tuple((k, canon(v)) for k, v in x.items()))
    if type(x) is float:
        return ("float", x.hex())
    return (type(x).__name__, repr(x))


JIT_WARNING = "jit: cannot replay"


def observe(make: Callable[[], dict], body: Callable[[dict], Callable], calls: list,
            after: Callable[[dict], None] | None, jitted: bool) -> tuple[list, Any]:
    st = make()
    fn = body(st)
    step = jit(fn) if jitted else fn
    seen, ours = [], []
    for args, kwargs in calls:
        args = args()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = ("returned", canon(step(*args, **kwargs)))
            except Exception as e:  # noqa: BLE001 - compared: the same error both ways
                out = ("raised", type(e).__name__, str(e))
        warned = [(w.category.__name__, str(w.message)) for w in caught
                  if not str(w.message).startswith(JIT_WARNING)]
        ours += [w for w in caught if str(w.message).startswith(JIT_WARNING)]
        params = st["params"]
        seen.append((out, warned, [canon(p.grad) for p in params],
                     [canon(p.data) for p in params], canon(st["extra"]()) if "extra" in st
                     else None))
        if after is not None:
            after(st)
    return seen, step, ours


def differential(make, body, calls, after=None):
    """(jit's observations, the jitted step, jit's warnings), eager's observations."""
    tg.manual_seed(11)  # (steps that draw from the default generator: both sides alike)
    eager, _, _ = observe(make, body, calls, after, False)
    tg.manual_seed(11)
    return observe(make, body, calls, after, True), eager


def data(s: int, n: int = 6, d: int = 4, k: int = 3, dtype: Any = np.float64):
    r = np.random.default_rng(s)
    return r.standard_normal((n, d)).astype(dtype), r.integers(0, k, n)


def calls(f: Callable[[int], tuple], seeds=range(4)) -> list:
    return [((lambda s=s: f(s)), {}) for s in seeds]


BATCHES = calls(data) + calls(lambda s: data(s, n=5), [8]) + calls(
    lambda s: data(s, dtype=np.float32), [9])  # then another shape, then another dtype


def linear() -> dict:
    r = np.random.default_rng(1)
    W = Tensor(r.standard_normal((4, 3)), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    return {"W": W, "b": b, "params": [W, b]}


def two_layer() -> dict:
    net = TwoLayer(4, 5, 3, lam=0.01, rng=np.random.default_rng(0))
    return {"net": net, "params": net.parameters()}


def k_layer() -> dict:
    net = KLayer(4, [6, 5], 3, lam=0.01, batch_norm=True, dropout=0.3,
                 rng=np.random.default_rng(0))
    return {"net": net, "params": net.parameters(),
            "extra": lambda: [b.copy() for b in net.buffers()]}


def sgd(momentum: float = 0.0, every: int = 1) -> Callable[[dict], None]:
    def after(st: dict) -> None:  # the update outside the step (every `every` calls)
        st["k"] = st.get("k", 0) + 1
        if st["k"] % every == 0:
            opt = st.setdefault("opt", optim.SGD(st["params"], lr=0.1, momentum=momentum))
            opt.step()
            opt.zero_grad()
    return after


def adam_without_zeroing(st: dict) -> None:
    st.setdefault("opt", optim.Adam(st["params"], lr=0.01)).step()


def zero(st: dict) -> None:
    for p in st["params"]:
        p.grad = None


def rebind_every_3(st: dict) -> None:  # W.data rebound (not in place) every third call
    st["k"] = st.get("k", 0) + 1
    if st["k"] % 3 == 0:
        st["W"].data = st["W"].data * 0.5 + 1.0
    zero(st)


def lin_loss(st: dict) -> Callable:
    W, b = st["W"], st["b"]

    def step(X, y):
        loss = F.cross_entropy(Tensor(X) @ W + b, y)
        loss.backward()
        return loss
    return step


def model_loss(st: dict) -> Callable:
    net = st["net"]

    def step(X, y):
        loss = net.loss(X, y)
        loss.backward()
        return loss
    return step


def lin_step(body: Callable) -> Callable[[dict], Callable]:
    """A step over the linear model: body(X, y, W, b) builds and backpropagates."""
    def make_step(st: dict) -> Callable:
        W, b = st["W"], st["b"]  # (held in the step's closure, as a user's would be)

        def step(*args: Any, **kwargs: Any) -> Any:
            return body(*args, W=W, b=b, **kwargs)
        return step
    make_step.__name__ = body.__name__
    return make_step


CASES: dict[str, tuple] = {}


def case(expect: str, make=linear, batches=None, after=None):
    """expect: "replay" (replays, no jit warning), "rerecord" (a guard saw a change and the
    step was recorded afresh), "eager" (jit's one warning, then eager calls)."""
    def register(body):
        CASES[body.__name__] = (expect, make, body, BATCHES if batches is None else batches,
                                after, False)
        return body
    return register


# ---- habits that replay -------------------------------------------------------------------------
case("replay")(lin_loss)
case("replay", make=two_layer, after=sgd(momentum=0.9))(model_loss)
case("replay", make=k_layer, after=sgd())(lambda st: model_loss(st))
CASES["k_layer_batch_norm_dropout"] = CASES.pop("<lambda>")


def eval_between(st: dict) -> None:
    st["net"].eval()
    st["net"].forward(data(11)[0])
    st["net"].train()
    sgd()(st)


CASES["k_layer_evaluated_between_steps"] = ("replay", k_layer, model_loss, BATCHES,
                                            eval_between, False)
CASES["adam_without_zeroing"] = ("replay", two_layer, model_loss, BATCHES,
                                 adam_without_zeroing, False)
CASES["gradients_accumulated_over_two_calls"] = ("replay", two_layer, model_loss,
                                                 calls(data, range(8)), sgd(every=2), False)


@case("replay")
@lin_step
def python_ints_from_the_data(X, y, W, b):
    first, *rest = X  # unpacking rows, len: shapes and counts in Python
    n = len(X) + len(rest) * 0
    loss = ((Tensor(X) @ W + b) * (1.0 / n)).sum() + (Tensor(X)[: X.shape[0] // 2] @ W).sum()
    loss.backward()
    return loss, X.shape[0], f"n={len(y)}", None


# a count the values set, read as a shape: len(np.unique(y)) was frozen by replay at the two
# recorded calls' count (found 2026-12-03; `* 0` above had hidden it): calling np.unique on a
# watched array is now the read, as are a boolean mask and np.nonzero
@case("eager", batches=calls(lambda s: (data(s)[0], np.array([0, 1, 2, 0] if s < 2 else
                                                             [0, 1, 0, 1]))))
@lin_step
def a_count_of_classes_present_scales_the_loss(X, y, W, b):
    loss = (Tensor(X) @ W + b).sum() * (1.0 / len(np.unique(y)))
    loss.backward()
    return loss


@case("eager")
@lin_step
def rows_selected_by_a_mask_are_counted(X, y, W, b):
    k = X[X[:, 0] > 0].shape[0] + np.flatnonzero(y).size  # shapes the values set
    loss = (Tensor(X) @ W + b).sum() * (1.0 / (1 + k))
    loss.backward()
    return loss


@case("replay")
@lin_step
def labels_index_an_output(X, y, W, b):
    loss = (Tensor(X) @ W + b)[:, 0][y].sum()
    loss.backward()
    return loss


@case("replay", batches=calls(lambda s: (data(s)[0], np.array(0.5 + s))))
@lin_step
def zero_d_array_scales(X, lr, W, b):
    loss = (Tensor(X) @ W + b).sum() * Tensor(lr) + (Tensor(X) @ W).sum() * lr
    loss.backward()
    return loss


@case("replay", batches=calls(lambda s: (np.asfortranarray(data(s)[0]), data(s)[1]))
      + calls(data, [5]) + calls(lambda s: (data(s, n=12)[0][::2], data(s, n=12)[1][::2]), [6, 7]))
@lin_step
def fortran_ordered_then_strided_arguments(X, y, W, b):
    loss = F.cross_entropy(Tensor(X) @ W + b, y)
    loss.backward()
    return loss


BUF = np.zeros((12, 4))


def views_of_one_buffer(s: int) -> tuple:
    BUF[:] = np.random.default_rng(s).standard_normal((12, 4))  # refilled in place
    return BUF[:6], BUF[6:]


@case("replay", batches=calls(views_of_one_buffer))
@lin_step
def two_views_of_one_buffer(A, B, W, b):
    loss = ((Tensor(A) @ W) * (Tensor(B) @ W)).sum()
    loss.backward()
    return loss


@case("rerecord", batches=calls(lambda s: (data(s)[0],) * 2, [0, 1, 2])
      + calls(lambda s: (data(s)[0], data(s + 9)[0]), [3, 4, 5]))
@lin_step
def one_array_passed_twice_then_two(A, B, W, b):
    loss = ((Tensor(A) @ W) * (Tensor(B) @ W)).sum()
    loss.backward()
    return loss


@case("replay")
@lin_step
def detach_clone_transpose_reshape(X, y, W, b):
    z = Tensor(X) @ W + b
    zz = z.clone().T.reshape(-1).view(3, -1)
    loss = (zz * z.detach().T).sum()
    loss.backward()
    return loss, z.detach()


@case("replay")
@lin_step
def two_backwards_through_one_graph_and_a_second_loss(X, y, W, b):
    z = (Tensor(X) @ W + b).tanh()
    loss = (z * z).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    second = ((Tensor(X) @ W) ** 2).mean()
    second.backward()
    return loss, second


@case("replay", batches=[((lambda s=s: data(s)), {"shift": float(s)}) for s in range(3)]
      + [((lambda s=s: (data(s)[0],)), {"y": data(s)[1], "scale": 3.0}) for s in range(3)])
@lin_step
def keyword_and_default_arguments(X, y, W, b, scale=2.0, *, shift=0.0):
    loss = ((Tensor(X) @ W + b) * scale + shift).sum()
    loss.backward()
    return loss


@case("replay")
@lin_step
def star_args_and_python_sum(*arrays, W, b):
    loss = sum([(Tensor(a) @ W).sum() for a in arrays[:1]] + [b.sum()])
    loss.backward()
    return {"loss": loss, "inputs": arrays}


@case("replay", batches=calls(lambda s: (Tensor(data(s)[0]), Tensor(data(s)[1]))))
@lin_step
def tensor_arguments(X, y, W, b):
    loss = F.cross_entropy(X @ W + b, y)
    loss.backward()
    return loss


def memmapped(s: int, tmp=[]) -> tuple:  # noqa: B006 - one temporary folder for the run
    import tempfile
    if not tmp:
        tmp.append(tempfile.mkdtemp())
    X, y = data(s)
    m = np.lib.format.open_memmap(f"{tmp[0]}/X{s}.npy", mode="w+", dtype=X.dtype, shape=X.shape)
    m[:] = X
    return m, y


@case("replay", batches=calls(memmapped))
@lin_step
def memmap_arguments(X, y, W, b):
    loss = F.cross_entropy(Tensor(X) @ W + b, y)
    loss.backward()
    return loss, X


def labels(bad: int) -> Callable[[int], tuple]:
    def f(s: int) -> tuple:
        X, y = data(s)
        if s >= 3:  # from the first replayed call on
            y = y.copy()
            y[0] = bad
        return X, y
    return f


for bad in (3, -1):  # the same error, or (-1) the same NumPy wrap-around, both ways
    CASES[f"label_{bad}_in_a_replayed_call"] = ("replay", two_layer, model_loss,
                                                calls(labels(bad), range(5)), None, False)


def nan_then_wrong_width(s: int) -> tuple:
    X, y = data(s)
    if s == 3:
        X[0, 0] = np.nan
    return (X[:, :3], y) if s == 4 else (X, y)


CASES["nan_then_a_wrong_width"] = ("replay", two_layer, model_loss,
                                   calls(nan_then_wrong_width, range(5)), None, False)


def linear32() -> dict:
    st = linear()
    for p in st["params"]:
        p.data = p.data.astype(np.float32)
    return st


CASES["float32_parameters_float64_data"] = ("replay", linear32, lin_loss, calls(data), zero,
                                             False)


def target_net() -> dict:
    W = Tensor(np.ones((4, 3)), requires_grad=True)
    T = nn.Linear(4, 3, rng=np.random.default_rng(2))
    return {"W": W, "T": T, "params": [W, T.W, T.b]}


def sync_every_3(st: dict) -> None:  # the target's weights rebound (not in place) now and then
    st["k"] = st.get("k", 0) + 1
    if st["k"] % 3 == 0:
        st["T"].W.data = 0.5 * st["T"].W.data + 0.5 * st["W"].data.T
    zero(st)


def target_network(st: dict) -> Callable:
    W, T = st["W"], st["T"]

    def step(X, y):
        x = Tensor(X)
        with no_grad():
            target = T(x)
        loss = ((x @ W - target) ** 2).mean() + ((x @ W - T(x).detach()) ** 2).mean()
        loss.backward()
        return loss
    return step


CASES["target_network_synced_every_3"] = ("replay", target_net, target_network,
                                          calls(data, range(7)), sync_every_3, False)


@case("replay")
@lin_step
def functional_dropout_from_the_default_generator(X, y, W, b):
    # F.dropout's sampler is equal from call to call (same generator, same p): it replays,
    # drawing each call's mask from the generator as eager does (was: never replayed)
    loss = F.dropout(Tensor(X) @ W + b, p=0.4).sum()
    loss.backward()
    return loss


def two_layer32() -> dict:
    net = TwoLayer(4, 5, 3, rng=np.random.default_rng(0), dtype=np.float32)
    return {"net": net, "params": net.parameters()}


# the model's cast of its float64 argument is a recorded Cast op, redone by replay (it ran
# eagerly, refused as an array made inside the step)
CASES["float32_model_converts_float64_data"] = ("replay", two_layer32, model_loss, calls(data),
                                                zero, False)


# ---- habits that run eagerly, with jit's warning -------------------------------------------------

@case("eager")
@lin_step
def index_from_np_unique(X, y, W, b):
    loss = (Tensor(X) @ W + b)[:, np.unique(y)].sum()
    loss.backward()
    return loss


@case("eager")
@lin_step
def boolean_mask_from_the_labels(X, y, W, b):
    loss = (Tensor(X) @ W + b)[y == 1].sum()
    loss.backward()
    return loss


@case("eager", batches=calls(lambda s: (data(s)[0], np.float32(0.5 + s))))
@lin_step
def numpy_scalar_argument(X, lr, W, b):
    loss = (Tensor(X) @ W + b).sum() * lr
    loss.backward()
    return loss


@case("eager")
@lin_step
def labels_as_a_python_list(X, y, W, b):
    loss = F.cross_entropy(Tensor(X) @ W + b, list(y))
    loss.backward()
    return loss


@case("eager")
@lin_step
def functional_dropout_with_a_seed_per_call(X, y, W, b):
    # a fresh generator each call: eager draws the same mask every call, where replay would
    # continue one stream; refused (the sampler differs between calls)
    loss = F.dropout(Tensor(X) @ W + b, p=0.4, rng=np.random.default_rng(7)).sum()
    loss.backward()
    return loss


@case("eager")
@lin_step
def returns_a_gradient_array(X, y, W, b):
    (Tensor(X) @ W + b).sum().backward()
    return W.grad


# ---- values that escaped the watch (found 2026-12-03), now reads -------------------------------
def zeros_from_call_2(s: int) -> tuple:
    """Labels without a 0 in the two recorded calls, with 0s after (so is X[0, 0] NaN at
    call 3): a number the step's Python takes from them was frozen by replay."""
    X = data(s)[0]
    if s == 3:
        X[0, 0] = np.nan
    return X, np.array([1, 2, 1, 2, 1, 2] if s < 2 else [0, 0, 1, 2, 1, 2])


def count_step(count: Callable) -> Callable[[dict], Callable]:
    """A step whose loss is scaled by a Python number `count(X, y)` takes from the data."""
    def body(X, y, W, b):
        loss = (Tensor(X) @ W + b).sum() * (1.0 / (1 + abs(count(X, y))))
        loss.backward()
        return loss
    return lin_step(body)


def _each(f: Callable, y: np.ndarray) -> int:  # a callback counting 0s, told each value
    seen: list = []
    f(lambda v: seen.append(int(np.sum(v == 0))) or 0, y)
    return sum(seen)


def _file_bytes(X: np.ndarray, y: np.ndarray) -> int:
    import tempfile
    with tempfile.TemporaryFile() as f:
        y.tofile(f)
        f.seek(0)
        return f.read().count(0)


def _saved_bytes(X: np.ndarray, y: np.ndarray) -> int:
    import io
    buf = io.BytesIO()
    np.save(buf, y)
    return buf.getvalue().count(0)


ESCAPES = {  # each gave a plain number (or a shape the values set) without a report
    "y_flat_iterated": lambda X, y: sum(1 for v in y.flat if v == 0),
    "y_flat_indexed": lambda X, y: int(y.flat[0] == 0),
    "y_compress_method": lambda X, y: len(y.compress(y == 0)),
    "np_repeat_by_counts": lambda X, y: np.repeat(X[:, 0], y).shape[0],
    "y_repeat_method_by_counts": lambda X, y: y.repeat(y).size,
    "y_astype_object_element": lambda X, y: y.astype(object)[0],
    "y_astype_object_sum": lambda X, y: y.astype(object).sum(),
    "asanyarray_object": lambda X, y: np.asanyarray(y, dtype=object)[0],
    "y_take_scalar": lambda X, y: len(range(y.take(0))),
    "y_trace": lambda X, y: len(range(y.reshape(2, 3).trace())),
    "pickled": lambda X, y: __import__("pickle").dumps(y).count(0),
    "tofile": _file_bytes,
    "np_save": _saved_bytes,
    "np_frompyfunc": lambda X, y: np.frompyfunc(lambda v: int(v == 0), 1, 1)(y).sum(),
    "np_vectorize": lambda X, y: _each(lambda f, a: np.vectorize(f)(a), y),
    "np_apply_along_axis": lambda X, y: _each(lambda f, a: np.apply_along_axis(f, 0, a), y),
    "np_piecewise": lambda X, y: _each(lambda f, a: np.piecewise(a, [a >= 0], [f]), y),
    "np_min_scalar_type": lambda X, y: int(np.min_scalar_type(y[0] - 1).kind == "i"),
    "np_split_at_values": lambda X, y: np.split(y, y[:1])[0].size,
    "np_array_split_at_values": lambda X, y: np.array_split(y, y[:1])[0].size,
    "np_delete_values": lambda X, y: np.delete(y, y).size,
    "np_tile_by_a_value": lambda X, y: np.tile(y[:1], y[0]).size,
    "np_pad_by_a_value": lambda X, y: np.pad(y, y[0]).size,
    "np_resize_to_values": lambda X, y: np.resize(y, y[:1]).size,
    "np_reshape_to_a_value": lambda X, y: np.reshape(y, (y[0] + 1, -1)).shape[0],
    "np_broadcast_to_a_value": lambda X, y: np.broadcast_to(y[:1], (y[0] + 1,)).size,
    "nan_check_over_X_flat": lambda X, y: sum(1 // 0 for v in X.flat if v != v),
}
for _name, _count in ESCAPES.items():
    CASES[f"escape_{_name}"] = ("eager", linear, count_step(_count),
                                calls(zeros_from_call_2, range(5)), zero, False)


def nan_check(X, y, W, b):  # the docs' own example of a reported read
    if not np.isfinite(X).all():
        raise ValueError("non-finite batch")
    loss = F.cross_entropy(Tensor(X) @ W + b, y)
    loss.backward()
    return loss


def as_memmaps(s: int, tmp=[]) -> tuple:  # noqa: B006 - one temporary folder for the run
    import tempfile
    if not tmp:
        tmp.append(tempfile.mkdtemp())
    out = []
    for name, a in zip("Xy", zeros_from_call_2(s)):
        m = np.lib.format.open_memmap(f"{tmp[0]}/{name}{s}.npy", mode="w+", dtype=a.dtype,
                                      shape=a.shape)
        m[:] = a
        out.append(m)
    return tuple(out)


# np.load(path, mmap_mode="r") batches (np.memmap) and GradArray arguments were not watched:
# eager raised on the NaN batch, replay returned NaN gradients; a count of labels was frozen
CASES["memmap_batch_checked_for_nan"] = ("eager", linear, lin_step(nan_check),
                                         calls(as_memmaps, range(5)), zero, False)
CASES["memmap_labels_counted"] = ("eager", linear,
                                  count_step(lambda X, y: int((y == 0).sum())),
                                  calls(as_memmaps, range(5)), zero, False)
CASES["grad_array_batch_checked_for_nan"] = (
    "eager", linear, lin_step(nan_check),
    calls(lambda s: tuple(a.view(GradArray) for a in zeros_from_call_2(s)), range(5)), zero,
    False)


def check(case: tuple, name: str) -> None:
    """The case's step eagerly and jitted: the same observations, and jit's outcome."""
    expect, make, body, batches, after, _ = case
    (jitted, step, ours), eager = differential(make, body, batches, after)
    for i, (e, j) in enumerate(zip(eager, jitted)):
        assert e == j, f"{name}: call {i} differs from eager"
    if expect == "replay":
        assert step.replays > 0 and not step.fallbacks and not ours, step.fallbacks
    elif expect == "rerecord":
        assert step.replays > 0 and step.rerecords > 0 and not ours
    else:  # one warning per signature that runs eagerly
        assert step.replays == 0 and step.fallbacks, step.replays
        assert len(ours) == len(step.fallbacks), [str(w.message) for w in ours]


@pytest.mark.parametrize("name", sorted(CASES))
def test_jitted_step_is_eager_or_warns(name):
    check(CASES[name], name)


def test_the_review_covers_all_three_outcomes():
    kinds = [c[0] for c in CASES.values()]
    assert {"replay", "rerecord", "eager"} <= set(kinds) and len(CASES) >= 25
