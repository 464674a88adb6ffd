"""The dtype casts (x.to(dtype), to(other), to(copy=True), type, type_as, astype, double ...
cdouble, tg.tensor / as_tensor / new_tensor with dtype=) as a seeded random differential
against torch 2.13 (CPU): values bit for bit (NaN, inf, -0.0, huge, subnormal, ties into every
dtype; where torch's float -> integer value is the CPU's, ours matches it here or warns naming
the cast), dtypes, requires_grad, x itself where torch hands back x, and the gradient through
float <-> float casts in the input's dtype. Plus the bugs the hunt found (hCAST)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl.jit import JitError, jit

torch = pytest.importorskip("torch")

NAMES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
         "complex64", "complex128")
BY_METHOD = {"double": "float64", "float": "float32", "half": "float16", "long": "int64",
             "int": "int32", "short": "int16", "char": "int8", "byte": "uint8", "bool": "bool",
             "cfloat": "complex64", "cdouble": "complex128"}
METHOD_OF = {v: k for k, v in BY_METHOD.items()}
EDGE = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e300, -1e300, 5e-324, 1e-310, 3.5, -3.5, 2.5, 0.5,
        -0.5, 2.0**63, -2.0**63, 2.0**31, -2.0**31 - 1, -3e9, 300.0, -1.0, 255.9, 65504.0,
        65520.0, 2.0**-25, 1.5 * 2.0**-24, 1 + 2**-11, 1 + 3 * 2**-11, 1e10, -1e10, 2.0**53 + 2,
        127.5, -128.9, 32767.9]
IEDGE = [0, 1, -1, 2**63 - 1, -2**63, 2**53 + 1, 2**31, -2**31 - 1, 255, 256, -129, 65520,
         2**24 + 1, 300]
HOWS = ("to", "to_torch_dtype", "to_other", "to_copy", "type", "type_as", "method", "as_tensor",
        "tensor", "new_tensor")


def _draw(rng: np.random.Generator, name: str) -> np.ndarray:
    shape = tuple(int(rng.integers(0, 4)) for _ in range(int(rng.integers(0, 4))))
    n = int(np.prod(shape))
    if name[0] in "fc":
        v = np.where(rng.random(n) < 0.5, rng.choice(EDGE, n),
                     rng.normal(0, 10.0 ** rng.integers(-3, 6), n))
        if name[0] == "c":
            im = np.where(rng.random(n) < 0.5, rng.choice(EDGE, n), rng.normal(0, 3, n))
            with np.errstate(invalid="ignore"):  # (inf * 1j: NaN + inf j, as wanted)
                v = v + 1j * im
        with np.errstate(all="ignore"):
            a = v.astype(name)
    elif name == "bool":
        a = rng.random(n) < 0.5
    else:
        v = np.where(rng.random(n) < 0.5, rng.choice(IEDGE, n), rng.integers(-1000, 1000, n))
        a = v.astype(np.int64).astype(name)
    a = a.reshape(shape)
    if a.ndim >= 2 and rng.random() < 0.5:
        a = a.T  # non-contiguous inputs
    if a.ndim >= 1 and a.shape[-1] > 1 and rng.random() < 0.3:
        a = a[..., ::2]
    return a


def _ours(t: Tensor, how: str, name: str) -> Tensor:
    tdt = getattr(torch, name)
    return {"to": lambda: t.to(np.dtype(name)), "to_torch_dtype": lambda: t.to(tdt),
            "to_other": lambda: t.to(tg.tensor(np.zeros(1, name))),
            "to_copy": lambda: t.to(np.dtype(name), copy=True), "type": lambda: t.type(tdt),
            "type_as": lambda: t.type_as(tg.tensor(np.zeros(1, name))),
            "method": lambda: getattr(t, METHOD_OF[name])(),
            "as_tensor": lambda: tg.as_tensor(t, dtype=tdt),
            "tensor": lambda: tg.tensor(t.detach(), dtype=tdt),
            "new_tensor": lambda: t.new_tensor(t.detach(), dtype=tdt)}[how]()


def _torch(t, how: str, name: str):
    tdt = getattr(torch, name)
    return {"to": lambda: t.to(tdt), "to_torch_dtype": lambda: t.to(tdt),
            "to_other": lambda: t.to(torch.zeros(1, dtype=tdt)),
            "to_copy": lambda: t.to(tdt, copy=True), "type": lambda: t.type(tdt),
            "type_as": lambda: t.type_as(torch.zeros(1, dtype=tdt)),
            "method": lambda: getattr(t, METHOD_OF[name])(),
            "as_tensor": lambda: torch.as_tensor(t, dtype=tdt),
            "tensor": lambda: torch.tensor(t.detach(), dtype=tdt),
            "new_tensor": lambda: t.new_tensor(t.detach(), dtype=tdt)}[how]()


def _bits_equal(x: np.ndarray, y: np.ndarray) -> bool:
    if x.dtype != y.dtype or x.shape != y.shape:
        return False
    if x.dtype.kind in "fc":  # the bits (-0.0 too), NaNs aside: torch's float16 -> float32
        x, y = x.reshape(-1), y.reshape(-1)  # NaN is 0x7fffffff, NumPy's the quiet 0x7fc00000
        nan = np.isnan(x.real) | np.isnan(x.imag)
        bits = [np.ascontiguousarray(v[~nan]).view(np.uint8) for v in (x, y)]
        return np.array_equal(nan, np.isnan(y.real) | np.isnan(y.imag)) and np.array_equal(*bits)
    return np.array_equal(x, y)


def _case(seed: int) -> None:
    rng = np.random.default_rng(seed)
    src, dst = str(rng.choice(NAMES)), str(rng.choice(NAMES))
    how = str(rng.choice(HOWS))
    a = _draw(rng, src)
    grad = src[0] == dst[0] == "f" and how not in ("tensor", "new_tensor") and rng.random() < 0.6
    tt = torch.tensor(a, requires_grad=grad)
    t = Tensor(a, requires_grad=True) if grad else tg.tensor(a)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        r = _ours(t, how, dst)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's copy-construct and complex warnings)
        rt = _torch(tt, how, dst)
    tag = f"seed {seed}: {src} -> {dst} by {how}, shape {a.shape}"
    assert _bits_equal(r.data, rt.detach().numpy()), (tag, r.data, rt)
    if src[0] in "fc" and dst[0] in "iu":  # NaN, inf or past int32 (int64): a warning naming
        real = np.asarray(a.real, np.float64).reshape(-1)  # it (300.0 to uint8 wraps as torch's)
        info = np.iinfo(np.int64 if dst == "int64" else np.int32)
        with np.errstate(invalid="ignore"):
            fits = (np.trunc(real) >= float(info.min)) & (real < float(info.max) + 1.0)
        if not fits.all():
            assert any("has no " + dst in str(w.message) for w in said), tag
    assert r.requires_grad == rt.requires_grad, tag
    assert (r is t) == (rt is tt), tag  # x itself exactly where torch hands back x
    if grad:
        wts = rng.normal(size=a.shape)
        (r * Tensor(wts.astype(r.dtype))).sum().backward()
        (rt * torch.tensor(wts).to(rt.dtype)).sum().backward()
        g = np.asarray(t.grad)
        assert g.dtype == a.dtype, tag  # torch's rule: the gradient in the input's dtype
        assert _bits_equal(g, tt.grad.numpy()), (tag, g, tt.grad)


@pytest.mark.parametrize("block", range(4))
def test_random_casts_match_torch(block: int) -> None:
    for seed in range(block * 150, block * 150 + 150):
        _case(seed)


@pytest.mark.parametrize("src", ["float64", "float32", "float16", "complex128", "complex64"])
def test_every_float_into_every_integer_dtype_is_torchs_on_this_cpu(src: str) -> None:
    rng = np.random.default_rng(5)
    v = np.concatenate([rng.uniform(-1, 1, 3000) * 10.0 ** rng.integers(0, 20, 3000), EDGE])
    with np.errstate(all="ignore"):
        a = v.astype(src)
    for name in ("uint8", "int8", "int16", "int32", "int64", "bool"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = tg.tensor(a).to(getattr(torch, name)).data
            theirs = torch.from_numpy(a).to(getattr(torch, name)).numpy()
        assert np.array_equal(ours, theirs), (src, name, a[ours != theirs][:4])


# ---- the bugs ------------------------------------------------------------------------------
def test_float64_past_int32_into_uint8_is_torchs_255() -> None:
    """torch's float64 -> uint8 goes through int64 on this CPU, NumPy's through int32: -2**31 - 1
    became 0 here, 255 in torch, while the warning said 'as in torch'."""
    x = tg.tensor(np.array([-2.0**31 - 1, -3e9, 5e9 + 7]))
    with pytest.warns(RuntimeWarning, match="byte to uint8|astype to uint8"):
        got = x.byte().data
    assert got.tolist() == torch.tensor([-2.0**31 - 1, -3e9, 5e9 + 7],
                                        dtype=torch.float64).byte().tolist() == [255, 0, 7]


def test_complex_into_an_integer_dtype_is_its_real_part_said_at_the_callers_line() -> None:
    """A complex tensor into an integer dtype took NumPy's cast: a NaN or -2**31 - 1 real part
    gave its number without the cast's warning (and 0 where torch gives 255)."""
    z = np.array([-2.0**31 - 1 + 1j, np.nan + 0j, 3.7 - 2j])
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        got = tg.tensor(z).to(np.uint8).data
    assert got.tolist() == [255, 0, 3] == torch.tensor(z).to(torch.uint8).tolist()
    assert any("astype to uint8: -2147483649.0 (a NaN" in str(w.message) for w in said)
    for make in (lambda: tg.tensor(z, dtype=np.int64), lambda: Tensor(z, dtype=np.int64),
                 lambda: tg.tensor([0.0]).new_tensor(z, dtype=np.int64),
                 lambda: tg.tensor(z).long()):
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            got = make().data
        assert got.tolist() == torch.tensor(z).long().tolist()
        assert any("has no int64" in str(w.message) and w.filename == __file__ for w in said)
        assert any("discards the imaginary part" in str(w.message) for w in said)


