"""Second review of the rearranging ops (hROLLr): a tensor's one-entry roll shift kept as an
array (a jitted step replayed a stale Python int), np.roll's empty list axis (NumPy rolls
nothing; the flattened roll was given without a word), a tensor's tile reps (RecursionError),
rot90's non-integer k (1.5 turned by three quarters), and the jit's guards they rely on."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl.jit import jit

torch = pytest.importorskip("torch")


def _jit_agrees(f, shifts):
    """A jitted step of f(h, sh) and its eager twin give bit-equal losses and gradients."""
    rng = np.random.default_rng(0)
    w = tg.Tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def step(x, sh):
        r = f(tg.Tensor(x) * w, sh)
        loss = (r * r * r).sum()
        loss.backward()
        return loss

    jitted, x = jit(step), rng.standard_normal((2, 3))
    for sh in shifts:
        w.grad = None
        want, want_g = step(x, sh).data.copy(), w.grad.copy()
        w.grad = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = jitted(x, sh).data
        assert got.tobytes() == want.tobytes() and w.grad.tobytes() == want_g.tobytes()
    return jitted


def test_jitted_roll_by_a_tensors_one_shift_follows_its_value():
    # x.roll(tg.Tensor([k])) (dims None): the shift was read into a Python int, which replay
    # kept: k went 0 -> 2 and the jitted step still rolled by 0
    shifts = [np.array([0])] * 4 + [np.array([2])] * 4
    _jit_agrees(lambda h, sh: h.roll(tg.Tensor(sh)), shifts)
    _jit_agrees(lambda h, sh: h.roll(tg.Tensor(sh), dims=()), shifts)


def test_roll_of_a_one_entry_tensor_shift_matches_torch():
    a = np.arange(6.0).reshape(2, 3)
    for k in (-4, 0, 1, 5):
        want = torch.roll(torch.tensor(a), (k,)).numpy()
        np.testing.assert_array_equal(tg.Tensor(a).roll(tg.tensor([k])).data, want)
        np.testing.assert_array_equal(tg.Tensor(a).roll([k], dims=[]).data, want)


@pytest.mark.parametrize("call", [lambda t: np.roll(t, 1, axis=[]), lambda t: np.roll(t, 1, []),
                                  lambda t: t.roll(1, axis=[]), lambda t: tg.roll(t, 1, [])])
def test_numpys_empty_list_axis_is_refused_not_the_flattened_roll(call):
    # NumPy's np.roll(a, 1, axis=[]) rolls nothing; np.roll(t, 1, axis=[]) rolled t flattened
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(np.roll(a, 1, axis=[]), a)
    with pytest.raises(ValueError, match="roll: dims") as e:
        call(tg.Tensor(a, requires_grad=True))
    assert "\n" not in str(e.value)


def test_torchs_dims_empty_list_is_still_the_flattened_roll():
    a = np.arange(6.0).reshape(2, 3)
    want = torch.roll(torch.tensor(a), 1, dims=[]).numpy()
    for got in (tg.Tensor(a).roll(1, dims=[]), tg.Tensor(a).roll(shifts=1, dims=()),
                tg.roll(tg.Tensor(a), 1, dims=[])):
        np.testing.assert_array_equal(got.data, want)
    # one entry: the same either way (no refusal)
    np.testing.assert_array_equal(tg.Tensor(np.array([3.0])).roll(1, []).data, [3.0])


def test_tile_by_a_tensor_matches_torch():
    # x.tile(torch.tensor(2)) is torch's tile(2); ours recursed until RecursionError
    a = np.random.default_rng(1).standard_normal((2, 3))
    x, xt = tg.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for reps, treps in (((tg.tensor(2),), (torch.tensor(2),)),
                        ((2, tg.tensor(1)), (2, torch.tensor(1)))):
        got, want = x.tile(*reps), xt.tile(*treps)
        np.testing.assert_array_equal(got.data, want.detach().numpy())
        wgt = np.random.default_rng(2).standard_normal(got.shape)
        x.grad, xt.grad = None, None
        (got * tg.Tensor(wgt)).sum().backward()
        (want * torch.tensor(wgt)).sum().backward()
        np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12)


def test_jitted_tile_by_a_tensor_runs_eagerly_with_each_value():
    # the output's shape comes from the tensor's values: replay would trust the recorded shape
    reps = [np.array(1)] * 3 + [np.array(2)] * 3
    jitted = _jit_agrees(lambda h, r: h.tile(tg.Tensor(r), 1), reps)
    assert jitted.replays == 0


@pytest.mark.parametrize("k", [1.5, -0.5, True])
def test_rot90_refuses_a_non_integer_k(k):
    # NumPy's k % 4 == 1.5 took the k == 3 branch: three quarter turns for 1.5, silently
    with pytest.raises(TypeError, match="rot90: k must be an int") as e:
        tg.Tensor(np.arange(6.0).reshape(2, 3)).rot90(k)
    assert "\n" not in str(e.value)


def test_rot90_takes_an_integral_k_as_numpy_and_a_0d_int_tensor_as_torch():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.Tensor(a).rot90(3.0).data, np.rot90(a, 3))
    want = torch.rot90(torch.tensor(a), torch.tensor(1)).numpy()
    np.testing.assert_array_equal(tg.Tensor(a).rot90(tg.tensor(1)).data, want)
    with pytest.raises(ValueError, match="rot90: dims must be two dims"):
        tg.Tensor(a).rot90(1, 0)


def test_jitted_unfold_follows_changing_shapes_and_python_steps():
    # the unfold window index is a literal made from the shape and Python ints: a new shape is
    # a new signature, a changed closure step a guard failure, never a stale replay
    rng = np.random.default_rng(3)
    w = tg.Tensor(rng.standard_normal(()), requires_grad=True)
    cfg = {"step": 1}

    def step(x, size):
        h = tg.Tensor(x) * w
        u, v = h.unfold(-1, size, 2), h.unfold(0, 1, cfg["step"])
        loss = (u * u).sum() + (v * v * v).sum()
        loss.backward()
        return loss

    jitted = jit(step)
    for i in range(12):
        x = rng.standard_normal((2 + i // 4, 5))
        cfg["step"] = 1 + (i // 6)
        w.grad = None
        want, want_g = step(x, 2).data.copy(), w.grad.copy()
        w.grad = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = jitted(x, 2).data
        assert got.tobytes() == want.tobytes() and w.grad.tobytes() == want_g.tobytes()
    assert jitted.replays > 0


def test_unfold_takes_0d_int_tensor_size_and_step_as_torch_and_a_jit_runs_it_eagerly():
    # torch's x.unfold(0, torch.tensor(2), torch.tensor(1)) runs; ours refused the tensors. In a
    # jitted step their values are read (as int(t)): the step runs eagerly, never a stale index
    a = np.arange(12.0).reshape(3, 4)
    want = torch.tensor(a).unfold(1, torch.tensor(2), torch.tensor(1)).numpy()
    np.testing.assert_array_equal(tg.Tensor(a).unfold(1, tg.tensor(2), tg.tensor(1)).data, want)
    with pytest.raises(TypeError, match="unfold: step must be an int"):
        tg.Tensor(a).unfold(1, 2, tg.tensor(1.0))
    steps = [np.array(1)] * 3 + [np.array(2)] * 3
    jitted = _jit_agrees(lambda h, st: h.unfold(1, 2, tg.Tensor(st)), steps)
    assert jitted.replays == 0


def test_roll_takes_a_0d_int_array_dim():
    # NumPy's np.roll(a, 1, np.array(1)) runs; ours raised "iteration over a 0-d array"
    a = np.arange(6.0).reshape(2, 3)
    for dim in (np.array(1), tg.tensor(1)):
        np.testing.assert_array_equal(tg.Tensor(a).roll(1, dims=dim).data, np.roll(a, 1, 1))
