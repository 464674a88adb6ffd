"""`tinygrad-dl data cifar10` end to end against a real HTTP server on 127.0.0.1.

The server (http.server in a thread, random port, loopback only) serves a real tarball built here
from the CIFAR-10 subset in ../shared/data/cifar-10-batches-py; its MD5 replaces the published
one through the function argument / environment variable meant for tests.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tinygrad_dl.data.download import (
    ARCHIVE_NAME,
    CIFAR10_FILES,
    DownloadError,
    download_cifar10,
    extract_tarball,
    fetch,
)


@pytest.fixture(scope="module")
def tarball(cifar_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
        tar.add(cifar_dir, arcname="cifar-10-batches-py",
                filter=lambda ti: None if ti.name.endswith("README.md") else ti)
    data = buf.getvalue()
    return data, hashlib.md5(data).hexdigest()


class Server:
    """Serves `body` at /cifar.tar.gz. mode: "ok" (Range honoured), "norange" (Range ignored),
    "truncate" (announces the full length, sends half, closes), "corrupt" (one byte flipped),
    "nolength" (no Content-Length: the body ends when the connection closes)."""

    def __init__(self, body: bytes) -> None:
        self.body, self.mode, self.requests = body, "ok", []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                rng = self.headers.get("Range")
                server.requests.append(rng)
                body = server.body
                if server.mode == "corrupt":
                    body = body[:1000] + bytes([body[1000] ^ 0xFF]) + body[1001:]
                start = 0
                if rng and server.mode != "norange":
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                if server.mode != "nolength":
                    self.send_header("Content-Length", str(len(body) - start))
                else:
                    self.close_connection = True  # (the body ends when the connection does)
                self.end_headers()
                payload = body[start:]
                if server.mode == "truncate":
                    payload = payload[: len(payload) // 2]
                    self.close_connection = True
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cifar.tar.gz"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tarball: tuple[bytes, str]) -> Iterator[Server]:
    s = Server(tarball[0])
    yield s
    s.close()


def _env(tmp: Path, server: Server, md5: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TINYGRAD_DL_DATA"}
    env.update(XDG_CACHE_HOME=str(tmp / "cache"), TINYGRAD_DL_CIFAR10_URL=server.url,
               TINYGRAD_DL_CIFAR10_MD5=md5, MPLBACKEND="Agg")
    return env


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tinygrad_dl.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_downloads_verifies_extracts_then_train_finds_it(
        tmp_path: Path, server: Server, tarball: tuple[bytes, str]) -> None:
    env = _env(tmp_path, server, tarball[1])
    r = _cli("data", "cifar10", env=env)
    assert r.returncode == 0, r.stderr
    target = tmp_path / "cache" / "tinygrad_dl" / "cifar-10-batches-py"
    assert all((target / f).is_file() for f in CIFAR10_FILES)
    assert f"MD5 {tarball[1]} verified" in r.stdout and "ready" in r.stdout
    # nothing left behind: no archive, no .part, no temporary folders
    assert sorted(p.name for p in target.parent.iterdir()) == ["cifar-10-batches-py"]
    # a second run sees the complete folder and downloads nothing
    n = len(server.requests)
    r = _cli("data", "cifar10", env=env)
    assert r.returncode == 0 and "already present" in r.stdout and len(server.requests) == n
    # training without --data now reads the downloaded folder from the cache
    out = tmp_path / "run"
    r = _cli("train", "one-layer", "--epochs", "1", "--no-progress", "--out", str(out), env=env)
    assert r.returncode == 0, r.stderr
    result = json.loads((out / "result.json").read_text())
    assert "embedded" not in str(result["data"]) and result["test_acc"] is not None


def test_truncated_download_is_detected_then_resumed_with_range(
        tmp_path: Path, server: Server, tarball: tuple[bytes, str]) -> None:
    target = tmp_path / "d" / "cifar-10-batches-py"
    part = target.parent / (ARCHIVE_NAME + ".part")
    server.mode = "truncate"
    with pytest.raises(DownloadError, match="resume"):
        download_cifar10(target, url=server.url, md5=tarball[1], progress=False, log=None)
    assert not target.exists() and not (target.parent / ARCHIVE_NAME).exists()
    half = part.stat().st_size
    assert 0 < half < len(tarball[0])
    server.mode = "ok"
    download_cifar10(target, url=server.url, md5=tarball[1], progress=False, log=None)
    assert server.requests[-1] == f"bytes={half}-"  # resumed, not restarted
    assert all((target / f).is_file() for f in CIFAR10_FILES) and not part.exists()


def test_server_without_range_restarts_cleanly(
        tmp_path: Path, server: Server, tarball: tuple[bytes, str]) -> None:
    target = tmp_path / "cifar-10-batches-py"
    part = tmp_path / (ARCHIVE_NAME + ".part")
    part.write_bytes(tarball[0][:5000])
    server.mode = "norange"
    download_cifar10(target, url=server.url, md5=tarball[1], progress=False, log=None)
    assert server.requests[-1] == "bytes=5000-"  # asked to resume, got the whole file: restarted
    assert all((target / f).is_file() for f in CIFAR10_FILES)


def test_corrupted_download_is_detected_and_deleted(
        tmp_path: Path, server: Server, tarball: tuple[bytes, str]) -> None:
    target = tmp_path / "cifar-10-batches-py"
    server.mode = "corrupt"
    with pytest.raises(DownloadError, match="corrupt: MD5"):
        download_cifar10(target, url=server.url, md5=tarball[1], progress=False, log=None)
    assert list(tmp_path.iterdir()) == []  # no .part, no archive, no dataset folder


@pytest.mark.slow
def test_offline_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "TINYGRAD_DL_DATA"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"),
               TINYGRAD_DL_CIFAR10_URL=f"http://127.0.0.1:{port}/cifar.tar.gz")
    r = _cli("data", "cifar10", env=env)
    assert r.returncode == 1  # the work could not finish (docs/cli.md), not bad input (2)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach" in lines[0] and "by hand" in lines[0], r.stderr
    assert not (tmp_path / "cache" / "tinygrad_dl" / "cifar-10-batches-py").exists()


def test_extraction_refuses_path_traversal(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(DownloadError):
        extract_tarball(evil, tmp_path / "out" / "cifar-10-batches-py")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "out" / "escaped.txt").exists()
    assert not (tmp_path / "out" / "cifar-10-batches-py").exists()


# ---- an existing target folder (found 2026-12-03: `--dir DIR` replaced DIR whole, deleting the
# user's files in it; `--dir .` failed with EBUSY and left .cifar10-old-*/ and the archive) ----
def _fake_tarball(names: tuple[str, ...] = CIFAR10_FILES, extra: dict[str, bytes] | None = None,
                  tag: bytes = b"new") -> tuple[bytes, str]:
    """A small tarball laid out as the official one: each file holds `tag` and its name."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        members = {f"cifar-10-batches-py/{n}": tag + b" " + n.encode() for n in names}
        members |= {f"cifar-10-batches-py/{k}": v for k, v in (extra or {}).items()}
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    data = buf.getvalue()
    return data, hashlib.md5(data).hexdigest()


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Server]:
    body, md5 = _fake_tarball()
    s = Server(body)
    monkeypatch.setenv("TINYGRAD_DL_CIFAR10_URL", s.url)
    monkeypatch.setenv("TINYGRAD_DL_CIFAR10_MD5", md5)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield s
    s.close()


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root (folders as None) and its bytes."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_with_the_users_files_is_refused_and_left_as_it_was(
        tmp_path: Path, fake_server: Server, capsys: pytest.CaptureFixture[str],
        force: bool) -> None:
    from tinygrad_dl.cli import main

    home = tmp_path / "fakehome"
    mine = home / "mydata"
    (mine / "thesis").mkdir(parents=True)
    (mine / "thesis" / "chapter1.tex").write_text("\\chapter{One}")
    (mine / "notes.txt").write_text("notes")
    (mine / "data_batch_1").write_bytes(b"a batch among the user's files")
    before = _tree(home)
    code = main(["data", "cifar10", "--dir", str(mine), "--no-progress",
                 *(["--force"] if force else [])])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert f"refusing to download into {mine}: it holds notes.txt, thesis" in err[0]
    assert _tree(home) == before  # nothing deleted, nothing added beside it
    assert fake_server.requests == []  # refused before anything was downloaded


