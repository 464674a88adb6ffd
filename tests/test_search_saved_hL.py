"""`search` stopped by a disk error says what it saved: "finished trials are saved" was said of
none too, when the first trial's results could not be written (the Ctrl-C path already told
the two apart, tests/test_search_cli_hB.py)."""
from __future__ import annotations

import errno
import json

import pytest
from test_search_cli_hB import SEARCH

from tinygrad_dl.cli import main
from tinygrad_dl.search import results as results_module


@pytest.mark.parametrize("fail_at, says", [
    (1, "no trial was saved: once it is fixed, run the same command again to start it"),
    (2, "finished trials are saved in {out}: once it is fixed, run the same command again to "
        "resume"),
])
def test_a_full_disk_says_whether_a_trial_was_saved(fail_at, says, tmp_path, monkeypatch,
                                                    capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-cache"))
    monkeypatch.delenv("TINYGRAD_DL_DATA", raising=False)
    real = results_module.atomic_write
    writes = []

    def full_disk(path, *a, **k):
        if path.name == "results.json":
            writes.append(path)
            if len(writes) == fail_at:
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(results_module, "atomic_write", full_disk)
    out = tmp_path / "s"
    assert main([*SEARCH, "--trials", "2", "--out", str(out)]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("tinygrad-dl search: error: ") and "No space left" in last, last
    assert last.endswith(says.format(out=out)), last
    saved = out / "results.json"
    assert saved.is_file() == (fail_at > 1)
    if saved.is_file():  # what it says is saved is there
        assert len(json.loads(saved.read_text())["rows"]) == fail_at - 1
