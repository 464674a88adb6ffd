"""tinygrad-dl: train the course models, synthesize text, draw graphs, benchmark, search.

Each subcommand lives in tinygrad_dl/commands/<name>.py with `register(subparsers)` (adds its
parser and sets `func`) so the features stay independent of one another. `main` imports only the
command it runs (`tinygrad-dl --help` imports none: it starts in a fraction of the time), and
Ctrl-C at any moment of the CLI's life is one line and exit status 130: while the package is
imported, `tinygrad_dl/__init__.py` holds a handler for the `tinygrad-dl` program (see there);
from the parser on, KeyboardInterrupt is caught here, and commands that save (train, search)
say how to resume.
"""

from __future__ import annotations

import argparse
import difflib
import errno
import importlib
import itertools
import os
import platform
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from . import __version__, files
from .commands.signals import fresh_line
from .files import stdout_gone, write_error
from .ops.allocation import TooBig

# the commands, in --help's order, with their one-line summaries (the modules load on use)
COMMANDS: dict[str, str] = {
    "train": "train a model with the course's settings (flags override them)",
    "synthesize": "generate text with a trained char-rnn checkpoint",
    "graph": "render the computation graph of a model's loss (svg/png/pdf)",
    "bench": "benchmark autograd against hand-derived NumPy gradients and PyTorch",
    "search": "random hyperparameter search (coarse-to-fine, resumable, parallel)",
    "results": "the results table: the course's runs over many seeds, rendered to Markdown",
    "data": "download a dataset (the full CIFAR-10) into the cache folder",
    "report": "execute an assignment notebook and write an HTML (and PDF) report",
}


def command(name: str) -> ModuleType:
    """The module of subcommand `name` (imported now)."""
    return importlib.import_module(f"tinygrad_dl.commands.{name}")


def version_text() -> str:
    """'tinygrad-dl 0.1.0 (Python 3.11.7, NumPy 2.4.6)'."""
    import numpy as np

    return f"tinygrad-dl {__version__} (Python {platform.python_version()}, NumPy {np.__version__})"


