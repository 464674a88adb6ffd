"""A test changes the process's environment or working folder only through monkeypatch (put back
after it): CI's two workers each run a share of the suite, a different share each run, so a
change made for good reaches whichever tests a worker drew after it.

Found 2026-12-07 (flaky-test hunt, part 3): test_train_outdir.py's module fixture set
XDG_CACHE_HOME and removed TINYGRAD_DL_DATA in os.environ for the rest of the worker's run, and
a search test in test_search_lost.py set XDG_CACHE_HOME to its own temporary folder."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# conftest.py sets the BLAS thread counts for the whole run on purpose (_share_the_cores)
ALLOWED = {"conftest.py"}
MUTATORS = {"pop", "update", "setdefault", "clear", "popitem", "__setitem__", "__delitem__"}
# the files worth parsing (700 test files parsed whole took seconds): the text says one of them
MAYBE = re.compile(r"os\.(environ\s*(\[|\.(" + "|".join(MUTATORS)
                   + r")\b)|chdir\b|putenv\b|unsetenv\b)")


def _is_os_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ"
            and isinstance(node.value, ast.Name) and node.value.id == "os")


def lasting_changes(source: str) -> list[int]:
    """The lines of `source` that change os.environ or the working folder for good."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        if any(isinstance(t, ast.Subscript) and _is_os_environ(t.value) for t in targets):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if (f.attr in MUTATORS and _is_os_environ(f.value)) or (
                    f.attr in {"chdir", "putenv", "unsetenv"} and isinstance(f.value, ast.Name)
                    and f.value.id == "os"):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_check_sees_each_spelling() -> None:
    src = ("import os\nos.environ['A'] = '1'\nos.environ.pop('B', None)\ndel os.environ['C']\n"
           "os.environ.update(D='1')\nos.chdir('/')\nos.putenv('E', '1')\n"
           "env = {**os.environ, 'F': '1'}\nx = os.environ.get('G')\nenv['H'] = '1'\n")
    assert lasting_changes(src) == [2, 3, 4, 5, 6, 7]
    assert all(MAYBE.search(line) for line in src.splitlines()[1:7])


def test_no_test_changes_the_environment_or_folder_for_good() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(TESTS.rglob("*.py"))
             if p.name not in ALLOWED}
    found = {name: lines for name, text in texts.items()
             if MAYBE.search(text) and (lines := lasting_changes(text))}
    assert not found, (f"use monkeypatch.setenv / delenv / chdir (pytest.MonkeyPatch.context() "
                       f"in a module fixture): {found}")
