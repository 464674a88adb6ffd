"""Mutation testing, round 3: search's error paths. A missing file met during a search is a
user error (exit 2, the file named), not a disk failure with resume advice (exit 1)."""
from __future__ import annotations

from test_search_cli_hB import SEARCH

from tinygrad_dl.cli import main
from tinygrad_dl.commands import search as search_command


def test_a_missing_file_during_the_search_is_a_user_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-cache"))
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    gone = tmp_path / "moved.npz"

    def vanished(*a, **k):
        raise FileNotFoundError(2, "No such file or directory", str(gone))

    monkeypatch.setattr(search_command, "run_search", vanished)
    assert main([*SEARCH, "--trials", "2", "--out", str(tmp_path / "s")]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("tinygrad-dl search: error: ") and str(gone) in last, last
    assert "saved" not in last and "resume" not in last, last
