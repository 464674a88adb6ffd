"""The complex and unsigned dtype names (tg.complex64 / cfloat / complex128 / cdouble /
uint16 / uint32 / uint64) against torch 2.13 where they reach other entry points: ldexp and
ldexp_ of a complex tensor (the imaginary part was dropped, as float32, with only NumPy's
ComplexWarning; ldexp_ then refused as if torch did), float_power_ of a complex128 tensor
(refused; torch computes), rand / randn / rand_like / randn_like in a complex dtype (refused;
torch draws each part), can_cast, finfo and typename of these dtypes (refused)."""

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg

torch = pytest.importorskip("torch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
         "float16", "float32", "float64", "complex64", "complex128"]


def _z(dt, seed=0, n=5):
    r = np.random.default_rng(seed)
    return (r.standard_normal(n) + 1j * r.standard_normal(n)).astype(dt)


# ---- ldexp / ldexp_ of a complex tensor ------------------------------------------------------
@pytest.mark.parametrize("zdt", ["complex64", "complex128"])
@pytest.mark.parametrize("edt", ["int64", "int32", "float32", "float64", "complex64",
                                 "complex128"])
def test_ldexp_of_a_complex_tensor_keeps_its_imaginary_part_as_torch(zdt, edt):
    z = _z(zdt)
    e = np.array([1, -2, 0, 3, 2]).astype(edt)
    want = torch.ldexp(torch.tensor(z), torch.tensor(e))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (NumPy's ComplexWarning was the only word)
        got = tg.ldexp(tg.tensor(z), tg.tensor(e))
    assert got.dtype == np.dtype(str(want.dtype).removeprefix("torch."))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("zdt", ["complex64", "complex128"])
def test_ldexp_in_place_of_a_complex_tensor_as_torch(zdt):
    z = _z(zdt, 1)
    e = np.array([1, -2, 0, 3, 2])
    t = torch.tensor(z)
    t.ldexp_(torch.tensor(e))
    x = tg.tensor(z)
    assert x.ldexp_(tg.tensor(e)) is x
    assert x.dtype == np.dtype(zdt)
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6)


def test_ldexp_of_a_real_tensor_by_a_complex_exponent_is_complex_as_torch():
    x, e = np.array([1.0, 2.0], np.float32), np.array([1j, 1], np.complex64)
    want = torch.ldexp(torch.tensor(x), torch.tensor(e))
    got = tg.ldexp(tg.tensor(x), tg.tensor(e))
    assert got.dtype == np.complex64
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


# ---- float_power_ of a complex128 tensor -----------------------------------------------------
@pytest.mark.parametrize("exponent", [2, 0.5, "real", "complex"])
def test_float_power_in_place_of_a_complex128_tensor_as_torch(exponent):
    z = _z(np.complex128, 2)
    ex = {"real": np.array([0.5, 1.5, -2.0, 1.0, 3.0]),
          "complex": _z(np.complex128, 3)}.get(exponent, exponent)
    t = torch.tensor(z)
    t.float_power_(torch.tensor(ex) if isinstance(ex, np.ndarray) else ex)
    x = tg.tensor(z)
    x.float_power_(tg.tensor(ex) if isinstance(ex, np.ndarray) else ex)
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-12)


def test_float_power_in_place_still_refuses_complex64_and_a_complex_result_in_float64():
    with pytest.raises(TypeError, match="float_power_"):
        tg.tensor(_z(np.complex64)).float_power_(2)
    with pytest.raises(TypeError, match="float_power_"):
        tg.tensor([1.0, 2.0]).float_power_(tg.tensor([1j, 2 + 0j]))


# ---- complex random draws ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["complex64", "cfloat", "complex128", "cdouble"])
def test_randn_and_rand_draw_complex_numbers_part_by_part_as_torch(name):
    dt = getattr(tg, name)
    g = tg.Generator().manual_seed(5)
    z = tg.randn(20000, dtype=dt, generator=g).numpy()
    u = tg.rand(20000, dtype=dt, generator=g).numpy()
    assert z.dtype == np.dtype(dt) and u.dtype == np.dtype(dt)
    # torch's complex normal: each part N(0, 1/2), E|z|^2 = 1; its rand: each part on [0, 1)
    assert abs(z.real.var() - 0.5) < 0.03 and abs(z.imag.var() - 0.5) < 0.03
    assert abs(np.mean(np.abs(z) ** 2) - 1) < 0.05
    assert abs(np.corrcoef(z.real, z.imag)[0, 1]) < 0.05
    for part in (u.real, u.imag):
        assert part.min() >= 0 and part.max() < 1 and abs(part.mean() - 0.5) < 0.02
    assert abs(np.corrcoef(u.real, u.imag)[0, 1]) < 0.05


def test_rand_like_and_randn_like_of_a_complex_tensor_as_torch():
    c = tg.zeros(3, 4, dtype=tg.complex64)
    for f in (tg.rand_like, tg.randn_like):
        r = f(c)
        assert r.dtype == np.complex64 and r.shape == (3, 4) and np.all(r.numpy().imag != 0)
        assert f(tg.zeros(2), dtype=tg.cdouble).dtype == np.complex128
    assert torch.randn_like(torch.zeros(3, dtype=torch.complex64)).dtype == torch.complex64


def test_random_floats_still_refused_in_an_integer_dtype():
    for dt in (tg.uint16, tg.uint32, tg.uint64):
        with pytest.raises(TypeError, match="cannot hold random floats"):
            tg.randn(2, dtype=dt)
        with pytest.raises(TypeError, match="cannot hold random floats"):
            tg.rand_like(tg.zeros(2), dtype=dt)


# ---- can_cast / finfo / typename ------------------------------------------------------------
def test_can_cast_answers_as_torch_for_every_pair_of_named_dtypes():
    bad = [(a, b) for a in NAMES for b in NAMES
           if tg.can_cast(getattr(tg, a), getattr(tg, b))
           != torch.can_cast(getattr(torch, a), getattr(torch, b))]
    assert bad == []


@pytest.mark.parametrize("name", ["complex64", "cfloat", "complex128", "cdouble"])
def test_finfo_of_a_complex_dtype_is_its_parts_as_torch(name):
    ours, theirs = tg.finfo(getattr(tg, name)), torch.finfo(getattr(torch, name))
    for k in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, k) == getattr(theirs, k), k
    assert ours.dtype == theirs.dtype


@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64", "complex64", "complex128"])
def test_typename_of_the_new_dtypes_as_torch(name):
    assert (tg.typename(tg.zeros(1, dtype=getattr(tg, name)))
            == torch.typename(torch.zeros(1, dtype=getattr(torch, name))))


@pytest.mark.parametrize("name", ["UInt16Tensor", "UInt32Tensor", "UInt64Tensor",
                                  "ComplexFloatTensor", "ComplexDoubleTensor"])
def test_type_casts_to_the_new_tensor_type_names_as_torch(name):
    want = torch.tensor([1.0, 2.0]).type(f"torch.{name}")
    got = tg.tensor([1.0, 2.0]).type(f"torch.{name}")
    assert got.dtype == np.dtype(str(want.dtype).removeprefix("torch."))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_multinomial_of_complex_weights_refused_as_torch():
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor([1 + 1j, 2j]), 1)
    for draw in (lambda w: tg.multinomial(w, 1), lambda w: w.multinomial(1)):
        with pytest.raises(TypeError, match=r"multinomial: weights must be real, got complex128"):
            draw(tg.tensor([1 + 1j, 2j]))  # (drew from [1, 0]: index 0 every time)
