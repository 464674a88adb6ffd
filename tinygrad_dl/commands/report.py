"""`tinygrad-dl report {a1,a2,a3,a4,all}`: execute an assignment notebook, write an HTML report.

The notebook (shipped in the package as `tinygrad_dl.notebooks`) runs top to bottom in a real
Jupyter kernel (nbclient, the ``python3`` kernel of ipykernel) with the given parameters injected
after its cell tagged ``parameters``, papermill-style. The executed notebook and a
self-contained HTML page (nbconvert; figures embedded as base64 PNG/SVG with their captions and
alt text, the results as HTML tables, no script or stylesheet loaded from anywhere) are written to
--out; and a PDF of the same page when a headless Chromium is installed. Every number in the
report, and every sentence that states a finding, comes from that run.

Each --param is checked against the parameters cell of every selected notebook before any runs
(its type is the default's there). A failed run writes only ``<stem>.failed.ipynb`` and leaves
the last good report in --out untouched, and says so; a good run removes that file and any PDF
it did not print again, so every file beside the report is from the same run.

Needs the `notebooks` extra: ``pip install -e ".[notebooks]"``.
"""

from __future__ import annotations

import argparse
import ast
import atexit
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

from tinygrad_dl import files
from tinygrad_dl.search.results import STORE_FILES
from tinygrad_dl.viz.graph import INSTALL_HINT, GraphvizNotFoundError

from .args import number
from .kernel import stop_kernel
from .signals import sigterm_as_interrupt, stopped

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

NOTEBOOKS = {
    "a1": "a1_one_layer.ipynb",
    "a2": "a2_two_layer.ipynb",
    "a3": "a3_k_layer.ipynb",
    "a4": "a4_char_rnn.ipynb",
}
PDF_ENGINES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# the kernel's messages are awaited in a zmq poll of at most 2**31 - 1 ms (longer: OverflowError)
MAX_TIMEOUT = (2**31 - 1) // 1000
EXTRA_HINT = 'the report command needs the notebooks extra: pip install "tinygrad_dl[notebooks]"'


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report",
        help="execute an assignment notebook and write an HTML (and PDF) report",
        description="Run the assignment's notebook (notebooks/aN_*.ipynb) in a Jupyter kernel "
        "with these parameters and write the executed notebook, a self-contained HTML report "
        "and, if a headless Chromium is installed, a PDF of it into --out. If a cell fails, "
        "the partly executed notebook is written as aN_*.failed.ipynb and the report files "
        "already in --out (an earlier run's) are left as they were, and the error says so; a "
        "run that succeeds removes that .failed.ipynb, and an earlier PDF it does not print "
        "again, so no file in --out is older than the report beside it.",
    )
    p.add_argument("assignment", choices=[*NOTEBOOKS, "all"], help="which assignment (or all)")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="CIFAR-10 folder for a1-a3 (default: as for train: $TINYGRAD_DL_DATA, "
                        "the cache folder, else the embedded sample)")
    p.add_argument("--text", default=None, metavar="FILE",
                   help="training text for a4 (default: CPython's help text)")
    p.add_argument("--out", default="reports", metavar="DIR",
                   help="output folder (default: reports)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="set a notebook parameter, e.g. --param epochs=10 or --param "
                        "n_updates=100000; repeatable. VALUE must fit the default in the "
                        "notebook's parameters cell: a bool takes True/False/true/false, an int "
                        "an integer, a float a finite number (inf, nan, 1e999 are refused), a "
                        "parameter whose default is None "
                        "(a path) None or the text as it is. All are checked before any notebook "
                        "runs; with `all`, NAME must be a parameter of at least one notebook and "
                        "is given only to those that have it (search_out=DIR to a2 and a3 "
                        "as DIR/a2 and DIR/a3: one folder per search)")
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes: a smoke run of a few seconds (what CI runs); the report "
                        "says so in a banner at its top (--param quick=False wins over it)")
    p.add_argument("--code", action="store_true", help="include the code cells in the report")
    p.add_argument("--no-pdf", action="store_true", help="do not try to print a PDF")
    p.add_argument("--timeout", type=number(int, 1, MAX_TIMEOUT), default=1800, metavar="S",
                   help=f"seconds allowed per notebook cell, 1 to {MAX_TIMEOUT} (24.8 days) "
                        "(default 1800)")
    p.set_defaults(func=run)


