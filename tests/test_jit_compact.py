"""A compiled step made smaller (jit/compact.py): locals whose lives do not overlap share a
name, and the line table keeps lines without columns. Neither may change what runs: the
renamed source runs as the original on random straight-line programs, a name that takes
over another starts from None where the original did, anything that is not plain names and
straight-line code is left as written, and a replay stays bit-identical to eager."""

import random
import sys
import traceback

import numpy as np
import pytest

import tinygrad_dl.models as models
from tinygrad_dl import Tensor, ops
from tinygrad_dl.jit import Plan, jit
from tinygrad_dl.jit.compact import share_locals, without_columns


def run(lines, env=None):
    """Execute `lines` (a function `f()` whose body is a `try:`), returning what it logged."""
    env = {"log": [], **(env or {})}
    exec(compile("\n".join(lines) + "\n", "<test>", "exec"), env)  # noqa: S102 - our text
    env["f"]()
    return env["log"]


def wrap(body):
    return ["def f():", "    try:", *("        " + b for b in body), "    finally:",
            "        pass"]


def compact(lines, globals_=()):
    return share_locals(lines, range(2, len(lines) - 2), set(globals_))


def random_program(rng):
    """Straight-line statements over r/g/o locals, `if` blocks among them, the backward's
    `g1 = g2 = ... = None` line first, each value logged: any wrong sharing logs another
    value (or raises)."""
    inits = [f"g{i}" for i in range(6)] + [f"o{i}" for i in range(6)]
    body, assigned, n = [" = ".join(inits) + " = None"], list(inits), 0
    for _ in range(rng.randint(5, 40)):
        kind = rng.random()
        src = rng.choice(assigned)
        if kind < 0.45:
            name = f"r{n}" if rng.random() < 0.7 else rng.choice(inits)
            n += 1
            body.append(f"{name} = ({src} or 0) + {rng.randint(1, 9)}")
            assigned.append(name)
        elif kind < 0.6:
            body.append(f"{rng.choice(assigned)} = None")
        elif kind < 0.85:
            target = rng.choice(inits)
            body += [f"if {src} is not None:", f"    {target} = ({src} or 0) * 2",
                     f"    log.append({target})"]
        else:
            body.append(f"log.append({src})")
    body.append("log.append((" + ", ".join(assigned[-3:]) + ",))")
    return wrap(body)


@pytest.mark.parametrize("seed", range(300))
def test_renamed_random_programs_log_what_the_original_logs(seed):
    lines = random_program(random.Random(seed))
    new = compact(lines)
    assert run(new) == run(lines), "\n".join(new)


def test_locals_that_do_not_overlap_share_a_name_and_start_from_none():
    lines = wrap(["g1 = g2 = o1 = o2 = None", "r1 = 5", "g1 = r1", "log.append(g1)",
                  "r1 = None", "r2 = 7", "if r2 is not None:", "    log.append(g2)",
                  "    g2 = r2", "log.append(g2)", "log.append(o2)"])
    new = compact(lines)
    assert run(new) == run(lines) == [5, None, 7, None]
    # r1 and r2 share one name, g1 and g2 another (g2 set None before it starts)
    assert sum("r0" in line for line in new) >= 2 and not any("r2" in line for line in new)
    assert "        g0 = None" in new


def test_a_name_read_before_it_is_set_gets_none_not_its_last_tenant_s_value():
    """`o5` is read in a block before anything sets it (the original would raise
    NameError... unless a None line set it): sharing must not hand it r1's leftover."""
    lines = wrap(["o1 = o5 = None", "o1 = 3", "log.append(o1)", "if o1:",
                  "    log.append(o5)"])
    assert run(compact(lines)) == run(lines) == [3, None]


@pytest.mark.parametrize("body", [
    ["r1 = 1", "for i in range(2):", "    r2 = r1 + i", "log.append(r2)"],  # a loop
    ["r1 = 1", "log.append('r1')"],  # a string: renamed by text, it would change
    ["r1 = 1", "x = type('T', (), {})()", "x.r1 = 2", "log.append(x.r1)"],  # an attribute
    ["r1 = 1", "log.append(dict(r2=r1))"],  # a keyword
    ["r1 = 1", "log.append(locals())"],  # a name that sees the locals
])
def test_what_is_not_straight_line_code_over_plain_names_is_left_as_written(body):
    lines = wrap(body)
    assert compact(lines) == lines


