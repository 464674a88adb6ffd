"""Hostile CIFAR batch files and texts: crafted and mutated files never crash, run code,
print a traceback or allocate more than the file could justify; each is one clear ValueError.

The fuzz test loads its files in subprocesses (a crash must not take pytest down, and its return
code is the evidence), many files per subprocess to stay fast; the worker prints each file's name
before loading it, so a subprocess that dies points at the file that killed it.
Size: TINYGRAD_DL_FUZZ_FILES (default 2,000; 20,000 under HYPOTHESIS_PROFILE=thorough).
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_dl.data import load_cifar_batch, load_text

D = 3072
_THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
N_FUZZ = int(os.environ.get("TINYGRAD_DL_FUZZ_FILES", 20_000 if _THOROUGH else 1_000))
PER_PROCESS = 500

# Loads every file named on stdin under an address-space limit of ~1 GiB above start-up, so an
# over-allocation shows up as a MemoryError (reported as BAD), not as a slow swapping machine.
WORKER = r"""
import sys
from tinygrad_dl.data import load_cifar_batch  # before the limit: BLAS reserves address space
try:
    import resource
    with open("/proc/self/status") as f:
        vm = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 30), vm + (1 << 30)))
except Exception:
    pass
for name in sys.stdin.read().split("\n"):
    if not name:
        continue
    print("FILE", name, flush=True)
    try:
        load_cifar_batch(name)
        print("OK", flush=True)
    except ValueError as e:
        msg = str(e)
        print("ERR" if name in msg and "\n" not in msg else "BADMSG " + repr(msg)[:200],
              flush=True)
    except BaseException as e:
        print("BAD", type(e).__name__, repr(str(e))[:200], flush=True)