# ---- locating and parameterising notebooks ------------------------------------------------
def notebook_path(assignment: str) -> Path:
    """The packaged notebook of an assignment (works from a wheel install as well)."""
    if assignment not in NOTEBOOKS:
        raise ValueError(f"unknown assignment {assignment!r}; choose one of {', '.join(NOTEBOOKS)}")
    path = Path(str(resources.files("tinygrad_dl.notebooks") / NOTEBOOKS[assignment]))
    if not path.is_file():
        raise FileNotFoundError(f"notebook {NOTEBOOKS[assignment]} is not installed with "
                                f"tinygrad_dl (looked in {path.parent})")
    return path


def parse_params(items: list[str]) -> dict[str, str]:
    """NAME=VALUE items as {NAME: the VALUE text}; the text is typed per notebook later
    (`param_value`), against that notebook's default for NAME."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ValueError(f"--param {item!r}: expected NAME=VALUE")
        if name.strip() in out:  # (the last one won without a word; search refuses it too)
            raise ValueError(f"--param {name.strip()} given more than once "
                             f"({name.strip()}={out[name.strip()]}, {item.strip()}); give it once")
        out[name.strip()] = value
    return out


_NO_LITERAL = object()  # a parameters-cell default that is an expression, not a literal


def notebook_defaults(assignment: str) -> dict[str, Any]:
    """The parameters cell of an assignment's notebook as {name: default value}
    (`_NO_LITERAL` for a default that is not a Python literal). Reads the JSON directly, so it
    works, and --param is checked, without the notebooks extra."""
    path = notebook_path(assignment)
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
             if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path.name} must have exactly one cell tagged 'parameters', "
                         f"found {len(cells)}")
    src = cells[0]["source"]
    return _cell_defaults(src if isinstance(src, str) else "".join(src))


def param_value(name: str, text: str, default: Any, where: str) -> Any:
    """The value of `--param name=text` for a notebook whose default for `name` is `default`:
    of the default's type, or a one-line ValueError naming the parameter and notebook `where`.
    (Python literals alone would not do: `quick=false` is no literal and became the string
    'false', which is true; `1e999` is inf, injected as `inf`, a NameError in the kernel.)"""
    given = f"--param {name}={text}"
    if isinstance(default, bool):
        words = {"True": True, "true": True, "False": False, "false": False}
        if text.strip() not in words:
            raise ValueError(f"{given}: {name} is a bool in {where} (default {default}); give "
                             "True, False, true or false")
        return words[text.strip()]
    if default is None or isinstance(default, str):  # a path: the text as it is
        return None if default is None and text.strip() == "None" else text
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = _NO_LITERAL
    if isinstance(default, int):
        if type(value) is not int:
            raise ValueError(f"{given}: {name} is an integer in {where} (default {default}); "
                             "give an integer, e.g. 10 or 30_000")
        return value
    if isinstance(default, float):
        if type(value) not in (int, float):
            raise ValueError(f"{given}: {name} is a number in {where} (default {default}); "
                             "give a number, e.g. 0.1 or 1e-3")
        if not math.isfinite(value):
            raise ValueError(f"{given}: {name} must be a finite number in {where}")
        return float(value)
    if default is _NO_LITERAL:  # an expression we cannot type: a literal, else the text
        return text if value is _NO_LITERAL else value
    if type(value) is not type(default):  # a list, a tuple, a dict
        raise ValueError(f"{given}: {name} is a {type(default).__name__} in {where} (default "
                         f"{default!r}); give a Python literal of that type")
    return value


def notebook_params(raw: dict[str, str], assignments: list[str]) -> dict[str, dict[str, Any]]:
    """Each assignment's share of the --param items, typed against its own defaults: checked
    for all of them before any notebook runs (a typo must not cost the minutes of the
    notebooks before it). A name must be a parameter of at least one selected notebook and is
    given only to the notebooks that have it (`all --param n_updates=1000` is a4's)."""
    defaults = {a: notebook_defaults(a) for a in assignments}
    unknown = [n for n in raw if not any(n in d for d in defaults.values())]
    if unknown:
        items = ", ".join(f"--param {n}={raw[n]}" for n in unknown)
        known = sorted({n for d in defaults.values() for n in d})
        which = (f"notebook {NOTEBOOKS[assignments[0]]} (its" if len(assignments) == 1
                 else f"any notebook of {', '.join(assignments)} (their")
        raise ValueError(f"{items}: no such parameter in {which} parameters: "
                         f"{', '.join(known)})")
    return {a: {n: param_value(n, text, d[n], NOTEBOOKS[a]) for n, text in raw.items()
                if n in d} for a, d in defaults.items()}


def inject_parameters(nb: Any, params: dict[str, Any]) -> Any:
    """Insert a cell assigning `params` right after the cell tagged "parameters" (papermill's
    convention, tagged "injected-parameters"); unknown names are refused."""
    import nbformat

    idx = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if len(idx) != 1:
        raise ValueError(f"the notebook must have exactly one cell tagged 'parameters', "
                         f"found {len(idx)}")
    known = _assigned_names(nb.cells[idx[0]].source)
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(f"unknown notebook parameter(s) {', '.join(unknown)}; this notebook "
                         f"takes {', '.join(sorted(known))}")
    if params:
        src = "# Parameters injected by `tinygrad-dl report`\n" + "".join(
            f"{k} = {v!r}\n" for k, v in params.items())
        cell = nbformat.v4.new_code_cell(src.rstrip("\n"))
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(idx[0] + 1, cell)
    return nb


def _assigned_names(source: str) -> set[str]:
    return set(_cell_defaults(source))


def _cell_defaults(source: str) -> dict[str, Any]:
    """{name: value} of the top-level assignments in a cell (`_NO_LITERAL` for an expression)."""
    out: dict[str, Any] = {}
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for t in targets:
            if isinstance(t, ast.Name):
                try:
                    out[t.id] = ast.literal_eval(node.value) if node.value else _NO_LITERAL
                except (ValueError, TypeError, SyntaxError, RecursionError):
                    out[t.id] = _NO_LITERAL
    return out


# ---- executing and exporting --------------------------------------------------------------
def require_dot() -> None:
    """GraphvizNotFoundError unless Graphviz's `dot` is on PATH: every notebook draws its
    model's graph (a4 after its training, which a missing `dot` threw away minutes, or hours,
    later)."""
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError("the notebooks draw their models' graphs, and Graphviz's "
                                    f"`dot` program is not on PATH: {INSTALL_HINT}")


def execute_notebook(nb: Any, cwd: Path, timeout: int) -> Any:
    """Run every cell in a fresh python3 kernel whose working directory is `cwd`.

    nbclient waits for the kernel's messages inside zmq's C poll, where the main thread never
    runs a Python signal handler: Ctrl-C or SIGTERM would wait for the cell to end (a cell of
    minutes). So the notebook runs in a worker thread while the main thread waits in short
    joins; an interrupt there shuts the kernel down (no orphan) and propagates at once."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    require_dot()
    # IPC transport (Unix sockets in a private folder) rather than TCP on localhost
    with tempfile.TemporaryDirectory(prefix="tgdl-kernel-") as sock_dir:
        # never import from `cwd` (a shared --out's numpy.py, tinygrad_dl/, ipykernel_launcher.py
        # ran): start in an empty folder (`python -m` puts it first on sys.path), no '' from
        # IPython (ignore_cwd), then into `cwd` before any cell, or exit (as a kernel not started)
        chdir = (f"try: __import__('os').chdir({str(cwd.absolute())!r})\n"
                 "except BaseException: __import__('os')._exit(3)")
        # an async client, as nbclient's own manager makes: with the default blocking one,
        # nbclient's event loop blocked and --timeout never fired (30 s ran under --timeout 1)
        km = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sock_dir}/kernel",
                           connection_file=f"{sock_dir}/kernel.json",  # (tempfile's outlived stops)
                           client_class="jupyter_client.asynchronous.AsyncKernelClient")
        client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                                iopub_timeout=60, raise_on_iopub_timeout=True,  # (4 s and a
                                # log line: a starved kernel's late figure was dropped silently)
                                extra_arguments=["--IPKernelApp.ignore_cwd=True",
                                                 f"--IPKernelApp.exec_lines={chdir}"],
                                resources={"metadata": {"path": tempfile.mkdtemp(dir=sock_dir)}})
        failure: list[BaseException] = []

        def run() -> None:
            try:
                client.execute(env=_kernel_env())
            except BaseException as e:  # noqa: BLE001  (re-raised in the main thread)
                failure.append(e)

        worker = threading.Thread(target=run, name="tgdl-notebook", daemon=True)
        try:
            worker.start()  # (in here: a stop while it starts still shuts down what it starts)
            while worker.is_alive():
                worker.join(0.2)
        finally:  # a kernel manager we pass in is ours to shut down, not nbclient's
            stop_kernel(km, worker)
            # nbclient (0.11) unregisters its at-exit cleanup once the kernel started: one dead at
            # its start printed a traceback after our one-line error (no attribute: None, no-op)
            atexit.unregister(getattr(client, "_cleanup_kernel", None))
        if failure:
            raise failure[0]
    return nb


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # let the kernel use its inline backend
    return env


def to_html(nb: Any, *, code: bool) -> str:
    """One self-contained HTML page: JupyterLab's look (its CSS inlined), the figures embedded
    as data URIs, and no <script src> or <link href> to any server, so a report opened offline
    looks the same (nbconvert's lab template loads require.js, MathJax, mermaid and the widget
    manager from a CDN; our template leaves them out: the notebooks use none of them)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    found = nbconvert_template_dirs()
    exporter = HTMLExporter(template_name="lab", extra_template_basedirs=found,
                            extra_template_paths=found,
                            extra_loaders=[DictLoader({"tgdl_report.html.j2": _TEMPLATE})])
    exporter.template_file = "tgdl_report.html.j2"
    exporter.exclude_input = not code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    # wide figures (an unrolled graph) shrink to the page instead of scrolling: prints fully
    return body.replace("</head>", f"<style>{_FIT_CSS}</style>\n</head>", 1)


def nbconvert_template_dirs() -> list[str]:
    """nbconvert's template folders under this Python's prefix and its base's: in a venv made
    with --system-site-packages nbconvert's templates are the base Python's, which jupyter_core
    does not search."""
    bases = [os.path.join(p, "share", "jupyter", "nbconvert", "templates")
             for p in dict.fromkeys([sys.prefix, sys.base_prefix])]
    return [b for b in bases if os.path.isdir(b)]


# the lab template without its remote scripts (blocks of nbconvert's lab/index.html.j2)
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

_FIT_CSS = (".jp-RenderedSVG img, .jp-RenderedImage img, .jp-RenderedSVG svg, .tgdl-figure img "
            "{max-width: 100%; height: auto;} table.results {margin: 0.5em 0;} "
            "table.results caption {caption-side: top; text-align: left; font-weight: bold; "
            "padding: 0.3em 0;} .tgdl-figure figcaption {margin-top: 0.3em;} "
            "main {max-width: 1100px; margin: 0 auto; padding: 0 1em;}")


def find_pdf_engine() -> str | None:
    for name in PDF_ENGINES:
        exe = shutil.which(name)
        if exe:
            return exe
    return None


def print_pdf(engine: str, html_path: Path, pdf_path: Path, timeout: float = 180) -> Path:
    """Print the HTML page to PDF with headless Chromium; atomic (temp file, then rename).

    Chromium prints into this run's own temp file beside `pdf_path`, copied into place by
    files.atomic_write: two reports at once shared one `.NAME.pdf.tmp`, each unlinking or
    renaming the other's half-printed PDF; one in the system temp folder was not found where a
    snap's Chromium (Ubuntu's) printed it (its /tmp is its own; it writes in the user's
    folders). The temp is named and flock'ed as atomic_write's (`.NAME.tgdl-XXXXXXXX.tmp`):
    a killed report's is removed by the next write of the PDF, a live one's is not."""
    pdf_path.with_name(f".{pdf_path.name}.tmp").unlink(missing_ok=True)  # an older version's
    # temp, left by a killed run (never renamed into place)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=pdf_path.parent, prefix=f".{pdf_path.name[:40]}.tgdl-",
                                suffix=".tmp")
    tmp = Path(name)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:  # no flock on this file system: printed unlocked
                pass
        with tempfile.TemporaryDirectory(prefix="tgdl-chromium-") as profile:
            cmd = [engine, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   "--virtual-time-budget=10000", f"--print-to-pdf={tmp.resolve()}",
                   html_path.resolve().as_uri()]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            last = (r.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"{Path(engine).name} could not print {html_path}: {last}")
        with open(tmp, "rb") as src:
            return files.atomic_write(pdf_path, lambda f: shutil.copyfileobj(src, f))
    finally:
        tmp.unlink(missing_ok=True)
        os.close(fd)