def test_cfloat_and_cdouble_are_torchs_complex_casts() -> None:
    x = tg.tensor(np.array([1.5, -0.0, np.inf]))
    assert x.cfloat().dtype == np.complex64 and x.cdouble().dtype == np.complex128
    assert _bits_equal(x.cdouble().data, torch.tensor([1.5, -0.0, np.inf]).cdouble().numpy())
    c = tg.tensor(np.array([1 + 2j], np.complex64))
    assert c.cfloat() is c  # (torch's: x itself)
    with pytest.raises(TypeError, match="cannot cast a tensor that requires grad to complex64"):
        Tensor(np.ones(2), requires_grad=True).cfloat()


def test_bfloat16_is_refused_in_one_line() -> None:
    with pytest.raises(TypeError, match=r"bfloat16: NumPy has no bfloat16 .*x\.half\(\)"):
        tg.tensor([1.0]).bfloat16()


def test_new_tensor_of_a_nan_list_into_an_integer_dtype_names_the_call() -> None:
    """torch refuses too; ours said NumPy's 'cannot convert float NaN to integer', no call."""
    with pytest.raises(ValueError, match=r"new_tensor\(\): cannot make an array of dtype int64"):
        tg.tensor([1.0]).new_tensor([np.nan], dtype=np.int64)


