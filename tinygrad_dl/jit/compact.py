"""A compiled step made smaller. `compiled.compile_steps` writes one local per register (`r7`),
per gradient (`g7`) and per "ours to add into" flag (`o7`): a char-RNN's unrolled graph has
347 of them in ~1,000 lines, and its code object (44 KB of bytecode) kept 24 KB of line
table and 18 KB of local names for as long as the plan lives, more than the step's own
arrays. Two rewrites, neither of which changes what runs:

- `share_locals`: locals whose lives do not overlap share one name (`r3` holds several
  registers in turn), as a register allocator shares registers. The source is straight-line
  (no loops: checked), so a local is dead after the last statement that names it; a name
  takes over a free one only after that statement, and starts from None where it did (the
  line `g1 = g2 = None` that starts the backward: each gradient's None moves to where it
  starts).
- `without_columns`: the line table keeps each instruction's line but not its columns (the
  `^^^` a traceback draws under a line of a file; a compiled step has no file to show).
"""

from __future__ import annotations

import heapq
import re
import sys
from collections.abc import Collection
from itertools import count
from types import CodeType

NAME = re.compile(r"(?<![\w.])[rgo]\d+\b")  # the locals compiled.py and plan.py write
NONES = re.compile(r"(?:\w+ = )+None\Z")  # `g1 = g2 = o1 = None`
# a name that could reach a local other than by its name, a statement that runs twice
UNSAFE = re.compile(r"\b(?:for|while|lambda|def|class|del|global|nonlocal|yield|await|async|"
                    r"locals|vars|exec|eval|dir)\b")
ODD = re.compile(r"['\"#]|\.[rgo]\d+\b|\b[rgo]\d+=(?!=)")  # (patterns compiled at import:
# re's cache of them would be kept by the process, as the plan is)


def share_locals(lines: list[str], body: range, globals_: Collection[str]) -> list[str]:
    """`lines` (one function's source, a statement per line) with the locals named only in
    `lines[body]` (the statements inside its `try:`) renamed to share names; `lines` as
    they are if anything in them is not straight-line code over plain names. `globals_`:
    the function's global names (none of them is renamed)."""
    mentions = _mentions(lines)
    if mentions is None:
        return lines
    base = min(_indent(lines[i]) for i in body)
    top, stmt = [], -1  # the index of the statement at `base` each line is part of
    for i in body:
        stmt += _indent(lines[i]) == base
        top.append(stmt)
    new: list[str | None] = list(lines)
    starts: dict[str, int] = {}  # the local -> the statement where it is first named
    ends: dict[str, int] = {}
    reset: dict[int, list[str]] = {}  # statement -> the locals that start there from None
    nones: dict[int, bool] = {}  # line -> whether it is a None line at `base` (asked once per
    drops: dict[int, set[str]] = {}  # line: a backward's names them all), what it loses
    for name, where in mentions.items():
        if name in globals_ or any(i not in body for i in where):  # (the checks': as is)
            continue
        first = where[0]
        if first not in nones:
            nones[first] = _indent(lines[first]) == base and bool(NONES.match(lines[first]
                                                                               .strip()))
        if nones[first]:
            drops.setdefault(first, set()).add(name)  # its None, moved to where it is next
            where = where[1:]  # named (`where`: one entry per line)
            if not where:
                continue
            reset.setdefault(top[where[0] - body.start], []).append(name)
        elif _indent(lines[where[0]]) != base or not lines[where[0]].lstrip().startswith(
                name + " = "):  # not set first: None, not the name's last tenant's value
            reset.setdefault(top[where[0] - body.start], []).append(name)
        starts[name], ends[name] = top[where[0] - body.start], top[where[-1] - body.start]
    for i, names in drops.items():
        _drop(new, i, names)
    rename = _allocate(starts, ends, {n for n in mentions if n not in starts})
    resets: dict[int, list[str]] = {}
    for s, names in reset.items():
        resets[s] = sorted({rename[n] for n in names})
    out = lines[:body.start]
    for i in body:
        line = new[i]
        if line is None:
            continue
        s = top[i - body.start]
        if s in resets and _indent(line) == base:
            out.append(" " * base + " = ".join(resets.pop(s)) + " = None")
        out.append(_renamed(line, rename))
    if resets:  # (a None with no statement to go before: cannot happen; as written, then)
        return lines
    return [*out, *lines[body.stop:]]