def _cell_error(nb: Any) -> str:
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                return f"cell {i} raised {o.get('ename')}: {o.get('evalue')}"
    return "a cell failed"


def build_report(assignment: str, out: Path, params: dict[str, Any], *, code: bool = False,
                 pdf: bool = True, timeout: int = 1800,
                 log: Any = print) -> dict[str, Path]:
    """Execute one assignment's notebook with `params` and write its files into `out`:
    the executed .ipynb, the .html report and, when possible, the .pdf. Returns them by kind."""
    try:
        import nbformat
        from nbclient.exceptions import CellExecutionError
    except ModuleNotFoundError as e:
        raise RuntimeError(f"{EXTRA_HINT} ({e.name} is missing)") from None

    src = notebook_path(assignment)
    nb = inject_parameters(nbformat.read(src, as_version=4), params)
    require_dot()  # before --out is made (an empty one was left behind) and "executing" said
    out.mkdir(parents=True, exist_ok=True)
    stem = src.stem
    report = {"notebook": out / f"{stem}.ipynb", "html": out / f"{stem}.html",
              "pdf": out / f"{stem}.pdf"}
    failed_path = out / f"{stem}.failed.ipynb"
    written: dict[str, Path] = {}
    t0 = time.perf_counter()
    log(f"report {assignment}: executing {src.name} "
        f"({', '.join(f'{k}={v!r}' for k, v in params.items()) or 'default parameters'})")
    failed: Exception | None = None
    try:
        execute_notebook(nb, out, timeout)
    except GraphvizNotFoundError:  # (before any cell ran: no partly executed notebook)
        raise
    except CellExecutionError as e:
        failed = e
    except Exception as e:  # noqa: BLE001  (kernel died, timeout: report it in one line)
        failed = e
    if failed is not None:
        # the partial notebook gets a name saying so, the last good report stays whole: both named
        files.atomic_write(failed_path, nbformat.writes(nb))
        first = (str(failed).strip().splitlines() or [""])[0]
        reason = (_cell_error(nb) if isinstance(failed, CellExecutionError)
                  else f"a cell ran past --timeout {timeout} s; give it more" if isinstance(
                      failed, TimeoutError) else f"{type(failed).__name__}: {first}")
        if not isinstance(failed, (CellExecutionError, TimeoutError)) and not any(
                c.get("execution_count") for c in nb.cells):  # (it said only "Kernel died
            # before replying to kernel_info", of a notebook called partly executed)
            reason = (f"its Jupyter kernel did not start: {reason}; check that `"
                      f"{sys.executable} -m ipykernel_launcher --help` runs (pip install "
                      "ipykernel)")
        earlier = [p.name for p in report.values() if p.exists()]
        kept = (f"; {', '.join(earlier)} in {out} are from an earlier run, left as they were"
                if earlier else "")
        raise RuntimeError(f"{assignment}: the notebook failed ({reason}); the partly executed "
                           f"notebook is {failed_path}{kept}")
    page = to_html(nb, code=code)  # before writing: an export error leaves the old report whole
    for kind, data in (("notebook", nbformat.writes(nb)), ("html", page)):
        written[kind] = files.atomic_write(report[kind], data)
    if failed_path.exists():  # an earlier failure's notebook, beside a report that now works
        failed_path.unlink()
        log(f"report {assignment}: removed {failed_path} (an earlier run's failure)")
    # an earlier PDF goes before printing: a Ctrl-C while Chromium prints cannot leave it current
    stale_pdf = report["pdf"].exists()
    report["pdf"].unlink(missing_ok=True)
    if pdf:
        engine = find_pdf_engine()
        if engine is None:
            log(f"report {assignment}: no PDF (no headless Chromium found; on Debian/Ubuntu "
                "`apt-get install chromium` enables it)")
        else:
            try:
                written["pdf"] = print_pdf(engine, written["html"], report["pdf"])
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                log(f"report {assignment}: no PDF ({e})")
    if "pdf" not in written and stale_pdf:
        log(f"report {assignment}: removed {report['pdf']}, printed from an earlier run's page")
    kinds = ", ".join(f"{k} {p}" for k, p in written.items())
    log(f"report {assignment}: wrote {kinds} in {time.perf_counter() - t0:.0f} s")
    return written