def test_to_takes_torchs_memory_format() -> None:
    """torch's x.to(memory_format=torch.contiguous_format) raised Python's 'unexpected
    keyword argument'; taken as clone's and contiguous's are (channels_last refused)."""
    x = Tensor(np.array([1.5, -2.5]), requires_grad=True)
    assert x.to(memory_format=torch.contiguous_format) is x
    y = x.to(torch.float32, memory_format=torch.preserve_format)
    assert y.dtype == np.float32 and y.requires_grad
    with pytest.raises(ValueError, match="to: memory_format=torch.channels_last is not supported"):
        x.to(memory_format=torch.channels_last)


@pytest.mark.parametrize("make", [tg.tensor, tg.as_tensor])
def test_a_complex_list_into_float64_names_the_call(make) -> None:
    """torch refuses too; NumPy's TypeError named no call."""
    with pytest.raises(TypeError, match=r"tensor\(\): cannot make an array of dtype float64"):
        make([1 + 1j], dtype=torch.float64)


# ---- autograd, identity and views (torch's rules, held) --------------------------------------
def test_same_dtype_to_is_x_itself_and_writes_reach_it() -> None:
    x, tx = tg.tensor(np.arange(3.0)), torch.arange(3.0, dtype=torch.float64)
    for f in (lambda t: t.to(t.dtype), lambda t: t.double(), lambda t: t.type_as(t)):
        y, ty = f(x), f(tx)
        y[0] = 9.0
        ty[0] = 9.0
        assert x.data[0] == tx[0].item() == 9.0
        x.data[0] = tx[0] = 0.0
    assert x.to(np.float64, copy=True) is not x


def test_integer_casts_cut_the_graph_and_float_chains_of_views_pass_it_back() -> None:
    a = np.random.default_rng(0).normal(size=(3, 4)) * 100
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    assert not x.long().requires_grad and not tx.long().requires_grad
    y, ty = x.T[::2].float().half().double(), tx.T[::2].float().half().double()
    (y * y.long().double()).sum().backward()
    (ty * ty.long().double()).sum().backward()
    assert _bits_equal(y.data, ty.detach().numpy())
    assert x.grad.dtype == np.float64 and _bits_equal(np.asarray(x.grad), tx.grad.numpy())


# ---- jit: a step with casts replays bit for bit as eager -------------------------------------
def test_a_jitted_step_with_integer_and_float_casts_replays_as_eager() -> None:
    """x.long(), x.bool(), x.byte() made constants outside the graph: a jitted step that used
    one was refused (strict) or ran eagerly, 'a constant that changed between calls'."""
    w = Tensor(np.array([0.5, -1.5, 2.0, 3.0]), requires_grad=True)

    def step(xb: np.ndarray) -> Tensor:
        h = Tensor(xb) * w
        c = (h.long().double() * h + h.bool().double() * h.half().double()
             + h.float().byte().double() * h.float()).sum()
        c.backward()
        return c

    def run(f) -> list:
        out = []
        for i in range(5):
            w.grad = None
            c = f(np.linspace(-3, 3, 4) * (i + 1.3))
            out.append((np.asarray(c.data).copy(), np.asarray(w.grad).copy()))
        return out

    jitted = jit(step, strict=True)
    for (c, g), (cj, gj) in zip(run(step), run(jitted), strict=True):
        assert _bits_equal(c, cj) and _bits_equal(g, gj)
    assert jitted.replays >= 2


def test_a_jitted_step_writing_into_an_integer_cast_is_refused() -> None:
    def step(xb: np.ndarray) -> Tensor:
        k = Tensor(xb).long()
        k.data[0] = 7  # (replay would cast afresh, without the write)
        return k.double().sum()

    with pytest.raises(JitError):
        f = jit(step, strict=True)
        for i in range(3):
            f(np.arange(3.0) + i)
