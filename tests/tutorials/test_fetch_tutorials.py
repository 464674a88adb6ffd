"""tools/fetch_tutorials.py, which CI and developers use to get the PyTorch tutorial scripts
(pinned commits, never committed here), run against a real HTTP server on loopback serving
made-up files in raw.githubusercontent.com's layout (<commit>/beginner_source/<path>)."""

from __future__ import annotations

import hashlib
import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_upstream_tutorials import TUTORIALS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import fetch_tutorials  # noqa: E402  (tools/ is not a package)


@pytest.fixture
def server(tmp_path: Path, monkeypatch) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "served"
    for path, commit in fetch_tutorials.PINS.items():
        f = root / commit / "beginner_source" / path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"print({path!r})\n", encoding="utf-8")
        # the made-up files are what this server's "tested" texts are
        monkeypatch.setitem(fetch_tutorials.SHA256, path,
                            hashlib.sha256(f"print({path!r})\n".encode()).hexdigest())

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 64  # the tool opens one connection per file at once

    httpd = Server(("127.0.0.1", 0), Quiet)
    t = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_pins_cover_exactly_the_scripts_the_test_runs():
    assert set(fetch_tutorials.PINS) == set(TUTORIALS)
    assert all(len(c) == 40 and int(c, 16) >= 0 for c in fetch_tutorials.PINS.values())


def test_fetch_writes_each_pinned_file_then_reuses_them_offline(server, tmp_path):
    url, root = server
    dest = tmp_path / "cache"
    assert fetch_tutorials.main([str(dest), "--base-url", url]) == 0
    for path, commit in fetch_tutorials.PINS.items():
        got = (dest / "beginner_source" / path).read_text(encoding="utf-8")
        assert got == (root / commit / "beginner_source" / path).read_text(encoding="utf-8")
    assert (dest / "PINNED").read_text(encoding="utf-8") == fetch_tutorials.pinned_text()
    # a second run finds them pinned and needs no server (an unreachable one would fail)
    assert fetch_tutorials.main([str(dest), "--base-url", "http://127.0.0.1:9"]) == 0


def test_a_failed_download_writes_nothing_and_says_so_in_one_line(server, tmp_path, capsys):
    url, root = server
    missing = "examples_nn/dynamic_net.py"
    (root / fetch_tutorials.PINS[missing] / "beginner_source" / missing).unlink()
    dest = tmp_path / "cache"
    assert fetch_tutorials.main([str(dest), "--base-url", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and missing in err and "HTTP 404" in err, err
    assert not dest.exists() or not any(dest.rglob("*")), sorted(dest.rglob("*"))


def test_a_stale_cache_is_fetched_again(server, tmp_path):
    url, root = server
    dest = tmp_path / "cache"
    assert fetch_tutorials.main([str(dest), "--base-url", url]) == 0
    (dest / "PINNED").write_text("0" * 40 + " beginner_source/basics/old.py\n", encoding="utf-8")
    stale = dest / "beginner_source" / "basics" / "tensorqs_tutorial.py"
    stale.write_text("stale\n", encoding="utf-8")
    assert fetch_tutorials.main([str(dest), "--base-url", url]) == 0
    assert stale.read_text(encoding="utf-8") != "stale\n"


def test_a_file_that_is_not_the_tested_text_is_refused(server, tmp_path, capsys):
    """A wrong pin or a proxy's error page served with 200 must not run as the tutorial."""
    url, root = server
    path = "basics/tensorqs_tutorial.py"
    (root / fetch_tutorials.PINS[path] / "beginner_source" / path).write_text("<html>hi</html>\n")
    dest = tmp_path / "cache"
    assert fetch_tutorials.main([str(dest), "--base-url", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and path in err and "sha256 differs" in err, err
    assert not dest.exists() or not any(dest.rglob("*")), sorted(dest.rglob("*"))


def test_every_pin_has_the_checksum_of_its_tested_text():
    assert set(fetch_tutorials.SHA256) == set(fetch_tutorials.PINS)
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in fetch_tutorials.SHA256.values())