"""


def _load_in_subprocess(files: list[Path]) -> dict[str, str]:
    """{file: 'OK' | 'ERR' | 'BAD ...' | 'CRASH rc=...'}; a crash names the file it died on."""
    outcome: dict[str, str] = {}
    todo = [str(f) for f in files]
    while todo:
        proc = subprocess.run([sys.executable, "-c", WORKER], input="\n".join(todo),
                              capture_output=True, text=True, timeout=600)
        assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
        current = None
        for line in proc.stdout.splitlines():
            if line.startswith("FILE "):
                current = line[5:]
            elif current is not None:
                outcome[current] = line
                current = None
        if proc.returncode != 0:
            assert current is not None, proc.stderr[-2000:]
            outcome[current] = f"CRASH rc={proc.returncode}"
        done = set(outcome)
        todo = [f for f in todo if f not in done]
    return outcome


def _batch_bytes(protocol: int, labels_as_array: bool = False) -> bytes:
    rng = np.random.default_rng(protocol)
    labels = [3, 1, 9]
    d = {b"batch_label": b"", b"data": rng.integers(0, 256, (3, D), dtype=np.uint8),
         b"labels": np.array(labels) if labels_as_array else labels, b"filenames": [b"a.png"]}
    return pickle.dumps(d, protocol=protocol)


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """1-4 random edits: bit flips, interesting bytes, inserts, deletes, repeats, truncation."""
    b = bytearray(data)
    interesting = [0, 1, 0x7F, 0x80, 0xFF, ord("("), ord("t"), ord("R"), ord("b"), ord("c"),
                   ord("."), 0x8C, 0x94, 0x95, 0x8E]
    for _ in range(int(rng.integers(1, 5))):
        if not b:
            break
        i = int(rng.integers(0, len(b)))
        op = int(rng.integers(0, 8))
        if op == 0:
            b[i] ^= 1 << int(rng.integers(0, 8))
        elif op == 1:
            b[i] = interesting[int(rng.integers(0, len(interesting)))]
        elif op == 2:
            b[i:i] = rng.integers(0, 256, int(rng.integers(1, 9)), dtype=np.uint8).tobytes()
        elif op == 3:
            del b[i:i + int(rng.integers(1, 17))]
        elif op == 4:  # a length or count field made huge
            b[i:i + 4] = int(rng.choice([2**31 - 1, 2**32 - 1, 500_000, 1 << 24])).to_bytes(4,
                                                                                             "little")
        elif op == 5:
            j = int(rng.integers(i, min(len(b), i + 64) + 1))
            b[i:i] = b[i:j] * int(rng.integers(1, 4))
        elif op == 6:
            del b[i:]
        else:  # a nesting-depth run: tuples of tuples, lists of lists, MARKs (issue 20)
            n = int(rng.choice([100, 10_000, 300_000]))
            run = [b")" + b"\x85" * n, b"]" * n, b"(" * n, b"}" * n, b"(]" * n + b"e" * n]
            b[i:i] = run[int(rng.integers(0, len(run)))]
    return bytes(b)


def _nested_batch_bytes() -> bytes:
    """A valid batch with an extra entry nested 12 deep: mutations push it past the limit."""
    d = pickle.loads(_batch_bytes(2))
    v: object = [1]
    for _ in range(11):
        v = (v,)
    d[b"extra"] = v
    return pickle.dumps(d, protocol=2)


@pytest.mark.slow
def test_fuzzed_batch_files_never_crash(tmp_path: Path) -> None:
    seeds = [_batch_bytes(p) for p in (2, 3, 4, 5)] + [_batch_bytes(2, labels_as_array=True),
                                                       _batch_bytes(5, labels_as_array=True),
                                                       _nested_batch_bytes()]
    files = []
    for i in range(N_FUZZ):
        rng = np.random.default_rng(i)
        f = tmp_path / f"batch_{i:06d}"
        f.write_bytes(_mutate(seeds[i % len(seeds)], rng))
        files.append(f)
    outcome: dict[str, str] = {}
    for k in range(0, len(files), PER_PROCESS):
        outcome.update(_load_in_subprocess(files[k:k + PER_PROCESS]))
    bad = {f: o for f, o in outcome.items() if o not in ("OK", "ERR")}
    assert len(outcome) == N_FUZZ
    assert not bad, f"{len(bad)} of {N_FUZZ} mutated files: {list(bad.items())[:5]}"
    # the mutator must exercise both paths, or it tests nothing
    n_ok = sum(o == "OK" for o in outcome.values())
    assert 0 < n_ok < N_FUZZ


# ---- crafted files ---------------------------------------------------------------------------
def _p(v: object) -> bytes:
    """The opcodes of one Python value (protocol 2, no header/STOP)."""
    return pickle.dumps(v, protocol=2)[2:-1]


def _crafted(shape: object, raw: bytes, dtype_state: tuple = (3, "|", None, None, None, -1, -1, 0),
             dtype: str = "u1", labels: object = (0,)) -> bytes:
    """A protocol-2 batch whose b'data' array has the given (possibly lying) state."""
    array = (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + _p((0,)) + _p(b"b")
             + b"\x87R(" + _p(1) + _p(shape) + b"cnumpy\ndtype\n" + _p((dtype, False, True))
             + b"R" + _p(dtype_state) + b"b" + _p(False) + b"B" + len(raw).to_bytes(4, "little")
             + raw + b"tb")
    return (b"\x80\x02}(" + _p(b"data") + array + _p(b"labels") + _p(list(labels)) + b"u.")


CRAFTED = {
    # the dtype state that segfaulted NumPy's C __setstate__
    "dtype_state_crash": _crafted((1, D), bytes(D), dtype_state=(3, "|", 20046, -1, -1, 0)),
    # 84 bytes claiming 500,000 images (old code: accepted, then 11.4 GiB allocated)
    "huge_shape": _crafted((500_000, D), b"\0" * 4),
    "negative_shape": _crafted((-1, D), bytes(D)),
    "float_dtype": _crafted((1, D), bytes(8 * D), dtype="f8"),
    "object_dtype": _crafted((1, D), bytes(8 * D), dtype="O8"),
    "void_dtype": _crafted((1, D), b"", dtype="V0"),
    "code_execution": b"\x80\x02cos\nsystem\n" + _p(("echo pwned",)) + b"R.",
    "bytes_with_args": b"\x80\x02c__builtin__\nbytes\n" + _p((10**9,)) + b"R.",
    "huge_binbytes8": b"\x80\x04\x8e" + (1 << 40).to_bytes(8, "little") + b"x.",
    # issue 20: a dict key nested 10**6 deep (1 MB): hashing it recursed in C -> SIGSEGV
    "tuple_key_1e6": b"\x80\x02}" + b")" + b"\x85" * 10**6 + b"K\x01s.",
    # depths 10**4..10**5 gave a RecursionError whose message did not name the file
    "tuple_key_3e4": b"\x80\x02}" + b")" + b"\x85" * 30_000 + b"K\x01s.",
    # the same through a protocol-4 FROZENSET (its items are hashed when it is built)
    "frozenset_1e6": b"\x80\x04(" + b")" + b"\x85" * 10**6 + b"\x91.",
    "nested_values": b"\x80\x02}X\x04\x00\x00\x00data" + b")" + b"\x85" * 100_000 + b"s.",
    "nested_lists": b"\x80\x02}X\x06\x00\x00\x00labels" + b"(]" * 100_000 + b"e" * 100_000
                    + b"s.",
    "int_key": b"\x80\x02}K\x01K\x02s.",
}


def test_crafted_batch_files_are_clear_errors(tmp_path: Path) -> None:
    files = []
    for name, data in CRAFTED.items():
        (tmp_path / name).write_bytes(data)
        files.append(tmp_path / name)
    outcome = _load_in_subprocess(files)
    assert {Path(f).name: o for f, o in outcome.items()} == {n: "ERR" for n in CRAFTED}


def test_crafted_valid_file_is_read(tmp_path: Path) -> None:
    raw = np.arange(2 * D, dtype=np.uint8).tobytes()
    f = tmp_path / "ok"
    f.write_bytes(_crafted((2, D), raw, labels=(4, 5)))
    X, y = load_cifar_batch(f)
    assert X.tobytes() == raw and y.tolist() == [4, 5] and X.flags.writeable


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_empty_bytes_and_numpy_labels_are_accepted(tmp_path: Path, protocol: int) -> None:
    """b'' in protocol 2 is `bytes()` (refused before); labels may be an int array too."""
    X = np.random.default_rng(0).integers(0, 256, (2, D), dtype=np.uint8)
    f = tmp_path / "b"
    f.write_bytes(pickle.dumps({b"batch_label": b"", b"data": np.asfortranarray(X),
                                b"labels": np.array([1, 2], dtype=np.int32)}, protocol))
    Xl, y = load_cifar_batch(f)
    assert np.array_equal(Xl, X) and y.dtype == np.int64 and y.tolist() == [1, 2]


def test_labels_out_of_range_or_not_integers(tmp_path: Path) -> None:
    X = np.zeros((2, D), dtype=np.uint8)
    for labels, words in [([0, 10], "in [0, 10)"), ([0, -1], "in [0, 10)"),
                          ([0, 1.5], "must be integers"), ([0, 2**70], "in [0, 10)"),
                          (np.array([1, 2**63], dtype=np.uint64), "in [0, 10)"), ("ab", "list")]:
        f = tmp_path / "l"
        f.write_bytes(pickle.dumps({b"data": X, b"labels": labels}, 4))
        with pytest.raises(ValueError, match=str(f)) as e:
            load_cifar_batch(f)
        assert words in str(e.value)


# BUILD with a (None, {name: value}) state does setattr on the object below it: on the allowed
# stand-in functions and the ndarray marker class it rewrote the loader for the rest of the
# process (found 2026-12-03: afterwards _encode.__defaults__ == ('cp500',)).
@pytest.mark.parametrize("glob", ["_codecs\nencode", "numpy\nndarray", "__builtin__\nbytes",
                                  "numpy.core.multiarray\n_reconstruct", "numpy\ndtype"])
def test_build_cannot_set_attributes_on_the_loaders_own_objects(tmp_path: Path,
                                                                 glob: str) -> None:
    from tinygrad_dl.data import safe_pickle

    obj = safe_pickle._GLOBALS[tuple(glob.split("\n"))]
    before, defaults = dict(vars(obj)), getattr(obj, "__defaults__", None)
    f = tmp_path / "build"
    f.write_bytes(b"\x80\x02c" + glob.encode() + b"\n"
                  + _p((None, {"__defaults__": ("cp500",), "pwned": 1})) + b"b.")
    try:
        with pytest.raises(ValueError, match=r"build: .*UnsafePickleError: BUILD on a "):
            load_cifar_batch(f)
        assert dict(vars(obj)) == before and getattr(obj, "__defaults__", None) == defaults
    finally:  # (before the fix: undo the damage, so no other test runs with it)
        for k in set(vars(obj)) - set(before):
            delattr(obj, k)
        if not isinstance(obj, type):
            obj.__defaults__ = defaults


def test_build_on_the_array_and_dtype_stand_ins_still_reads() -> None:
    from tinygrad_dl.data.safe_pickle import _StandInUnpickler

    X = np.arange(6, dtype=np.int32).reshape(2, 3)
    got = _StandInUnpickler(io.BytesIO(pickle.dumps({b"a": X}, 2)), encoding="bytes").load()
    assert np.array_equal(got[b"a"].array, X)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    from tinygrad_dl.data.safe_pickle import UnsafePickleError, load_array_pickle

    f = tmp_path / "big"
    f.write_bytes(_batch_bytes(4))
    with pytest.raises(UnsafePickleError, match="larger than the 100-byte limit"):
        load_array_pickle(f, max_bytes=100)


# ---- text ----------------------------------------------------------------------------------
@given(st.binary(max_size=200))
def test_text_loader_any_bytes_is_text_or_clear_error(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.txt"
        p.write_bytes(data)
        try:
            cd = load_text(p)
        except ValueError as e:
            assert str(p) in str(e) and "\n" not in str(e)
        else:
            assert cd.K >= 1 and cd.decode(cd.encode(cd.text)) == cd.text


def test_text_loader_refuses_huge_file_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("hello")
    with pytest.raises(ValueError, match=r"t\.txt.*larger than"):
        load_text(p, max_bytes=3)


# ---- training states and checkpoints (issue 20): the same fuzzer, through the container --------
CONTAINER_WORKER = r"""
import sys
from tinygrad_dl import checkpoint
from tinygrad_dl.train.state import load_train_state
try:
    import resource
    with open("/proc/self/status") as f:
        vm = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 30), vm + (1 << 30)))
