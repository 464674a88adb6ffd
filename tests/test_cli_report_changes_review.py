"""Second review of the CLI leftovers / report walk changes (exit codes of `data cifar10`)."""

from __future__ import annotations

import errno
import io
import tarfile
from pathlib import Path

import pytest

from tinygrad_dl import cli
from tinygrad_dl.commands import data as data_cmd
from tinygrad_dl.data.download import DownloadError, extract_tarball


def _archive(tmp_path: Path) -> Path:
    path = tmp_path / "c.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("cifar-10-batches-py/batches.meta")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    return path


def test_a_full_disk_while_extracting_exits_1_not_2(tmp_path, monkeypatch, capsys) -> None:
    # the MD5 was verified: an OSError while extracting (ENOSPC) is work that could not
    # finish (docs/cli.md: a write failed -> 1), not bad input (2, as it was)
    archive = _archive(tmp_path)

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tarfile.TarFile, "extractall", full)
    with pytest.raises(DownloadError) as e:
        extract_tarball(archive, tmp_path / "t")
    assert e.value.unfinished and "No space left" in str(e.value)
    monkeypatch.setattr(data_cmd, "download_cifar10",
                        lambda *a, **k: extract_tarball(archive, tmp_path / "t2"))
    assert cli.main(["data", "cifar10", "--no-progress"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot extract" in err[0], err
    # (an archive that is not a tarball is not "unfinished": the OSError alone is)
    monkeypatch.undo()
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not a tarball")
    with pytest.raises(DownloadError, match="cannot extract") as e:
        extract_tarball(bad, tmp_path / "t3")
    assert not e.value.unfinished