def test_dir_dot_installs_into_the_working_directory_and_leaves_nothing_else(
        tmp_path: Path, fake_server: Server, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tinygrad_dl.cli import main

    work = tmp_path / "parent" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert main(["data", "cifar10", "--dir", ".", "--no-progress"]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in work.iterdir()) == sorted(CIFAR10_FILES)
    assert (work / "test_batch").read_bytes() == b"new test_batch"
    assert [p.name for p in work.parent.iterdir()] == ["work"]  # no archive, no temp folders
    assert f"--data {work}" in capsys.readouterr().out
    # a working directory holding anything else is refused, and nothing is written anywhere
    (work / "mine.txt").write_text("mine")
    before = _tree(work.parent)
    assert main(["data", "cifar10", "--dir", ".", "--force", "--no-progress"]) == 2
    assert f"refusing to download into {work}: it holds mine.txt" in capsys.readouterr().err
    assert _tree(work.parent) == before


def test_a_previous_partial_or_complete_copy_is_replaced(
        tmp_path: Path, fake_server: Server) -> None:
    target = tmp_path / "cifar-10-batches-py"
    target.mkdir()
    (target / "data_batch_1").write_bytes(b"old, truncated")
    (target / "readme.html").write_bytes(b"an older copy's readme")  # the new archive lacks it
    download_cifar10(target, progress=False, log=None)
    assert _tree(target) == {n: b"new " + n.encode() for n in sorted(CIFAR10_FILES)}
    # complete: kept unless --force, which replaces it (every file named as before)
    n = len(fake_server.requests)
    download_cifar10(target, progress=False, log=None)
    assert len(fake_server.requests) == n
    fake_server.body, md5 = _fake_tarball(tag=b"newer")
    download_cifar10(target, md5=md5, force=True, progress=False, log=None)
    assert _tree(target) == {n: b"newer " + n.encode() for n in sorted(CIFAR10_FILES)}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-batches-py"]


def test_extract_installs_only_the_known_files_and_refuses_a_foreign_folder(
        tmp_path: Path) -> None:
    body, _ = _fake_tarball(extra={"extra.txt": b"x", "sub/inner": b"y", "readme.html": b"r"})
    archive = tmp_path / ARCHIVE_NAME
    archive.write_bytes(body)
    target = extract_tarball(archive, tmp_path / "a" / "cifar-10-batches-py")
    # what a download installs is always a copy that a later one may replace
    assert sorted(p.name for p in target.iterdir()) == sorted((*CIFAR10_FILES, "readme.html"))
    other = tmp_path / "b"
    other.mkdir()
    (other / "data_batch_1").mkdir()  # a known name, but a folder: not a previous copy
    with pytest.raises(DownloadError, match=f"refusing to download into {other}: it holds "
                                            "data_batch_1"):
        extract_tarball(archive, other)
    assert [p.name for p in other.iterdir()] == ["data_batch_1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([ARCHIVE_NAME, "a", "b"])
    (tmp_path / "afile").write_text("f")
    with pytest.raises(DownloadError, match="it is a file, not a folder"):
        extract_tarball(archive, tmp_path / "afile")


# ---- a file named as the archive beside the target (found 2026-12-03: a user's file named
# cifar-10-python.tar.gz was deleted when its MD5 was wrong, and a verified one after extracting) --
@pytest.mark.parametrize("body", [b"the user's own file, not the tarball", None])
def test_a_file_named_as_the_archive_is_never_deleted_or_changed(
        tmp_path: Path, fake_server: Server, body: bytes | None) -> None:
    archive = tmp_path / ARCHIVE_NAME
    if body is None:  # the real tarball, fetched by hand: used instead of downloading, and kept
        body = fake_server.body
    archive.write_bytes(body)
    lines: list[str] = []
    target = download_cifar10(tmp_path / "cifar-10-batches-py", progress=False, log=lines.append)
    assert archive.read_bytes() == body  # the user's file, as it was
    assert _tree(target) == {n: b"new " + n.encode() for n in sorted(CIFAR10_FILES)}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([ARCHIVE_NAME,
                                                                 "cifar-10-batches-py"])
    if body == fake_server.body:
        assert fake_server.requests == [] and "it is kept" in lines[0]
    else:
        assert len(fake_server.requests) == 1 and "left as it is" in lines[0]


def test_a_verified_part_left_by_a_failed_extraction_is_not_fetched_again(
        tmp_path: Path, fake_server: Server) -> None:
    (tmp_path / (ARCHIVE_NAME + ".part")).write_bytes(fake_server.body)
    download_cifar10(tmp_path / "cifar-10-batches-py", progress=False, log=None)
    assert fake_server.requests == []  # (it used to ask for bytes past the end: 416, restart)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-batches-py"]


def test_a_body_larger_than_expected_is_refused_and_deleted(server: Server, tmp_path: Path
                                                             ) -> None:
    """A server streaming more than the archive can be (or announcing it) filled the disk
    before the MD5 check could refuse it (the data review's leftover): now capped."""
    part = tmp_path / "a.part"
    n = len(server.body)
    with pytest.raises(DownloadError, match=f"announces {n:,} bytes, more than the 1,000"):
        fetch(server.url, part, progress=False, max_bytes=1000)
    assert not part.exists()
    server.mode = "nolength"  # no Content-Length: found while streaming
    with pytest.raises(DownloadError, match="sent more than the 1,000 bytes expected"):
        fetch(server.url, part, progress=False, max_bytes=1000)
    assert not part.exists()
    assert fetch(server.url, part, progress=False, max_bytes=n) == n  # exactly at the cap: fine
