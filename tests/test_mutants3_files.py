"""Mutation testing, round 3: container.read_arrays' member checks and History's loading. Each
test pins a refusal a one-token mutant dropped without any other test noticing."""

from __future__ import annotations

import io
import json
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tinygrad_dl.container import read_arrays
from tinygrad_dl.train.history import History


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def test_a_member_named_twice_is_refused(tmp_path: Path) -> None:
    # (the second x.npy silently replaced the first)
    p = tmp_path / "twice.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (zipfile's "Duplicate name")
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("x.npy", _npy(np.zeros(3, np.uint8)))
            z.writestr("x.npy", _npy(np.ones(3, np.uint8)))
    with pytest.raises(ValueError, match=r"refused: unexpected member 'x\.npy'") as e:
        read_arrays(p, what="sample")
    assert str(p) in str(e.value)


def test_a_member_claiming_bytes_past_the_end_from_its_offset_is_named_so(tmp_path: Path) -> None:
    # b.npy's forged claim (1500 bytes) is less than the file (3550) but runs past its end from
    # where b starts: "beyond the end", not a "holds 1372 bytes" it never held
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.npy", _npy(np.zeros(3000, np.uint8)))
        z.writestr("b.npy", _npy(np.zeros(100, np.uint8)))
    data = bytearray(buf.getvalue())
    for sig, name_at, sizes_at in ((b"PK\x03\x04", 30, 18), (b"PK\x01\x02", 46, 20)):
        i = data.find(sig)
        while i >= 0:  # the local header's and the central directory's sizes
            n = struct.unpack_from("<H", data, i + (name_at - 4 if sig == b"PK\x03\x04" else 28))[0]
            if bytes(data[i + name_at:i + name_at + n]) == b"b.npy":
                struct.pack_into("<II", data, i + sizes_at, 1500, 1500)
            i = data.find(sig, i + 4)
    p = tmp_path / "forged.npz"
    p.write_bytes(bytes(data))
    assert 1500 < p.stat().st_size
    with pytest.raises(ValueError, match=r"member b\.npy claims 1500 stored bytes, beyond the end"):
        read_arrays(p, what="sample")


def test_the_byte_limit_counts_every_member_together(tmp_path: Path) -> None:
    p = tmp_path / "two.npz"
    np.savez(p, a=np.zeros(600, np.uint8), b=np.zeros(600, np.uint8))
    assert set(read_arrays(p, what="sample", max_bytes=2000)) == {"a", "b"}
    with pytest.raises(ValueError, match="more than the 1000-byte limit"):
        read_arrays(p, what="sample", max_bytes=1000)  # (each member alone is under it)


@pytest.mark.parametrize("lengths", [(1, 2), (3, 0)])
def test_history_columns_of_two_lengths_are_refused(tmp_path: Path, lengths: tuple) -> None:
    cols = {f"c{i}": [1.0] * n for i, n in enumerate(lengths)}
    with pytest.raises(ValueError, match="columns of different lengths"):
        History.from_dict({"columns": cols})
    p = tmp_path / "history.json"
    p.write_text(json.dumps({"meta": {}, "columns": cols}))
    with pytest.raises(ValueError, match="columns of different lengths") as e:
        History.load(p)
    assert str(p) in str(e.value)


def test_an_empty_history_has_no_rows() -> None:
    h = History.from_dict({"meta": {}, "columns": {}})
    assert len(h) == 0
    h.log(loss=1.0)
    assert len(h) == 1 and h["loss"].tolist() == [1.0]


def test_a_history_file_that_is_not_utf8_is_one_line_naming_it(tmp_path: Path) -> None:
    p = tmp_path / "history.json"
    p.write_bytes(b'{"meta": {"note": "\xff\xfe"}, "columns": {}}')
    with pytest.raises(ValueError, match="not a valid history JSON file") as e:
        History.load(p)
    assert str(p) in str(e.value) and "\n" not in str(e.value)
