"""Helpers shared by the tests that compare with PyTorch (an optional oracle: the tests that
need it skip without it) and check one-line errors. Not a test module (no test_ prefix);
imported by name, pytest puts this folder on sys.path."""

from __future__ import annotations

from typing import Any

import pytest


def torch_or_skip() -> Any:
    """The torch module, or skip the calling test when it is not installed."""
    return pytest.importorskip("torch")


def one_line(excinfo: Any, *words: str) -> None:
    """The error of `pytest.raises(...) as excinfo` is one line holding every word."""
    msg = str(excinfo.value)
    assert "\n" not in msg, msg
    for w in words:
        assert w in msg, msg
