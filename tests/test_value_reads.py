"""Values handed to Python: Tensor.__format__ / __array__ (PyTorch's and NumPy's habits), the
engine's read hook every such method goes through, watched NumPy arguments, and what jit
cannot see (the documented limits, pinned down so the docs stay true)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, engine, hooks, nn
from tinygrad_dl.jit import jit
from tinygrad_dl.jit.watch import Watched, watch


# ---- __format__ and __array__ ----------------------------------------------------------------
def test_format_of_a_one_element_tensor_is_its_value():
    loss = Tensor(np.float64(0.123456))
    assert f"{loss:.4f}" == "0.1235"
    assert f"{Tensor([2.5]):>6.1f}" == "   2.5"
    assert f"{Tensor(np.int64(7)):03d}" == "007"
    assert f"{loss}" == "0.123456"  # 0-d, no spec: its value (torch's 0-d rule)
    assert f"{Tensor(np.int64(7))}" == "7"
    assert f"{Tensor([2.5])}" == str(Tensor([2.5]))  # other shapes, no spec: str(), as torch


def test_format_spec_on_many_elements_is_one_clear_error():
    with pytest.raises(TypeError, match=r"format spec '\.2f' for a tensor of shape \(3,\)"):
        f"{Tensor([1.0, 2.0, 3.0]):.2f}"


def test_asarray_of_a_tensor_gives_its_values():
    t = Tensor(np.arange(3.0))
    assert np.asarray(t) is t.data
    a = np.array(t, dtype=np.float32)
    assert a.dtype == np.float32 and np.array_equal(a, [0, 1, 2])
    c = np.array(t)
    assert c is not t.data and np.array_equal(c, t.data)
    assert np.asarray([t, t]).shape == (2, 3)


def test_tensor_of_an_ndarray_subclass_holds_a_plain_view():
    m = np.arange(4.0).reshape(2, 2).view(np.matrix)
    t = Tensor(m)
    assert type(t.data) is np.ndarray and np.shares_memory(t.data, m)
    assert np.array_equal((t * t).data, [[0, 1], [4, 9]])  # elementwise, not matrix *
    with pytest.raises(TypeError, match="masked array"):
        Tensor(np.ma.masked_array([1.0, 2.0], mask=[0, 1]))


# ---- the read hook ---------------------------------------------------------------------------
class Recorder:
    def __init__(self):
        self.reads, self.writes, self.literals, self.tensors = [], [], [], []

    def on_read(self, t, how):
        self.reads.append(how)

    def on_write(self, who):
        self.writes.append(who)

    def on_literal(self, a):
        self.literals.append(id(a))

    def on_module(self, m):
        pass

    def on_module_change(self, m, made):
        pass

    def on_tensor_data(self, t):
        self.tensors.append(t)

    def is_argument(self, a):
        return False

    def on_apply(self, *a):
        pass

    def on_backward(self, *a):
        pass

    def on_backward_done(self):
        pass


@pytest.fixture
def recorder():
    r = Recorder()
    with hooks.attach(recorder=r):
        yield r


def test_every_value_handed_to_python_is_reported(recorder):
    t, i = Tensor(np.array([1.5])), Tensor(np.array(1))
    float(t), int(t), bool(t), t.item(), t.tolist(), t.numpy(), np.asarray(t)
    f"{t:.1f}", repr(t), [0, 1][i]
    assert recorder.reads == ["float()", "int()", "bool()", ".item()", ".tolist()", ".numpy()",
                              "np.asarray()", "formatting", "repr()", "index()"]


def test_shapes_and_library_reads_are_not_reported(recorder):
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    t.shape, t.ndim, t.size, t.dtype, len(t)
    (t * 2).sum().backward()
    assert recorder.reads == []
    assert recorder.writes == []


def test_writers_report(recorder):
    from tinygrad_dl.optim import SGD, clip_grad_norm_, clip_grad_value_

    lin = nn.Linear(2, 2, rng=np.random.default_rng(0))
    opt = SGD(lin.parameters(), lr=0.1)
    opt.zero_grad(), lin.zero_grad(), lin.W.zero_grad()
    clip_grad_value_(lin.parameters(), 1.0), clip_grad_norm_(lin.parameters(), 1.0)
    opt.step(), lin.load_state_dict(lin.state_dict()), opt.load_state_dict(opt.state_dict())
    assert recorder.writes == ["SGD.zero_grad()", "Linear.zero_grad()", "Tensor.zero_grad()",
                               "clip_grad_value_()", "clip_grad_norm_()", "SGD.step()",
                               "Linear.load_state_dict()", "SGD.load_state_dict()"]


def test_literals_are_marked_and_data_is_not(recorder):
    x = Tensor(np.ones(3))
    assert id((x * 2.0).data) not in recorder.literals  # an op's output is not a literal
    n = len(recorder.literals)
    Tensor([1.0, 2.0]), Tensor(3), Tensor.zeros(2), Tensor.ones(2)
    assert len(recorder.literals) == n + 4
    Tensor(np.ones(3)), Tensor([np.float64(1.0)]), x * np.float64(2.0)  # NumPy values: not
    assert len(recorder.literals) == n + 4


def test_tensors_whose_data_the_library_hands_an_op_are_reported(recorder):
    """A mask, an index, a clip bound, targets, a backward seed, Tensor(t) and t.detach():
    the op gets t.data, so the recording must be told t (jit guards `t.data = new`)."""
    import tinygrad_dl.functional as F

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    keep, idx, lo = Tensor(np.array([True, False, True])), Tensor(np.array([0])), Tensor(0.5)
    tidx, y, g, c = (Tensor(np.zeros((2, 1), dtype=np.int64)), Tensor(np.array([0, 2])),
                     Tensor(np.ones(2)), Tensor(np.ones(3)))
    F.where(keep, x, 0.0), x[:, idx], x[idx, (idx)], x.take_along_dim(tidx, 1)
    x.gather(1, tidx), x.clip(lo, None), F.cross_entropy(x, y), Tensor(c), c.detach()
    (x.sum(1)).backward(g)
    got = [id(t) for t in recorder.tensors]
    for t in (keep, idx, tidx, lo, y, g, c):
        assert id(t) in got
    recorder.tensors.clear()
    x[0:1], x[:, [0, 2]], x * 2.0, x.clip(0.0, 1.0)  # no tensor handed as an array
    assert recorder.tensors == []


def test_hooks_do_nothing_when_nothing_records():
    assert hooks.attached.recorder is None and not engine.recording()
    t = Tensor(np.array([2.0]))
    assert float(t) == 2.0 and f"{t:.0f}" == "2"
    a = np.ones(2)
    assert engine.literal(a) is a


def test_module_version_counts_attribute_assignments():
    lin = nn.Linear(2, 2, rng=np.random.default_rng(0))
    v = lin._version
    lin.W = Tensor(np.ones((2, 2)), requires_grad=True)
    lin.note = "x"
    del lin.note
    assert lin._version == v + 3
    lin.eval(), lin.train()  # the mode is guarded by value, not by version
    assert lin._version == v + 3


# ---- watched arrays --------------------------------------------------------------------------
def test_watched_arrays_compute_like_plain_ones_and_report_reads(recorder):
    a = np.arange(6.0).reshape(2, 3)
    w = watch(a)
    assert np.shares_memory(w, a) and w.shape == a.shape
    derived = [w.mean(), w[:, 0] > 0, np.isfinite(w).all(), w.argmax(), w[0, 0], w.std(),
               np.where(w > 1, 2.0, 1.0), w @ np.ones(3)]
    assert all(type(d) is Watched for d in derived)
    assert float(w.mean()) == a.mean() and recorder.reads == [
        "float() of an array computed from a step argument"]
    bool(np.isfinite(w).all()), int((w[:, 0] > 0).sum()), w.tolist(), f"{w[0, 0]:.1f}"
    int(np.count_nonzero(w)), np.allclose(w, a)  # a NumPy int stays watched until int()
    assert len(recorder.reads) == 7
    np.shape(w), len(w), w.ndim  # shapes: not reads
    assert len(recorder.reads) == 7


# An element of a plain array is a NumPy scalar (hashable, roundable, .is_integer()); of a
# watched one, a 0-d watched array. Each habit below worked eagerly and raised TypeError or
# AttributeError while recorded (`set(y)` inside a jitted step); it now gives the scalar's
# answer and reports the read.
SCALAR_HABITS = {
    "set": lambda x, y: len(set(y)),
    "dict key": lambda x, y: {1: "a", 2: "b"}[y[0]],
    "round": lambda x, y: round(x[0]),
    "round(., 2)": lambda x, y: round(x[0], 2),
    "math.trunc": lambda x, y: math.trunc(x[1]),
    "math.floor": lambda x, y: math.floor(x[1]),
    "math.ceil": lambda x, y: math.ceil(x[1]),
    ".is_integer()": lambda x, y: x[2].is_integer(),
    ".as_integer_ratio()": lambda x, y: x[0].as_integer_ratio(),
}


@pytest.mark.parametrize("habit", SCALAR_HABITS)
def test_an_elements_scalar_habits_work_while_recorded_and_are_reads(recorder, habit):
    x, y = np.array([2.375, -1.5, 4.0]), np.array([1, 2, 2])
    use = SCALAR_HABITS[habit]
    expected = use(x, y)
    got = use(watch(x), watch(y))
    assert got == expected and type(got) is type(expected)
    assert recorder.reads, f"{habit}: a value handed to Python without a report"


@pytest.mark.parametrize("use", [hash, round, math.trunc, math.floor, lambda a: a.is_integer()])
def test_a_whole_watched_array_refuses_scalar_habits_as_numpy_does(use):
    plain, w = np.arange(3.0), watch(np.arange(3.0))
    with pytest.raises((TypeError, AttributeError)) as numpy_says:
        use(plain)
    with pytest.raises(type(numpy_says.value), match=f"^{str(numpy_says.value)}$"):
        use(w)


def test_a_jitted_step_that_counts_its_labels_with_a_set_runs_eagerly_with_one_warning():
    w = Tensor(np.ones(2), requires_grad=True)

    def step(x, y):
        (w * x * len(set(y))).sum().backward()

    f = jit(step)
    with pytest.warns(RuntimeWarning, match=r"reads a value with hash\(\)"):
        f(np.ones(2), np.array([0, 1, 1]))
    w.grad = None
    f(np.ones(2), np.array([0, 1, 2]))  # three classes now: eager gives 3 per element
    assert f.replays == 0 and np.array_equal(w.grad, np.full(2, 3.0))


def test_watched_arrays_outside_a_recording_are_plain():
    w = watch(np.arange(3.0))
    assert bool(w.sum() > 0) and float(w[1]) == 1.0 and w.tolist() == [0.0, 1.0, 2.0]


# ---- what jit cannot see (docs/jit.md, "What jit cannot see") --------------
def replayed(step, calls):
    f = jit(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these is refused: that is the limit
        for args in calls:
            f(*args)
    return f


def test_limit_a_python_list_appended_to_inside_the_step():
    w = Tensor(np.ones(3), requires_grad=True)
    history = []

    def step(x):
        loss = (Tensor(x) * w).sum()
        history.append(loss)  # no value read: jit cannot tell; replay appends nothing
        loss.backward()

    f = replayed(step, [(np.ones(3),)] * 5)
    assert f.replays == 3 and len(history) == 2


def test_a_list_item_changed_in_place_after_recording():
    w = Tensor(np.ones(3), requires_grad=True)
    scale, entry = [2.0], {"k": 2.0}

    def step(x):
        (Tensor(x) * w * scale[0] * entry["k"]).sum().backward()

    f = replayed(step, [(np.ones(3),)] * 2)
    entry["k"] = 3.0  # a dict entry read by a constant key is guarded (b1f36e5): seen
    w.grad = None
    f(np.ones(3))
    assert f.rerecords == 1 and np.array_equal(w.grad, np.full(3, 6.0))
    f(np.ones(3))
    scale[0] = 5.0  # a list's item at a constant index is guarded too (927078b): seen
    w.grad = None
    f(np.ones(3))
    assert f.rerecords == 2 and np.array_equal(w.grad, np.full(3, 15.0))


def test_limit_data_read_through_dot_data():
    w = Tensor(np.ones(3), requires_grad=True)

    def step(x):
        loss = (Tensor(x) * w).sum()
        (loss * (2.0 if loss.data > 0 else -3.0)).backward()  # .data: not reported

    f = replayed(step, [(np.ones(3),), (np.ones(3),)])
    w.grad = None
    f(-np.ones(3))
    assert f.replays == 1 and np.array_equal(w.grad, np.full(3, -2.0))  # eager: +3


def test_float_instead_of_dot_data_is_refused():
    w = Tensor(np.ones(3), requires_grad=True)

    def step(x):
        loss = (Tensor(x) * w).sum()
        (loss * (2.0 if float(loss) > 0 else -3.0)).backward()

    f = jit(step)
    with pytest.warns(RuntimeWarning, match=r"reads a value with float\(\)"):
        f(np.ones(3))
    for x in (np.ones(3), -np.ones(3)):
        w.grad = None
        f(x)
    assert f.replays == 0 and np.array_equal(w.grad, np.full(3, 3.0))


def test_limit_an_elements_type_inside_a_recording_is_a_watched_array():
    import json

    x = np.array([1.5])
    assert isinstance(x[0], float) and json.dumps(x[0]) == "1.5"  # eagerly: np.float64
    v = watch(x)[0]
    assert not isinstance(v, float) and type(v) is Watched  # docs/jit.md: convert first
    with pytest.raises(TypeError, match="not JSON serializable"):
        json.dumps(v)
    assert json.dumps(float(v)) == "1.5" and json.dumps(v.item()) == "1.5"


# ---- .base, histogram bins chosen by the values, C iterators -----------------------------------
def test_base_of_an_argument_is_a_read_and_a_view_the_step_made_keeps_the_watch(recorder):
    """`X.base` of an argument's watched view is the caller's array, plain (its values out of
    the watch, and not eager's X.base: `if X.base is None:` would take the other branch)."""
    a = np.arange(6.0)
    w = watch(a)
    assert w.base is a and recorder.reads == [
        ".base (a plain array, outside the watch) of an array computed from a step argument"]
    recorder.reads.clear()
    v = w[2:]
    assert v.base is w and recorder.reads == []  # as eager: X[2:].base is X


@pytest.mark.parametrize("call", [lambda w: np.histogram(w, bins="auto"),
                                  lambda w: np.histogram(w, "fd"),
                                  lambda w: np.histogram_bin_edges(w, bins="sturges")])
def test_histogram_bins_chosen_by_the_values_is_a_read(recorder, call):
    """The number of bins a string picks is set by the values, and Python reads a shape
    without a word (`len(np.histogram(X, bins="auto")[0])`)."""
    call(watch(np.arange(50.0) ** 2))
    assert len(recorder.reads) == 1 and "shape is set by the values" in recorder.reads[0]


def test_histogram_with_a_bin_count_is_not_a_read(recorder):
    counts, edges = np.histogram(watch(np.arange(50.0)), bins=5)
    np.histogram(watch(np.arange(50.0)))
    assert type(counts) is Watched and counts.shape == (5,) and recorder.reads == []


def test_a_jitted_step_that_branches_on_base_runs_eagerly_with_one_warning():
    w = Tensor(np.ones(3), requires_grad=True)

    def step(x):
        (Tensor(x) * w * (2.0 if x.base is None else 3.0)).sum().backward()

    f = jit(step)
    with pytest.warns(RuntimeWarning, match=r"reads a value with \.base"):
        f(np.ones(3))
    for x in (np.ones(3), np.ones(6)[:3], np.ones(3)):
        w.grad = None
        f(x)
        assert np.array_equal(w.grad, np.full(3, 2.0 if x.base is None else 3.0))
    assert f.replays == 0


def test_limit_nditer_and_ndenumerate_read_the_memory_unseen(recorder):
    """NumPy's C iterators take the memory without calling any method of the array (np.nditer;
    np.ndenumerate iterates np.asarray(X).flat), so a watched array cannot report them
    (docs/jit.md, What jit cannot see)."""
    w = watch(np.arange(3.0))
    assert [float(v) for v in np.nditer(w)] == [0.0, 1.0, 2.0]
    assert [v for _, v in np.ndenumerate(w)] == [0.0, 1.0, 2.0]
    assert recorder.reads == []
