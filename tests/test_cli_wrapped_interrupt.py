"""A Ctrl-C that Python wraps in another exception is still an interrupt: one line, status 130.

Python 3.11 turns a KeyboardInterrupt raised while a class body's descriptors are set up (an
import's `__set_name__`: matplotlib's, which the CLI imports at startup) into "RuntimeError:
Error calling __set_name__ ...". CI saw Ctrl-C at 0.8 s print that traceback and exit 1."""

from __future__ import annotations

import argparse

import pytest

from tinygrad_dl import cli


def wrapped() -> RuntimeError:
    """What Python 3.11 raises: a RuntimeError whose cause is the KeyboardInterrupt."""
    e = RuntimeError("Error calling __set_name__ on 'x' instance 'converter' in 'Axis'")
    e.__cause__ = KeyboardInterrupt()
    return e


def test_wrapped_interrupt_at_startup(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    def build_parser(only: str = "") -> None:
        raise wrapped()
    monkeypatch.setattr(cli, "build_parser", build_parser)
    assert cli.main(["train", "one-layer"]) == 130
    err = capsys.readouterr().err.strip()
    assert err == "tinygrad-dl train: interrupted"


class OneCommand:
    """build_parser's stand-in: parses to a `train` command that raises `error`."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def parse_args(self, argv: list[str]) -> argparse.Namespace:
        def func(args: argparse.Namespace) -> int:
            raise self.error
        return argparse.Namespace(command="train", func=func)


def test_wrapped_interrupt_inside_a_command(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "build_parser", lambda only="": OneCommand(wrapped()))
    assert cli.main(["train", "one-layer"]) == 130
    assert capsys.readouterr().err.strip() == "tinygrad-dl train: interrupted"


def test_other_runtime_errors_stay_one_error_line(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "build_parser", lambda only="": OneCommand(RuntimeError("boom")))
    assert cli.main(["train", "one-layer"]) == 2
    assert capsys.readouterr().err.strip() == "tinygrad-dl train: error: boom"


def test_startup_errors_that_are_not_interrupts_still_raise(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def build_parser(only: str = "") -> None:
        raise RuntimeError("a real bug")
    monkeypatch.setattr(cli, "build_parser", build_parser)
    with pytest.raises(RuntimeError, match="a real bug"):
        cli.main(["train", "one-layer"])