except Exception:
    pass
for name in sys.stdin.read().split("\n"):
    if not name:
        continue
    print("FILE", name, flush=True)
    try:
        if "state" in name.rsplit("/", 1)[-1]:
            load_train_state(name)
        else:
            checkpoint.load(name)
        print("OK", flush=True)
    except ValueError as e:
        msg = str(e)
        print("ERR" if name in msg and "\n" not in msg else "BADMSG " + repr(msg)[:200],
              flush=True)
    except BaseException as e:
        print("BAD", type(e).__name__, repr(str(e))[:200], flush=True)
"""


def _mutate_json(v: object, rng: np.random.Generator, depth: int = 0) -> object:
    """One structural edit somewhere in a JSON value: a huge, negative or wrong-typed value, a
    key removed or added, or a nesting-depth bomb."""
    if isinstance(v, dict) and v and rng.random() < 0.7:
        k = list(v)[int(rng.integers(0, len(v)))]
        op = int(rng.integers(0, 4))
        if op == 0:
            del v[k]
        elif op == 1:
            v["bogus" + str(int(rng.integers(0, 9)))] = 1
        else:
            v[k] = _mutate_json(v[k], rng, depth + 1)
        return v
    if isinstance(v, list) and v and rng.random() < 0.7:
        i = int(rng.integers(0, len(v)))
        v[i] = _mutate_json(v[i], rng, depth + 1)
        return v
    choices = [10**8, -1, 2**70, 1.5, "x", None, [], {}, True, [[[[[[[[[[1]]]]]]]]]]]
    if rng.random() < 0.05:
        deep: object = 1
        for _ in range(int(rng.choice([40, 1000]))):
            deep = [deep]
        return deep
    return choices[int(rng.integers(0, len(choices)))]


def _mutate_container(data: bytes, rng: np.random.Generator, tmp: Path) -> bytes:
    """Half the time bytes (as for batch files), half the time the container's contents: the
    metadata edited as JSON, or an array swapped for one of another shape or dtype."""
    import io
    import json

    if rng.random() < 0.4:
        return _mutate(data, rng)
    with np.load(io.BytesIO(data)) as z:
        arrays = {k: z[k] for k in z.files}
    if rng.random() < 0.7:
        meta = json.loads(str(arrays["__meta__"]))
        for _ in range(int(rng.integers(1, 3))):
            meta = _mutate_json(meta, rng)
        try:
            arrays["__meta__"] = np.array(json.dumps(meta))
        except RecursionError:
            arrays["__meta__"] = np.array("[" * 5000 + "]" * 5000)
    else:
        k = [k for k in arrays if k != "__meta__"][int(rng.integers(0, len(arrays) - 1))]
        a = arrays[k]
        arrays[k] = [a.ravel()[:1], a.astype(np.int8), np.zeros((2,) + a.shape), a.T.copy(),
                     np.full(a.shape, np.nan)][int(rng.integers(0, 5))]
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.mark.slow
def test_fuzzed_training_states_and_checkpoints_never_crash(tmp_path: Path, monkeypatch) -> None:
    from tinygrad_dl import checkpoint
    from tinygrad_dl.models import CharRNN, TwoLayer
    from tinygrad_dl.train import TrainingInterrupted, run_training
    from tinygrad_dl.train.outputs import stage_dir
    from tinygrad_dl.train.state import STATE_FILE

    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(TrainingInterrupted):
        run_training("two-layer", {"m": 6, "epochs": 1}, out=tmp_path / "cut", stop=True,
                     progress=False, print_fn=None)
    seeds = {
        "state": (stage_dir(tmp_path / "cut") / STATE_FILE).read_bytes(),
        "model": checkpoint.save_model(TwoLayer(6, 4, 3, rng=np.random.default_rng(0)),
                                       tmp_path / "m.npz", note="x").read_bytes(),
        "rnn": checkpoint.save_model(CharRNN(5, m=4, rng=np.random.default_rng(0)),
                                     tmp_path / "r.npz", chars=list("abcde")).read_bytes(),
    }
    n = max(300, N_FUZZ // 4)
    files = []
    for i in range(n):
        rng = np.random.default_rng(10_000 + i)
        kind = list(seeds)[i % len(seeds)]
        f = tmp_path / f"{kind}_{i:05d}.npz"
        f.write_bytes(_mutate_container(seeds[kind], rng, tmp_path))
        files.append(f)
    outcome: dict[str, str] = {}
    todo = [str(f) for f in files]
    while todo:
        proc = subprocess.run([sys.executable, "-c", CONTAINER_WORKER], input="\n".join(todo),
                              capture_output=True, text=True, timeout=900)
        assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
        current = None
        for line in proc.stdout.splitlines():
            if line.startswith("FILE "):
                current = line[5:]
            elif current is not None:
                outcome[current], current = line, None
        if proc.returncode != 0:
            assert current is not None, proc.stderr[-2000:]
            outcome[current] = f"CRASH rc={proc.returncode}"
        todo = [f for f in todo if f not in outcome]
    bad = {f: o for f, o in outcome.items() if o not in ("OK", "ERR")}
    assert not bad, f"{len(bad)} of {n} mutated files: {list(bad.items())[:5]}"
    for kind in seeds:  # each kind both loads and is refused: the mutator reaches both paths
        got = {o for f, o in outcome.items() if Path(f).name.startswith(kind)}
        assert got == {"OK", "ERR"}, (kind, got)


def test_a_text_of_a_million_distinct_characters_is_one_line(tmp_path: Path) -> None:
    """Before: a MemoryError traceback (848 MiB per matrix of the char-RNN)."""
    p = tmp_path / "t.txt"
    p.write_text("".join(chr(c) for c in range(0x20, 0x20 + 1_100_000) if not
                         0xD800 <= c < 0xE000), encoding="utf-8")
    with pytest.raises(ValueError, match=r"t\.txt: the text has \d+ distinct characters, more "
                                         r"than the 10000"):
        load_text(p)
