"""The assignment notebooks' stated settings and formulas against what the package computes
(checked from the notebooks' sources, without executing them)."""

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.gradcheck import compare_gradients
from tinygrad_dl.gradcheck.differences import numerical_grad, relative_error
from tinygrad_dl.jupyter import gradcheck_discussion
from tinygrad_dl.models import OneLayer
from tinygrad_dl.train import DEFAULTS, N_S_EPOCHS

NB = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["a1_one_layer", "a2_two_layer", "a3_k_layer", "a4_char_rnn"]


def cells(name):
    return json.loads((NB / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]


def text(name, kind):
    return "\n".join("".join(c["source"]) for c in cells(name) if c["cell_type"] == kind)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_shipped_without_outputs(name):
    for c in cells(name):
        if c["cell_type"] == "code":
            assert c["outputs"] == [] and c["execution_count"] is None


def test_relative_error_is_the_formula_the_notebooks_state():
    assert "|g_a − g_n| / max(1e-6, |g_a| + |g_n|)" in text("a1_one_layer", "markdown")
    ga = np.array([1.0, 1e-9, 0.0, -2.0])
    gn = np.array([1.0 + 1e-7, -1e-9, 0.0, 2.0])
    want = np.abs(ga - gn) / np.maximum(1e-6, np.abs(ga) + np.abs(gn))
    np.testing.assert_array_equal(relative_error(ga, gn), want)
    assert relative_error(ga, gn)[1] == pytest.approx(2e-3)  # the 1e-6 floor, not 2e-9/2e-9


GRADCHECK_SIZES = [  # (notebook, what its text says, what its code must hold)
    ("a1_one_layer", "the first 20 features, 5 images, λ = 0.1",
     ["ds.X_train[:5, :20]", "OneLayer(20, ds.K, lam=0.1"]),
    ("a2_two_layer", "(20 features, m = 10, 5 images,\nλ = 0.01)",
     ["ds.X_train[:5, :20]", "TwoLayer(20, 10, ds.K, lam=0.01"]),
    ("a3_k_layer", "on 20 features, hidden [10, 8], 6 images",
     ["ds.X_train[:6, :20]", "KLayer(20, [10, 8], ds.K"]),
    ("a4_char_rnn", "with m = 5, on a 10-character sequence",
     ["CharRNN(data.K, m=5", "data.text[:10]"]),
]


@pytest.mark.parametrize("name, said, held", GRADCHECK_SIZES)
def test_gradient_check_sizes_match_the_text(name, said, held):
    assert said in text(name, "markdown")
    code = text(name, "code")
    assert all(h in code for h in held)


def test_stated_course_defaults_are_the_package_defaults():
    one, two, k, rnn = (DEFAULTS[m] for m in ("one-layer", "two-layer", "k-layer", "char-rnn"))
    # a1: N(0, 0.01²) initialisation
    assert "N(0, 0.01²) initialisation" in text("a1_one_layer", "markdown")
    assert (one["init"], one["std"]) == ("gaussian", 0.01)
    # a2: m = 50, Xavier, η from 1e-5 to 1e-1, n_s = 2 ⌊n / n_batch⌋ (derived the same way
    # by the final run, which passes no n_s)
    md = text("a2_two_layer", "markdown")
    assert "m = 50 hidden units,\nXavier" in md and "η from 1e-5 to 1e-1" in md
    assert (two["m"], two["init"], two["eta_min"], two["eta_max"]) == (50, "xavier", 1e-5, 0.1)
    assert "n_s = 2 * (len(ds.y_train) // n_batch)" in text("a2_two_layer", "code")
    assert N_S_EPOCHS["two-layer"] == 2
    # a3: He, n_s = 5 ⌊n / n_batch⌋, 2 cycles, λ = 0.005 (the results table writes 0.005
    # for the runs that pass no lam)
    md, code = text("a3_k_layer", "markdown"), text("a3_k_layer", "code")
    assert "He initialisation" in md and "n_s = 5 ⌊n / n_batch⌋, 2 cycles, λ = 0.005" in md
    assert (k["init"], k["lam"], N_S_EPOCHS["k-layer"]) == ("he", 0.005, 5)
    assert "\ncycles = 2\n" in code and '"lambda": 0.005' in code
    # a4: AdaGrad η = 0.1, clipping to [-5, 5], sequences of 25
    assert "AdaGrad (η = 0.1)" in text("a4_char_rnn", "markdown")
    code = text("a4_char_rnn", "code")
    assert "eta = 0.1" in code and "clip=5.0" in code and "seq_length = 25" in code
    assert (rnn["optimizer"], rnn["eta"], rnn["clip"], rnn["seq_length"]) == \
        ("adagrad", 0.1, 5.0, 25)


def test_a1_settings_are_the_four_of_the_assignment():
    code = text("a1_one_layer", "code")
    assert "settings = [(0.0, 0.1), (0.0, 0.001), (0.1, 0.001), (1.0, 0.001)]" in code
    assert "epochs = 40" in code and "n_batch = 100" in code
    assert (DEFAULTS["one-layer"]["epochs"], DEFAULTS["one-layer"]["n_batch"]) == (40, 100)


def test_gradcheck_discussion_does_not_call_nan_errors_agreement():
    # a student's cell with a NaN in the data: every error of the table is nan; the discussion
    # said "agree to nan (round-off ...), and both match the finite differences to nan, within
    # the course's 1e-06 threshold"
    nan = float("nan")
    rows = [{"parameter": "layers.0.W", "hand vs autograd": nan, "hand vs numerical": nan,
             "autograd vs numerical": nan},
            {"parameter": "layers.0.b", "hand vs autograd": 0.0, "hand vs numerical": 1e-10,
             "autograd vs numerical": 1e-10}]
    text = gradcheck_discussion(2, rows, lambda: 1 / 0)  # no finer step for a nan
    assert "within the course's" not in text and "agree to" not in text
    assert "cannot be compared: the error is nan for layers.0.W" in text.replace("**", "")
    assert "layers.0.W: its error is nan" in text and "suspect" not in text
    assert "largest error is nan" in text
    # a NaN only against the finite differences (hand and autograd agree)
    rows[0]["hand vs autograd"] = 0.0
    text = gradcheck_discussion(2, rows, lambda: 1 / 0)  # no finer step for a nan
    assert "agree to 0.0e+00" in text and "layers.0.W: its error is nan" in text
    assert "within the course's" not in text


def test_gradcheck_discussion_of_a_nan_in_the_data_names_it():
    X = np.random.default_rng(0).standard_normal((5, 20))
    X[0, 0] = np.nan
    y = np.arange(5)
    m = OneLayer(20, 10, lam=0.1, init="gaussian", std=0.1, rng=np.random.default_rng(0))
    rows = compare_gradients(m, lambda: m.loss(X, y), lambda: m.hand_gradients(X, y)).rows
    text = gradcheck_discussion(2, rows)
    assert "its error is nan" in text and "within the course's" not in text


def test_a1_states_the_finite_difference_step_and_stencil_compare_gradients_uses():
    md = " ".join(text("a1_one_layer", "markdown").split())
    assert "4-point centred stencil with step h = 1e-4" in md
    assert inspect.signature(compare_gradients).parameters["h"].default == 1e-4
    assert inspect.signature(numerical_grad).parameters["order"].default == 4
    # the 4-point stencil: exact on a cubic (to round-off), where the 2-point rule is off by h²
    x = np.array([0.3])
    four = numerical_grad(lambda v: float(v[0] ** 3), x, h=1e-4)[0]
    two = numerical_grad(lambda v: float(v[0] ** 3), x, h=1e-4, order=2)[0]
    assert abs(four - 3 * 0.3 ** 2) < 1e-10 < abs(two - 3 * 0.3 ** 2)
