"""What a printed Tensor shows: the stored values at the print options' precision (torch's
set_printoptions), none of NumPy's global print options, the shape of an empty tensor, and
the right entries around a summary's "..." (checked against torch 2.13's text)."""

import re

import numpy as np
import pytest

import tinygrad_dl as tg

_NUM = re.compile(r"[-+]?(?:nan|inf|\d+\.?\d*(?:e[-+]\d+)?)")


@pytest.fixture(autouse=True)
def _default_options():
    saved = np.get_printoptions()
    yield
    tg.set_printoptions(profile="default")
    np.set_printoptions(**saved)


def numbers(text: str) -> list[float]:
    """The numbers a repr shows, in order (complex parts separately)."""
    body = text.split("dtype=")[0].split("size=")[0]
    return [float(s) for s in _NUM.findall(body.replace("Tensor(", "").replace("tensor(", ""))]


# ---- named regressions ----------------------------------------------------------------------
def test_numpy_suppress_does_not_print_small_values_as_zero():
    np.set_printoptions(suppress=True, precision=2, floatmode="fixed", sign="+")
    assert numbers(repr(tg.Tensor(np.array([1e-8, 1.0])))) == [1e-8, 1.0]


def test_numpy_float_formatter_does_not_replace_values():
    np.set_printoptions(formatter={"float": lambda v: "X"})
    assert numbers(repr(tg.Tensor(np.array([0.25, 1.5])))) == [0.25, 1.5]


def test_numpy_nanstr_does_not_rename_nan():
    np.set_printoptions(nanstr="NA", infstr="INF")
    r = repr(tg.Tensor(np.array([np.nan, np.inf, 1.0])))
    assert "nan" in r and "inf" in r and "NA" not in r and "INF" not in r
    assert np.get_printoptions()["nanstr"] == "NA"  # (the user's setting, kept)


def test_empty_tensor_shows_its_shape():
    assert "size=(0, 3)" in repr(tg.Tensor(np.zeros((0, 3))))
    assert "size=(2, 0, 4)" in repr(tg.Tensor(np.zeros((2, 0, 4), np.float32)))
    assert "size=" not in repr(tg.Tensor(np.zeros(0)))  # (torch's: tensor([]))


@pytest.mark.parametrize("value,shown", [(924746.625, 924746.625), (-400587.96875, -400587.9688),
                                         (336480.46875, 336480.4688)])
def test_float32_prints_its_stored_value_to_the_precision(value, shown):
    # NumPy printed the shortest float32 digits: 924746.625 as 924746.6
    assert numbers(repr(tg.Tensor(np.array(value, np.float32)))) == [shown]
    assert numbers(repr(tg.Tensor(np.array([value, 1000.5], np.float32))))[0] == shown


def test_float16_prints_its_stored_value_to_the_precision():
    a = np.array([-10.4765625, 5.85546875], np.float16)  # NumPy's: -10.48, 5.855
    assert numbers(repr(tg.Tensor(a))) == [-10.4766, 5.8555]


def test_sci_mode_false_prints_large_values_in_fixed_point():
    tg.set_printoptions(sci_mode=False)
    r = repr(tg.Tensor(np.array([1e-8, 1.0, 1e10])))
    assert "e+" not in r and "e-" not in r and numbers(r) == [0.0, 1.0, 1e10]
    r = repr(tg.Tensor(np.array([38912.0, 1.5], np.float16)))
    assert "e+" not in r and numbers(r) == [38912.0, 1.5]


def test_sci_mode_true_covers_complex():
    tg.set_printoptions(sci_mode=True)
    r = repr(tg.Tensor(np.array([1 + 1j / 3])))
    assert "1.0000e+00+3.3333e-01j" in r


def test_edgeitems_zero_shows_no_entry():
    tg.set_printoptions(threshold=2, edgeitems=0)
    r = repr(tg.Tensor(np.arange(35.0)))
    assert r.startswith("Tensor([...], size=(35,)") and numbers(r) == []
    tg.set_printoptions(threshold=0, edgeitems=0)
    assert numbers(repr(tg.Tensor(np.array(2.5)))) == [2.5]  # (a 0-d's value, as torch's)


# ---- guards -----------------------------------------------------------------------------------
def test_set_printoptions_leaves_numpy_options_alone():
    before = np.get_printoptions()
    tg.set_printoptions(precision=1, threshold=5, edgeitems=1, linewidth=40, sci_mode=True)
    repr(tg.Tensor(np.arange(100.0)))
    assert np.get_printoptions() == before
    assert np.array2string(np.array([1 / 3])) == "[0.33333333]"


def test_summary_shows_the_edge_entries_and_hides_the_middle():
    a = np.arange(2000, dtype=np.float32).reshape(40, 50)
    a[20, 25] = np.nan  # (hidden by the summary, as torch's)
    r = repr(tg.Tensor(a))
    assert "..." in r and "nan" not in r
    shown = np.array(numbers(r))
    rows = np.r_[0:3, 37:40]
    cols = np.r_[0:3, 47:50]
    np.testing.assert_array_equal(shown, a[np.ix_(rows, cols)].reshape(-1))


def test_non_contiguous_view_prints_its_values():
    a = np.arange(12.0).reshape(3, 4)
    t = tg.Tensor(a).T
    assert numbers(str(t)) == a.T.reshape(-1).tolist()


def test_format_spec_of_one_value_and_refusal_of_several():
    assert f"{tg.Tensor(np.array(1 / 3)):.3f}" == "0.333"
    with pytest.raises(TypeError, match="shape"):
        f"{tg.Tensor(np.ones(2)):.3f}"


def test_int64_extremes_and_item_exactness():
    a = np.array([2**63 - 1, -2**63], np.int64)
    r = repr(tg.Tensor(a))
    assert "9223372036854775807" in r and "-9223372036854775808" in r
    assert tg.Tensor(a).tolist() == [2**63 - 1, -2**63]
    assert tg.Tensor(np.array(0.1, np.float32)).item() == float(np.float32(0.1))


# ---- against torch --------------------------------------------------------------------------
def test_random_tensors_show_torchs_numbers():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    try:
        for _ in range(100):
            shape = tuple(int(rng.integers(0, 5 if rng.random() < .7 else 30))
                          for _ in range(int(rng.integers(0, 4))))
            dt = rng.choice(["float64", "float32", "float16"])
            a = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 9, size=shape)
            if a.size and rng.random() < .3:
                a.reshape(-1)[rng.integers(0, a.size, 2)] = rng.choice(
                    [np.nan, np.inf, -np.inf, -0.0], 2)
            with np.errstate(over="ignore"):
                a = np.asarray(a).astype(dt)
            opts = {}
            if rng.random() < .5:
                opts = dict(precision=int(rng.integers(1, 6)), threshold=int(rng.integers(1, 150)),
                            edgeitems=int(rng.integers(1, 4)),
                            sci_mode=[None, True, False][int(rng.integers(0, 3))])
            torch.set_printoptions(**opts)
            tg.set_printoptions(**opts)
            ours, theirs = numbers(repr(tg.Tensor(a))), numbers(repr(torch.from_numpy(a)))
            assert len(ours) == len(theirs), (a.shape, opts)
            np.testing.assert_allclose(ours, theirs, rtol=10.0 ** -opts.get("precision", 4),
                                       atol=0, err_msg=str((a.dtype, a.shape, opts)))
    finally:
        torch.set_printoptions(profile="default")