class _Version(argparse.Action):
    """--version, with NumPy's version imported only when asked for."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        try:
            print(version_text())
        except OSError as e:  # (an unbuffered stdout: raised here, not at main's flush; a
            # full disk, `> /dev/full`, was a traceback)
            parser.exit(_stdout_failed("tinygrad-dl", e))
        parser.exit()


# flag spellings of PyTorch and other courses, and the flag of this command that means the same
SYNONYMS = {"--lr": "--eta", "--learning-rate": "--eta", "--batch-size": "--n-batch",
            "--weight-decay": "--lambda", "--hidden-size": "--m",
            "--steps": "--n-updates", "--iterations": "--n-updates"}


class _Parser(argparse.ArgumentParser):
    """argparse's parser (its subcommands' too, through add_subparsers' parser_class), with one
    hint: a value that starts with '-' (`--resume -odd.ckpt`) is read as a flag, and argparse's
    "expected one argument" does not say that FLAG=VALUE gets it through."""

    _argv: list[str] = []

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._argv = list(sys.argv[1:] if args is None else args)  # (for error's hint)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        m = re.fullmatch(r"argument (?:\S+/)*(\S+): expected one argument", message)
        if m:
            message += f" (if its value starts with '-', write {m[1]}=VALUE)"
        elif message.startswith("the following arguments are required"):
            # `synthesize -odd.npz`: the file was read as an unknown flag, and the error named
            # only the missing CHECKPOINT
            odd = [a for a in self._argv if a.startswith("-") and a not in ("-", "--")
                   and not self._known_flag(a.partition("=")[0])]
            if odd:
                message += (f" ({odd[0]} was read as a flag: put -- before a value that "
                            f"starts with '-', or write a file as ./{odd[0]})")
        super().error(message)

    def print_help(self, file: Any = None) -> None:
        """argparse's, less its silence: it drops an OSError of the write, so with an
        unbuffered stdout (PYTHONUNBUFFERED=1) --help into a closed pipe or `> /dev/full`
        exited 0 with nothing said; here it is the one line and exit status 1, as --version's."""
        out = sys.stdout if file is None else file
        if out is None:  # (started with stdout closed, `>&-`: nothing to write to)
            return
        try:
            out.write(self.format_help())
        except OSError as e:
            if out is not sys.stdout:
                raise
            self.exit(_stdout_failed(self.prog.partition(" ")[2] or self.prog, e))

    def full_flag(self, flag: str) -> str:
        """The option `flag` names, as argparse resolves it: itself, or the one option an
        abbreviation starts (`--hid` -> `--hidden`); else `flag` as it is."""
        if flag in self._option_string_actions or not (self.allow_abbrev and
                                                       flag.startswith("--")):
            return flag
        found = [o for o in self._option_string_actions if o.startswith(flag)]
        return found[0] if len(found) == 1 else flag

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        """argparse's, with an unknown flag refused by its command's parser, not the main one
        ("tinygrad-dl: error: unrecognized arguments: --lr 0.1" showed the main usage), and
        the flag meant: "tinygrad-dl train: error: ... --lr 0.1 (did you mean --eta?)"."""
        ns, extra = self.parse_known_args(args, namespace)
        if extra:
            sub = getattr(self, "commands", {}).get(getattr(ns, "command", None) or "", self)
            sub.error(f"unrecognized arguments: {' '.join(extra)}{sub.hint(extra)}")
        return ns

    def hint(self, extra: Sequence[str]) -> str:
        """For unrecognized arguments: the flag of this command meant by the first unknown one,
        a near spelling (`--epohcs` -> --epochs) or PyTorch's
        name for it (`--lr` -> --eta, `--batch-size` -> --n-batch), else ''."""
        flag = next((a.partition("=")[0] for a in extra if a.startswith("--")), None)
        if flag is None:
            return self._list_hint(extra) or self._files_hint(extra)
        ours = [o for o in self._option_string_actions if o.startswith("--")]
        meant = [SYNONYMS[flag]] if SYNONYMS.get(flag) in ours else difflib.get_close_matches(
            flag, ours, n=1, cutoff=0.7)
        return f" (did you mean {meant[0]}?)" if meant else ""

    def _list_hint(self, extra: Sequence[str]) -> str:
        """`train k-layer --hidden 30 20 10`: the sizes after the first were "unrecognized
        arguments: 20 10", not said to belong to --hidden, which takes one comma-separated
        value (graph's --hidden takes both spellings, so a course writes either)."""
        argv = self._argv
        for i in (k for k, a in enumerate(argv) if a == extra[0] and a.isdigit()):
            j = i - 1  # (each place the leftover word is: `--epochs 20 --hidden 30 20`)
            while j >= 0 and argv[j].isdigit():  # back over the sizes to the flag they follow
                j -= 1
            action = self._option_string_actions.get(self.full_flag(argv[j])) if j >= 0 \
                else None
            try:
                takes_list = action is not None and action.nargs is None and isinstance(
                    action.type("1,2"), list)
            except (TypeError, ValueError, argparse.ArgumentTypeError):
                takes_list = False
            if takes_list and j < i - 1:
                words = list(itertools.takewhile(str.isdigit, argv[j + 1:]))
                return f" (did you mean {argv[j]} {','.join(words)}?)"
        return ""

    def _files_hint(self, extra: Sequence[str]) -> str:
        """`synthesize runs/char-rnn-*/model.npz` (as the docs write it) after two runs: the
        shell's second file was "unrecognized arguments: runs/char-rnn-2/model.npz", not said
        to be one file too many."""
        argv = self._argv
        i = argv.index(extra[0]) if extra[0] in argv else 0
        if i < 1 or not all(os.path.exists(a) for a in [argv[i - 1], *extra]):
            return ""
        if i >= 2 and argv[i - 2].startswith("-"):  # (`--text a.txt b.txt`: the flag's value)
            name = argv[i - 2]
        else:
            one = [a for a in self._positionals._group_actions if a.nargs is None]
            if len(one) != 1:
                return ""
            name = one[0].metavar or one[0].dest
        return (f" ({name} takes one file: {len(extra) + 1} given, a shell pattern that "
                "matched several? name one)")

    def _known_flag(self, flag: str) -> bool:
        """A flag this parser takes, spelled out or abbreviated as argparse accepts (`--temp`
        for --temperature was named "read as a flag" in the hint)."""
        return flag in self._option_string_actions or (
            self.allow_abbrev and flag.startswith("--")
            and any(o.startswith(flag) for o in self._option_string_actions))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `only`, the other commands are listed but not loaded."""
    p = _Parser(
        prog="tinygrad-dl",
        description="Train and inspect the four course models (and a ConvNet beyond the course) "
                    "built on tinygrad_dl.",
    )
    p.add_argument("--version", action=_Version, nargs=0,
                   help="print the version (with Python's and NumPy's, for bug reports) and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    p.commands = sub.choices  # type: ignore[attr-defined]  # (name -> its parser)
    for name, summary in COMMANDS.items():
        if only is None or name == only:
            command(name).register(sub)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return p


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is one), if any."""
    for a in argv:
        if a in COMMANDS:
            return a
        if not a.startswith("-"):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    program = argv is None  # the `tinygrad-dl` program (tests call main with a list)
    args = list(sys.argv[1:] if argv is None else argv)
    status: Any = "crashed"  # what the command ended with: its exit status, or an exception
    try:
        status = _main(args)
        return status
    except SystemExit as e:  # (argparse's exits: --help, --version, a bad flag)
        status = e.code
        raise
    finally:
        if program and threading.current_thread() is threading.main_thread():
            # The work is done and reported: a Ctrl-C while Python shuts down (its signal module
            # goes back to SIG_DFL near the very end) must not turn the exit status into death by
            # SIGINT with nothing printed, as CI saw once on a fast machine.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        if program:
            # A Ctrl-C handled here (its one line printed) must not read as one that was not:
            # CPython marks "KeyboardInterrupt unhandled" whenever one ends an eval() or exec()
            # of a string (namedtuple's and dataclass's do, as modules import), whoever catches
            # it after, and `python -m tinygrad_dl.cli` then ended by SIGINT at exit (status -2,
            # not 130). Each eval of a string clears the mark as it starts: this one does.
            eval("None")
            # only a command that succeeded has its status replaced: a failure's own status and
            # line (2 for bad input, a traceback) were hidden behind "stdout was closed", exit 1
            flush_stdout(_chosen(args) or "tinygrad-dl", quiet=status not in (0, None))