def _mentions(lines: list[str]) -> dict[str, list[int]] | None:
    """The lines each candidate local is named on, or None where renaming is unsafe: a loop
    or another word of UNSAFE, a string or a comment, a candidate read as an attribute or
    passed as a keyword (`f(g2=...)`: compiled.py writes keywords without spaces)."""
    found: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if (i and UNSAFE.search(line)) or ODD.search(line):  # (line 0: the `def`)
            return None
        for name in NAME.findall(line):
            rows = found.setdefault(name, [])
            if not rows or rows[-1] != i:
                rows.append(i)
    return found


def _allocate(starts: dict[str, int], ends: dict[str, int], kept: set[str]
              ) -> dict[str, str]:
    """A shared name per local, per kind (r, g, o): one free at its first statement (freed
    after its last tenant's last statement), a new one if none is; none of `kept`."""
    rename: dict[str, str] = {}
    for kind in "rgo":
        names = sorted((n for n in starts if n[0] == kind), key=lambda n: (starts[n], n))
        busy: list[tuple[int, str]] = []  # (last statement, shared name)
        free: list[str] = []
        slots = (f"{kind}{i}" for i in count())
        for n in names:
            while busy and busy[0][0] < starts[n]:
                heapq.heappush(free, heapq.heappop(busy)[1])
            slot = heapq.heappop(free) if free else next(s for s in slots if s not in kept)
            heapq.heappush(busy, (ends[n], slot))
            rename[n] = slot
    return rename


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _drop(lines: list[str | None], i: int, names: Collection[str]) -> None:
    """Take `names` out of the line `a = name = b = None` (the line goes when none is left):
    all at once (a char-RNN's backward of T steps names ~9 T locals on its None line; one
    rewrite of that line per name took time quadratic in T: 9 s at T = 1000)."""
    line = lines[i]
    assert line is not None
    targets = [t for t in line.strip().split(" = ")[:-1] if t not in names]
    lines[i] = (" " * _indent(line) + " = ".join([*targets, "None"])) if targets else None


def _renamed(line: str, rename: dict[str, str]) -> str:
    return NAME.sub(lambda m: rename.get(m.group(), m.group()), line)


def without_columns(code: CodeType) -> CodeType:
    """`code` with a line table of lines only (PEP 657's format, Python 3.11 on: an entry per
    up to 8 code units, "no columns" and the line's difference from the entry before); the
    code as it is if the new table does not give every instruction the same line."""
    if sys.version_info < (3, 11):
        return code
    table, prev = bytearray(), code.co_firstlineno
    for start, end, line in _lines(code):
        units = (end - start) // 2
        while units > 0:
            n, units = min(units, 8), units - min(units, 8)
            if line is None:  # "no location" (15)
                table.append(0x80 | 15 << 3 | n - 1)
            else:  # "no columns" (13) and the line's difference, a signed varint
                table.append(0x80 | 13 << 3 | n - 1)
                delta, prev = line - prev, line
                v = -delta << 1 | 1 if delta < 0 else delta << 1
                while v >= 64:
                    table.append(0x40 | v & 63)
                    v >>= 6
                table.append(v)
    new = code.replace(co_linetable=bytes(table))
    return new if _lines(new) == _lines(code) else code


def _lines(code: CodeType) -> list[list[int | None]]:
    """`co_lines()` with neighbours on the same line joined."""
    out: list[list[int | None]] = []
    for start, end, line in code.co_lines():
        if out and out[-1][2] == line and out[-1][1] == start:
            out[-1][1] = end
        else:
            out.append([start, end, line])
    return out