def test_globals_and_names_outside_the_body_keep_their_names():
    lines = ["def f():", "    r9 = 4", "    try:", "        r1 = r9 + g7", "        r1 = None",
             "        r2 = 2", "        log.append(r2)", "    finally:", "        pass"]
    new = share_locals(lines, range(3, 7), {"g7"})
    assert new[3] == "        r0 = r9 + g7" and new[6] == "        log.append(r0)"
    assert run(new, {"g7": 1}) == [2]


def test_the_line_table_keeps_lines_not_columns_and_a_traceback_its_line():
    src = "def f(a):\n    b = a + 1\n    c = b * 2\n    return c / a\n"
    env = {}
    exec(compile(src, "<columns>", "exec"), env)  # noqa: S102 - our text
    f = env["f"]
    old = f.__code__
    f.__code__ = new = without_columns(old)
    if sys.version_info >= (3, 11):
        assert len(new.co_linetable) < len(old.co_linetable)
        assert all(p[2] is None and p[3] is None for p in new.co_positions())
    assert [line for _, _, line in new.co_lines()] == [line for _, _, line in old.co_lines()] \
        or [p[0] for p in new.co_positions()] == [p[0] for p in old.co_positions()]
    with pytest.raises(ZeroDivisionError) as e:
        f(0)
    assert traceback.extract_tb(e.value.__traceback__)[-1].lineno == 4


def plan_of(jitted):
    return next(v for v in jitted.cache.values() if type(v) is Plan)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_char_rnn_plan_shares_its_locals_and_replays_as_eager(dtype):
    """The unrolled char-RNN (T=12): its ~14 locals per time step share names (what each
    step's hidden state and its gradient need live, ~5), and every update's loss and
    gradients are eager's bits."""
    rng = np.random.default_rng(0)
    seqs = rng.integers(0, 20, (6, 13))
    grads = {}
    for how in ("eager", "jit"):
        model = models.CharRNN(20, m=16, rng=np.random.default_rng(1), dtype=dtype)

        def step(X, Y, h0, model=model):
            J = model.loss(X, Y, h0)
            J.backward()
            return J

        f = jit(step) if how == "jit" else step
        h, out = np.zeros(16, dtype), []
        for s in seqs:
            for p in model.parameters():
                p.grad = None
            J = f(s[:-1], s[1:], h)
            out.append((float(J.item()), *(p.grad.copy() for p in model.parameters())))
            for p in model.parameters():
                p.data -= 0.1 * p.grad
            h = model.h_last
        grads[how] = out
        if how == "jit":
            code = plan_of(f).entry.__code__
            assert f.replays == len(seqs) - 2
            assert code.co_nlocals < 90, code.co_nlocals  # (66; 170 before sharing)
    for a, b in zip(grads["eager"], grads["jit"]):
        assert a[0] == b[0] and all(np.array_equal(x, y) for x, y in zip(a[1:], b[1:]))


def test_a_replayed_op_s_error_names_its_line_in_the_source():
    """Tracebacks through a compiled step still give the line that raised (columns are
    gone, lines are not)."""
    x = Tensor(np.ones(3), requires_grad=True)

    class Boom(Exception):
        pass

    calls = []

    def fn(a):
        calls.append(1)
        if len(calls) > 3:
            raise Boom
        return a

    step = jit(lambda: ops.Tap.apply(x * 2.0, fn=fn).sum().backward())
    for _ in range(3):
        x.grad = None
        step()
    with pytest.raises(Boom) as e:
        x.grad = None
        step()
    frames = [f for f in traceback.extract_tb(e.value.__traceback__)
              if f.filename.startswith("<jit")]
    assert frames and frames[-1].lineno is not None
    src = plan_of(step).source.split("\n")
    assert "f" in src[frames[-1].lineno - 1] and "(" in src[frames[-1].lineno - 1]
