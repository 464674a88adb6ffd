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
    "truncate" (announces the full length, sends half, closes), "corrupt" (one byte flipped)."""

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
                self.send_header("Content-Length", str(len(body) - start))
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
    assert r.returncode == 2
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