# the notebook parameters that name an input (what --data and --text set)
INPUT_PARAMS = ("data_dir", "text_file")


def _input_path(flag: str, value: str | None) -> str | None:
    """An input path given on the command line, absolute: the kernel runs in --out, where a
    relative one (`--param text_file=my.txt`) was looked for, or another file of that name
    read. An empty one ("$UNSET") is refused, not read as the working directory; so is one
    that is not there (a folder for --data, a file for --text), before any notebook runs:
    `all --text typo.txt` ran a1-a3 for minutes, then failed in a4."""
    if value is None:
        return None
    if not str(value).strip():
        raise ValueError(f"{flag} is empty; leave it out to use the default")
    path = Path(value).expanduser().resolve()
    folder = flag in ("--data", "--param data_dir=")
    if not (path.is_dir() if folder else path.is_file()):
        what = "folder" if folder else "file"
        given = f"{flag}{path}" if flag.endswith("=") else f"{flag} {path}"
        raise ValueError(f"{given}: " + (f"not a {what}" if path.exists()
                                         else f"no such {what}"))
    return str(path)


def _search_out(value: str, name: str, several: bool) -> str:
    """`--param search_out=DIR` for notebook `name`, absolute: DIR/name when a2 and a3 both
    search (`all`), else DIR. A search that the other layout left there is refused before any
    notebook runs, not started afresh beside its trials without a word: DIR's own under `all`
    (an `all` before each search had its folder, or `report a2`), DIR/name's without it."""
    path = Path(value).expanduser().resolve()
    mine, other = (path / name, path) if several else (path, path / name)
    if (other / STORE_FILES[0]).is_file() and not (mine / STORE_FILES[0]).is_file():
        try:
            model = f"a {json.loads((other / STORE_FILES[0]).read_text())['model']} search"
        except (OSError, ValueError, KeyError, TypeError):
            model = "a search"
        raise ValueError(f"--param search_out={value}: {other} holds {model} of an earlier "
                         f"report, and this one searches for {name} in {mine}; to resume it, " + (
                             f"move its files to {path}/<the notebook that made it>"
                             if several else f"give search_out={other}") +
                         ", or give another search_out")
    return str(mine)