def flush_stdout(command: str, quiet: bool = False) -> None:
    """Flush stdout now, not at Python's exit: output still in its buffer (a pipe's buffer holds
    all of a short output, --help's and --version's too) whose reader has left (`| head -1`)
    failed there as "Exception ignored ... BrokenPipeError" and exit status 120; here it is
    the command's one line and exit status 1 (SystemExit, so it also ends argparse's exits).
    A full disk (`> /dev/full`) is one line and exit status 1 too. `quiet`: the command failed
    and said so: stdout is let go without a word, and its exit status stays."""
    if sys.stdout is None:  # (started with stdout closed, `>&-`: print wrote nowhere)
        return
    try:
        sys.stdout.flush()
    except OSError as e:
        if quiet:
            stdout_gone()  # (Python's own flush at exit would fail again: 120)
            return
        raise SystemExit(_stdout_failed(command, e)) from None
    except ValueError:  # (a closed stdout: nothing more to say on it)
        pass


def _stdout_failed(command: str, e: OSError) -> int:
    """Writing stdout failed: a reader that left, or one line naming the OS's error (ENOSPC
    of `> /dev/full`, where the buffered output was lost with "Exception ignored", exit 120)."""
    if isinstance(e, BrokenPipeError):
        return _stdout_gone(command)
    stdout_gone()
    command = command if command == "tinygrad-dl" else f"tinygrad-dl {command}"
    print(f"{command}: error: {write_error(e, 'stdout')}", file=sys.stderr)
    return 1


def _stdout_gone(command: str) -> int:
    """stdout's reader exited (a pipe into `head`): say so once on stderr and exit 1: the
    command's printed output is incomplete (its files, if it wrote any, say what it did)."""
    stdout_gone()
    command = command if command == "tinygrad-dl" else f"tinygrad-dl {command}"
    print(f"{command}: stdout was closed by its reader (a pipe); the rest of the "
          "output is not printed", file=sys.stderr)
    return 1


# the flags that set how much memory a command allocates (named back when it runs out)
SIZE_FLAGS = ("--m", "--hidden", "--channels", "--n-batch", "--seq-length", "--val-size",
              "--length", "--n", "--d", "--K", "--set")
_NUMPY_OOM = re.compile(r"Unable to allocate (.+?) for an array with shape (\(.*?\)) and data "
                        r"type (\S+)")


# NumPy's ValueErrors for an array larger than any machine could address
_NUMPY_TOO_BIG = ("array is too big", "Maximum allowed dimension exceeded")


