"""Second review of the course models' API fixes (hMAPI): ConvNet's checkpoint size guard at
every layout its config allows (and a hostile one), the refusal of complex batches (and what
is still computed), the std checks, and CharRNN's h0 (the same complex cast, missed)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, checkpoint, container
from tinygrad_dl.jit import jit
from tinygrad_dl.models import CharRNN, ConvNet, TwoLayer
from tinygrad_dl.nn import Conv2d, Linear, init, init_std


# ---- regression: CharRNN's h0 was cast to its real part -----------------------------------------
@pytest.mark.parametrize("h0", [np.full(3, 1 + 1j), [1j, 0.5, 2], Tensor(np.full(3, 2j)),
                                np.full(3, 1j, dtype=np.complex64)])
def test_char_rnn_refuses_a_complex_h0(h0) -> None:
    m = CharRNN(4, m=3, rng=np.random.default_rng(0))
    X, Y = np.array([0, 1, 2]), np.array([1, 2, 3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NumPy's ComplexWarning was all it said)
        for call in (lambda: m(X, h0=h0), lambda: m.loss(X, Y, h0=h0),
                     lambda: m.hand_gradients(X, Y, h0=h0),
                     lambda: m.synthesize(h0, 0, 5, rng=np.random.default_rng(1))):
            with pytest.raises(TypeError, match="CharRNN: h0 must hold real numbers"):
                call()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_char_rnn_real_h0_of_any_dtype_is_cast_as_before(dtype) -> None:
    m = CharRNN(4, m=3, rng=np.random.default_rng(0), dtype=dtype)
    X = np.array([0, 1, 2])
    h = np.array([0.25, -1.0, 3.0])
    want = m(X, h0=h.astype(dtype)).data
    for h0 in (h.astype(np.float32), h.astype(np.float16), h.tolist(), Tensor(h)):
        got = m(X, h0=h0).data
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, want)


# ---- ConvNet's checkpoint guard ---------------------------------------------------------------
@pytest.mark.parametrize("image,channels", [
    ((1, 6, 6), [1]), ((3, 2, 2), [1]), ((1, 12, 4), [2, 3]), ((2, 8, 24), [1, 1, 1]),
    ((1, 10, 10), [1]), ((1, 2, 16), [1])])
def test_convnet_reloads_at_every_layout(image, channels, tmp_path) -> None:
    # odd sides after pooling, non-square, more stages than the course's
    m = ConvNet(image=image, K=2, channels=channels, rng=np.random.default_rng(0))
    X = np.random.default_rng(1).standard_normal((2, m.d))
    checkpoint.save_model(m, tmp_path / "c.npz")
    loaded = checkpoint.load_model(tmp_path / "c.npz")
    assert loaded.config() == m.config()
    np.testing.assert_array_equal(loaded(X).data, m(X).data)


def test_convnet_hostile_image_with_many_stages_allocates_only_what_the_file_backs(tmp_path):
    # sides 2^40 that 40 poolings bring to 1: no parameter grows with the sides, so the model
    # built holds only the file's (tiny) arrays; a side 2^10 after 30 poolings is refused
    m = ConvNet(image=(1, 2 ** 40, 2 ** 40), K=2, channels=[1] * 40)
    checkpoint.save_model(m, tmp_path / "h.npz")
    loaded = checkpoint.load_model(tmp_path / "h.npz")
    assert sum(p.data.size for p in loaded.parameters()) == 40 * 10 + 2 * 1 + 2
    arrays = list(m.state_dict().values())
    with pytest.raises(ValueError, match="config image"):
        container.check_sizes(ConvNet.backed_sizes({**m.config(), "channels": [1] * 30}),
                              arrays)


# ---- the complex-batch refusal: what still computes, what is refused ----------------------------
def test_real_batches_of_other_dtypes_compute_as_the_cast() -> None:
    m = TwoLayer(4, 3, 2, rng=np.random.default_rng(0))
    X = np.random.default_rng(1).integers(-3, 4, (3, 4))
    want = m(X.astype(np.float64)).data
    for Xo in (X.astype(np.float16), X, X.astype(np.int8), X.astype(object), X.tolist(),
               Tensor(X.astype(np.float32)), Tensor(X.astype(np.float32), requires_grad=True)):
        np.testing.assert_array_equal(m(Xo).data, want)
    np.testing.assert_array_equal(m(X > 0).data, m((X > 0).astype(np.float64)).data)


@pytest.mark.parametrize("X", [np.full((2, 4), 1j, dtype=object), np.ma.masked_array(
    np.ones((2, 4)), mask=np.eye(2, 4, dtype=bool)), np.ones((2, 4)).astype("m8[s]")])
def test_other_non_real_batches_are_refused(X) -> None:
    m = TwoLayer(4, 3, 2)
    with pytest.raises(TypeError):
        m(X)


def test_a_replayed_step_given_a_complex_batch_later_refuses_it() -> None:
    m = TwoLayer(4, 3, 2, rng=np.random.default_rng(0))
    y = np.array([0, 1, 1])

    @jit(strict=True)
    def step(X, y):
        m.loss(X, y).backward()

    r = np.random.default_rng(2)
    for _ in range(4):  # float32 batches on a float64 model: recorded, then replayed
        m.zero_grad()
        step(r.standard_normal((3, 4)).astype(np.float32), y)
    with pytest.raises(TypeError, match="TwoLayer.forward: X must hold real numbers"):
        step(r.standard_normal((3, 4)).astype(np.float32) + 1j, y)


# ---- the std checks ---------------------------------------------------------------------------
@pytest.mark.parametrize("std", [np.float32(0.5), Tensor(0.5), 0, 0.0])
def test_valid_std_of_any_number_type_is_taken(std) -> None:
    assert init_std("gaussian", 3, std) == float(std)
    assert np.isfinite(Linear(3, 2, init="gaussian", std=std).W.data).all()
    assert np.isfinite(Conv2d(1, 1, 3, init="gaussian", std=std).W.data).all()
    assert CharRNN(3, m=2, std=std).std == float(std)


@pytest.mark.parametrize("std", [np.float32("nan"), np.float64("inf"), Tensor(-1.0)])
def test_nan_inf_or_negative_std_of_any_number_type_is_refused(std) -> None:
    for make in (lambda: init_std("gaussian", 3, std), lambda: CharRNN(3, m=2, std=std),
                 lambda: Linear(3, 2, init="gaussian", std=std),
                 lambda: Conv2d(1, 1, 3, init="gaussian", std=std)):
        with pytest.raises(ValueError, match="std must be a finite number >= 0"):
            make()


def test_init_normal_keeps_torch_rule_for_std() -> None:
    # torch's normal_ refuses NaN and < 0 and draws with std 0 (and inf: torch too)
    torch = pytest.importorskip("torch")
    for s in (float("nan"), -1.0):
        with pytest.raises(RuntimeError):
            torch.nn.init.normal_(torch.empty(3), std=s)
        with pytest.raises(ValueError, match="std must be >= 0"):
            init.normal_(Tensor(np.zeros(3)), std=s)
    np.testing.assert_array_equal(init.normal_(Tensor(np.ones(3)), std=0.0).data, np.zeros(3))