def run(args: argparse.Namespace) -> int:
    if not args.out.strip():  # ("$UNSET": the reports went to the working directory)
        raise ValueError("--out is empty (an unset variable?); name the folder, or leave it out")
    names = list(NOTEBOOKS) if args.assignment == "all" else [args.assignment]
    raw = parse_params(args.param)
    given = notebook_params(raw, names)  # all checked before any runs
    # (as a --param no selected notebook takes: refused, not dropped without a word)
    for flag, value, takers in (("--data", args.data, {"a1", "a2", "a3"}),
                                ("--text", args.text, {"a4"})):
        if value is not None and not takers & set(names):
            raise ValueError(f"{flag} is for {', '.join(sorted(takers))}; "
                             f"{args.assignment} does not read it")
    for flag, value in (("--data", args.data), ("--text", args.text)):
        _input_path(flag, value)
    # two notebooks searching in one folder: a3's failed on a2's ("holds a different search")
    # after a1 and a2 had run (hours): each gets its own subfolder, said here
    searchers = [n for n in names if isinstance(given[n].get("search_out"), str)
                 and given[n]["search_out"].strip()]
    for name in names:  # --param data_dir=/text_file= are --data/--text by another name
        for key in INPUT_PARAMS:
            if isinstance(given[name].get(key), str):
                given[name][key] = _input_path(f"--param {key}=", given[name][key])
        # absolute here too (the kernel runs in --out: search_out=s went to reports/s, ~/s to "~")
        value = given[name].get("search_out")
        if isinstance(value, str) and value.strip():
            given[name]["search_out"] = _search_out(value, name, len(searchers) > 1)
        # --data and --param data_dir= (--text and text_file=) both given: the --param won
        # without a word; the same path twice is let through, two paths are refused
        for flag, value, key in (("--data", args.data, "data_dir"),
                                 ("--text", args.text, "text_file")):
            if value is not None and key in given[name] and \
                    given[name][key] != _input_path(flag, value):
                raise ValueError(f"{flag} {value} and --param {key}={raw[key]} name "
                                 f"different inputs for {name}; give one of them")
    if len(searchers) > 1:
        print(f"note: --param search_out={raw['search_out']}: "
              + ", ".join(f"{n}'s search goes to {given[n]['search_out']}" for n in searchers)
              + " (one folder per search)", file=sys.stderr)
    full = [n for n in names if given[n].get("quick") is False]
    if args.quick and full:  # (the documented rule, said: it was followed without a word)
        print(f"note: --param quick=False wins over --quick: {', '.join(full)} "
              f"run{'s' * (len(full) == 1)} at full size", file=sys.stderr)
    out, say = Path(args.out), files.StdoutPrinter("report")  # (paths stdout cannot encode)
    for i, name in enumerate(names):
        # with `all`, a stop or a failure says which reports were written and which not run
        done, rest = ", ".join(names[:i]), ", ".join(names[i + 1:])
        more = "".join([f"; {done} written" if done else "", f"; {rest} not run" if rest else ""])
        params: dict[str, Any] = {"progress": False}
        if name == "a4":
            if args.text is not None:
                params["text_file"] = _input_path("--text", args.text)
        elif args.data is not None:
            params["data_dir"] = _input_path("--data", args.data)
        if args.quick:
            params["quick"] = True
        params.update(given[name])  # (an explicit --param quick=... wins over --quick)
        try:
            with sigterm_as_interrupt():  # the kernel is shut down, the last good report kept
                build_report(name, out, params, code=args.code, pdf=not args.no_pdf,
                             timeout=args.timeout, log=say)
        except KeyboardInterrupt as e:
            why, code = stopped(e)
            print(f"tinygrad-dl report: {why}" + (f" in {name}{more}" if more else ""),
                  file=sys.stderr)
            return code
        except RuntimeError as e:
            if not more:
                raise
            raise RuntimeError(f"{e}{more}") from None
    return 0
