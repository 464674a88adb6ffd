"""Tests written against surviving mutants of tinygrad_dl.checkpoint and tinygrad_dl.container
(round 2): a version-2 checkpoint's upgrade transposes only Linear weights (a char-RNN's square
recurrent W is not one), the next version and inf weights are refused, and the reader's limits
are exact (metadata depth and bytes, config sizes, a member's byte count, the deflate ratio,
a JSON bool is no number)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl import checkpoint, container
from tinygrad_dl.models import CharRNN


def _as_version_2(path: Path, old: Path) -> None:
    """The same arrays under a version-2 header (a model without Linear layers: no array
    changes layout between versions 2 and 3)."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["version"] = 2
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(old, **arrays)


def test_a_version_2_char_rnn_loads_its_square_recurrent_weight_untransposed(
        tmp_path: Path) -> None:
    model = CharRNN(5, 4, rng=np.random.default_rng(0))
    assert model.W.shape == (4, 4)  # square: a wrong transpose keeps the shape
    assert not np.allclose(model.W.data, model.W.data.T)
    new = checkpoint.save_model(model, tmp_path / "new.npz")
    _as_version_2(new, tmp_path / "old.npz")
    loaded = checkpoint.load_model(tmp_path / "old.npz")
    for name, a in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[name], a, err_msg=name)


def test_a_checkpoint_of_the_next_version_is_refused(tmp_path: Path) -> None:
    path = checkpoint.save({"w": np.ones(2)}, tmp_path / "sd.npz")
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["version"] = checkpoint.VERSION + 1
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "new.npz", **arrays)
    with pytest.raises(ValueError, match=f"checkpoint version {checkpoint.VERSION + 1} is not"):
        checkpoint.load(tmp_path / "new.npz")


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_weights_are_refused_as_nan_is(tmp_path: Path, bad: float) -> None:
    path = checkpoint.save({"w": np.array([1.0, bad])}, tmp_path / "sd.npz")
    with pytest.raises(ValueError, match=r"refused: NaN/inf in w"):
        checkpoint.load(path)
    _, state = checkpoint.read(path, allow_nonfinite=True)
    assert state["w"][1] == bad


# ---- container: the metadata's limits are exact -------------------------------------------------
_SCHEMAS = {"k": {"format": str, "kind": str, "x": object}}


def _nested(depth: int) -> object:
    x: object = 1
    for _ in range(depth):
        x = [x]
    return x


def test_metadata_nested_exactly_max_depth_is_read_one_deeper_is_refused(tmp_path: Path) -> None:
    ok = container.save(tmp_path / "ok.npz", {}, {"x": _nested(container.MAX_DEPTH - 1)},
                        format="t", kind="k")  # the top-level object is the first level
    meta, _ = container.read(ok, format="t", schemas=_SCHEMAS)
    assert meta["x"] == _nested(container.MAX_DEPTH - 1)
    deep = tmp_path / "deep.npz"  # (container.save refuses to write what read refuses)
    with pytest.raises(ValueError, match=f"nest deeper than the {container.MAX_DEPTH} levels"):
        container.save(deep, {}, {"x": _nested(container.MAX_DEPTH)}, format="t", kind="k")
    doc = {"x": _nested(container.MAX_DEPTH), "format": "t", "kind": "k"}
    np.savez(deep, __meta__=np.array(json.dumps(doc)))
    with pytest.raises(ValueError, match=f"nested deeper than {container.MAX_DEPTH} levels"):
        container.read(deep, format="t", schemas=_SCHEMAS)


def test_max_meta_bytes_refuses_metadata_one_byte_over(tmp_path: Path) -> None:
    path = container.save(tmp_path / "m.npz", {"a": np.ones(3)}, {"x": "y" * 100},
                          format="t", kind="k")
    with zipfile.ZipFile(path) as z:
        size = z.getinfo("__meta__.npy").file_size
    meta, _ = container.read(path, format="t", schemas=_SCHEMAS, max_meta_bytes=size)
    assert meta["x"] == "y" * 100
    with pytest.raises(ValueError, match=f"over the {size - 1}-byte limit"):
        container.read(path, format="t", schemas=_SCHEMAS, max_meta_bytes=size - 1)


def test_check_sizes_refuses_a_size_one_larger_than_every_saved_dimension() -> None:
    arrays = [np.zeros((3, 5)), np.zeros(5)]
    container.check_sizes({"m": 5, "d": [3, 5]}, arrays)  # sizes the arrays back: fine
    with pytest.raises(ValueError, match=r"config m=6 does not match the saved arrays \(largest "
                                         r"dimension 5\)"):
        container.check_sizes({"m": 6}, arrays)
    with pytest.raises(ValueError, match=r"config d has 3 entries for 2 arrays"):
        container.check_sizes({"d": [3, 5, 5]}, arrays)


@pytest.mark.parametrize("schema", [int, float, (int, type(None))])
def test_a_json_bool_is_not_a_number_to_the_schema(schema: object) -> None:
    container.check_schema({"n": 1}, {"n": schema})
    with pytest.raises(container.Refused, match=r"meta.n must be .*, got bool True"):
        container.check_schema({"n": True}, {"n": schema})
    container.check_schema({"n": True}, {"n": (bool, int)})  # a bool where bool is allowed


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=False)
    return buf.getvalue()


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in members.items():
            z.writestr(name + ".npy", data)
    return path


_META = _npy(np.array(json.dumps({"format": "t", "kind": "k", "x": 1})))


def test_a_member_holding_more_bytes_than_its_header_claims_is_refused(tmp_path: Path) -> None:
    a = _npy(np.arange(2.0)) + np.float64(7.0).tobytes()  # one float past the header's (2,)
    path = _zip(tmp_path / "long.npz", {"__meta__": _META, "a": a})
    with pytest.raises(ValueError, match=r"member a.npy claims shape \(2,\) float64 \(16 bytes\) "
                                         r"but holds 24"):
        container.read(path, format="t", schemas=_SCHEMAS)


def test_a_member_inflating_past_16_mib_at_over_100x_is_refused(tmp_path: Path) -> None:
    zeros = _npy(np.zeros((17 << 20) // 8))  # 17 MiB of zeros: deflates ~1000x
    path = _zip(tmp_path / "bomb.npz", {"__meta__": _META, "a": zeros}, zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match=r"member a.npy would inflate .* \(a deflate bomb\?\)"):
        container.read(path, format="t", schemas=_SCHEMAS)


def test_check_sizes_counts_a_scalar_array_as_size_1() -> None:
    container.check_sizes({"n": 1}, [np.zeros(()), np.zeros(())])  # 0-d arrays back a 1
    with pytest.raises(ValueError, match="config n=2"):
        container.check_sizes({"n": 2}, [np.zeros(())])
