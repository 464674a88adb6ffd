"""The hyperparameter table (tinygrad_dl.train.hyperparams.HYPERS) is the one place a training
setting is described: the train flags, the search flags and parameters and the settings checks
all come from it."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tinygrad_dl.cli import build_parser
from tinygrad_dl.commands.search import fixed_params
from tinygrad_dl.commands.train import params_from_args
from tinygrad_dl.models import MODELS
from tinygrad_dl.search.space import PARAMS, canonical_name, check_fixed, parse_param
from tinygrad_dl.train.hyperparams import BY_KEY, HYPERS
from tinygrad_dl.train.run import resolve_params, run_training


def _flags(parser_args: list[str]) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[parser_args[0]]
    return {s for a in sub._actions for s in a.option_strings}


def test_every_course_default_is_described_in_the_table():
    for name, cls in MODELS.items():
        assert set(cls.defaults) <= set(BY_KEY), name
        for key in cls.defaults:
            assert name in BY_KEY[key].models
    assert BY_KEY["dropout"].models == ("k-layer",)
    assert set(BY_KEY["temperature"].models) == {"char-rnn"}


def test_train_and_search_have_the_same_flags_from_the_table():
    table = {f for h in HYPERS for f in (h.flag, h.off_flag) if f} | {"--no-batch-norm"}
    assert table <= _flags(["train"]) and table <= _flags(["search"])
    assert list(PARAMS) == [h.name for h in HYPERS if h.search]
    assert canonical_name("lam") == canonical_name("lambda") == "lambda"
    assert canonical_name("n-batch") == "n_batch"
    with pytest.raises(ValueError, match="unknown search parameter 'hidden'"):
        canonical_name("hidden")  # in the table, but search may not vary it


def test_search_reads_list_flags_as_lists_and_checks_them():
    # before the table, search took --channels as the string "16,32" and never checked it
    args = build_parser().parse_args(["search", "convnet", "--channels", "16,32"])
    assert fixed_params(args) == {"channels": [16, 32]}
    with pytest.raises(ValueError, match=r"--channels / --set channels=: channels sizes must"):
        check_fixed({"channels": [16, 0]})


def test_checks_agree_between_train_flags_and_search():
    # one range per setting: train and search accept and refuse the same values
    check_fixed({"temperature": 0.0})  # greedy sampling; search refused it before the table
    build_parser().parse_args(["train", "char-rnn", "--temperature", "0"])
    with pytest.raises(ValueError, match=r"--lambda / --set lambda=: lambda=-1 is outside its "
                                         r"valid range \[0, inf\)"):
        check_fixed({"lam": -1})
    with pytest.raises(ValueError, match="--dtype / --set dtype=: 'float16' is not one of"):
        check_fixed({"dtype": "float16"})
    with pytest.raises(ValueError, match="schedule / --set schedule=: 'step' is not one of"):
        check_fixed({"schedule": "step"})
    with pytest.raises(ValueError, match="momentum's valid range"):
        parse_param("momentum=uniform:0:1")
    check_fixed({"clip_norm": None, "n_s": None})  # None is their course default
    with pytest.raises(ValueError, match="--m / --set m=: m must be an integer, got None"):
        check_fixed({"m": None})
    check_fixed({"no_such_key": 1})  # unknown keys are resolve_params' to refuse, per model


def test_flag_values_reach_run_training_under_their_keys():
    args = build_parser().parse_args(["train", "char-rnn", "--restore-best", "--temperature",
                                      "0.5", "--seq-length", "10"])
    assert params_from_args(args) == {"restore_best": True, "temperature": 0.5,
                                      "seq_length": 10}


ADD_ONE_ENTRY = textwrap.dedent('''
    import sys, importlib.util
    from pathlib import Path
    import tinygrad_dl.models  # what the table reads; nothing above it is imported yet
    assert "tinygrad_dl.commands" not in sys.modules and "tinygrad_dl.train" not in sys.modules
    name = "tinygrad_dl.train.hyperparams"
    origin = Path(sys.modules["tinygrad_dl"].__file__).parent / "train" / "hyperparams.py"
    src = origin.read_text()
    anchor = "    # run_training keys without a flag of their own"
    assert src.count(anchor) == 1
    entry = ('    _positive(int, "warmup_steps", "--warmup-steps", "updates of linear warm-up", '
             'search=True),\\n')
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(origin))
    mod = importlib.util.module_from_spec(spec)
    mod.__file__ = str(origin)
    sys.modules[name] = mod
    exec(compile(src.replace(anchor, entry + anchor), str(origin), "exec"), mod.__dict__)

    from tinygrad_dl.cli import build_parser
    from tinygrad_dl.commands.search import fixed_params
    from tinygrad_dl.commands.train import params_from_args
    from tinygrad_dl.search.space import check_fixed, parse_param

    args = build_parser().parse_args(["train", "two-layer", "--warmup-steps", "7"])
    assert params_from_args(args) == {"warmup_steps": 7}, params_from_args(args)
    try:
        build_parser().parse_args(["train", "two-layer", "--warmup-steps", "0"])
    except SystemExit as e:
        assert e.code == 2
    else:
        raise AssertionError("--warmup-steps 0 was accepted")
    spec = parse_param("warmup-steps=int:1:100")
    assert spec.key == "warmup_steps" and spec.name == "warmup_steps"
    try:
        parse_param("warmup_steps=int:0:100")
    except ValueError as e:
        assert "warmup_steps's valid range [1, inf)" in str(e), e
    else:
        raise AssertionError("a range reaching 0 was accepted")
    args = build_parser().parse_args(["search", "two-layer", "--warmup-steps", "3"])
    assert fixed_params(args) == {"warmup_steps": 3}
    try:
        check_fixed({"warmup_steps": 2.5})
    except ValueError as e:
        assert str(e).startswith("--warmup-steps / --set warmup_steps=: warmup_steps must be "
                                 "an integer"), e
    else:
        raise AssertionError("2.5 was accepted")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    assert "--warmup-steps WARMUP_STEPS" in sub["train"].format_help()
    assert "warmup_steps" in sub["search"].format_help().split("searchable:")[1]
    print("ok")
''')


@pytest.mark.slow
def test_adding_one_table_entry_gives_the_flags_the_search_parameter_and_its_check():
    """Edit the table's source (one line) in a fresh interpreter, before anything built from it
    is imported: train gets the flag, search the flag and the parameter, and both the check."""
    done = subprocess.run([sys.executable, "-c", ADD_ONE_ENTRY], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


def _bad_values(h) -> list:
    """Values each table row refuses, from the row itself: a wrong type, each side of its range,
    a value outside its choices."""
    bad: list = []
    if h.kind in (int, float):
        bad += ["abc", float("nan")]
        if h.low != -math.inf:
            bad.append(h.low if h.open_low else h.low - 1)
        if h.high != math.inf:
            bad.append(h.high if h.open_high else h.high + 1)
        if h.kind is int:
            bad.append(2.5)
    elif h.kind is list:
        bad += [[0], [], "50,50"]
    elif h.kind is bool:
        bad += ["yes", 1]
    elif h.choices:
        bad.append("no-such-choice")
    return bad


@pytest.mark.parametrize("h", HYPERS, ids=lambda h: h.key)
def test_run_training_checks_every_value_from_the_table(h, tmp_path):
    """The Python API refuses what the train flags refuse, from the same table row, before any
    data are loaded or --out is touched (before, run_training("k-layer", {"eta": -1}) trained)."""
    model = h.models[0]
    for v in _bad_values(h):
        with pytest.raises(ValueError, match=rf"^{h.key} for {model}: "):
            run_training(model, {h.key: v}, out=tmp_path / "run", progress=False, print_fn=None)
        assert not (tmp_path / "run").exists()


def test_run_training_takes_numpy_numbers_and_tuples():
    p = resolve_params("k-layer", {"n_batch": np.int64(10), "hidden": (50, 50), "eta": np.float32(
        0.1), "dtype": np.float32, "batch_norm": np.True_})
    assert (p["n_batch"], p["hidden"], p["dtype"], p["batch_norm"]) == (10, [50, 50], "float32",
                                                                         True)


@pytest.mark.parametrize("spelling, name", [("f4", "float32"), ("single", "float32"),
                                            ("double", "float64"), ("<f8", "float64"),
                                            (np.float32, "float32"), (np.dtype("f8"), "float64"),
                                            (None, "float64")])
def test_numpys_dtype_spellings_are_still_accepted(spelling, name):
    """Before the table's check, resolve_params took any NumPy spelling of the two dtypes (a
    saved run's params may hold one): checking against the table must not refuse them."""
    got = resolve_params("two-layer", {"dtype": spelling})["dtype"]
    assert type(got) is str and got == name  # (np.dtype("f8") == "float64" too: the name)
    with pytest.raises(ValueError, match="is not one of float64, float32"):
        resolve_params("two-layer", {"dtype": "float16"})