def too_big(e: BaseException) -> bool:
    """Whether `e` says that memory for the sizes asked for could not be had."""
    return isinstance(e, MemoryError) or (
        isinstance(e, ValueError) and str(e).startswith(_NUMPY_TOO_BIG))


def memory_error(e: BaseException, argv: Sequence[str],
                 spell: Callable[[str], str] = str) -> str:
    """A MemoryError (or NumPy's "array is too big") as one line: how much was asked for (NumPy
    says) and the size flags given, e.g. "cannot allocate 2.24 TiB (an array of shape (3072,
    100000000), float64): use smaller sizes (--m 100000000)". `spell`: the flag an argument
    names (the command parser's `full_flag`: an abbreviation, `--hid`, was not named)."""
    m = _NUMPY_OOM.search(str(e))
    what = ((str(e).rpartition("; ")[0] or str(e)) if isinstance(e, TooBig) else  # (its line)
            f"cannot allocate {m[1].replace('. ', ' ')} (an array of shape {m[2]}, {m[3]})"
            if m else "out of memory" if isinstance(e, MemoryError) else
            "cannot allocate an array that large (more bytes than a 64-bit address holds)")
    given = []
    for i, a in enumerate(argv):
        flag, eq, value = a.partition("=")
        flag = spell(flag) if flag.startswith("--") else flag
        if flag in SIZE_FLAGS:
            value = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            given.append(f"{flag} {value}".strip())
    if given:
        return f"{what}: use smaller sizes ({', '.join(given)})"
    return (f"{what}: this machine has too little free memory for it; free some, or use "
            "smaller sizes")


def file_in_the_way(e: OSError) -> Path | None:
    """For an error creating a folder (EEXIST, ENOTDIR): the file standing where the folder or
    one of its parents should be, else None."""
    if e.errno not in (errno.EEXIST, errno.ENOTDIR) or not e.filename:
        return None
    return files.file_in_the_way(os.fsdecode(e.filename))


def _main(argv: list[str]) -> int:
    name = _chosen(argv) or "tinygrad-dl"
    try:
        # from here on Ctrl-C is a KeyboardInterrupt this function turns into one line
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        parser = build_parser(only=_chosen(argv) or "")
        args = parser.parse_args(argv)
        if getattr(args, "func", None) is None:
            parser.print_help()
            return 0
        try:
            return int(args.func(args) or 0)
        except (FileNotFoundError, ValueError, RuntimeError, MemoryError) as e:
            if interrupt_inside(e):  # a Ctrl-C Python wrapped: the interrupt, below
                raise
            # user-facing errors: one clear line, no traceback; sizes beyond the machine's
            # memory (or NumPy's address space) are the size flags' fault: they are named
            why = memory_error(e, argv, parser.commands[args.command].full_flag) if too_big(
                e) else e
            print(f"tinygrad-dl {args.command}: error: {why}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # the reader of our stdout left (`| head`): not a disk error
            return _stdout_gone(args.command)
        except OSError as e:  # a full disk or a read-only folder while writing
            in_the_way = file_in_the_way(e)
            if in_the_way is not None:  # a path the user named, not a disk's failure
                print(f"tinygrad-dl {args.command}: error: {in_the_way} is a file, not a "
                      "folder: choose another path", file=sys.stderr)
                return 2
            print(f"tinygrad-dl {args.command}: error: {write_error(e)}", file=sys.stderr)
            return 1
    except Exception as e:  # noqa: BLE001 - re-raised unless a Ctrl-C is inside it: Python
        # 3.11 wraps a KeyboardInterrupt raised while a class is made (an import's
        # __set_name__, matplotlib's at startup) in a RuntimeError
        if not interrupt_inside(e):
            raise
        return _interrupted(name)
    except KeyboardInterrupt:  # Ctrl-C where a command does not save anything (e.g. startup)
        return _interrupted(name)


def _interrupted(name: str) -> int:
    # (fresh_line: a newline on a terminal only; in a pipe or a log it was a blank line)
    print(f"{fresh_line()}{'tinygrad-dl ' if name != 'tinygrad-dl' else ''}{name}: interrupted",
          file=sys.stderr)
    return 130


def interrupt_inside(e: BaseException) -> bool:
    """Was `e` raised because of a KeyboardInterrupt (its cause or context, at any depth)?"""
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, KeyboardInterrupt):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


if __name__ == "__main__":
    raise SystemExit(main())
