"""PyTorch's `LBFGS`: limited-memory BFGS over all parameters as one flat vector, with an
optional strong-Wolfe line search (Nocedal and Wright, Numerical Optimization, algorithms 7.4,
3.5 and 3.6; torch's port of minFunc's `lswolfe`, step for step, so the iterates are torch's).

Each `step(closure)` runs up to `max_iter` iterations, calling `closure()` (which zeroes the
gradients, computes the loss, calls backward and returns the loss) once per iteration, or
several times per iteration with the line search. The direction comes from the two-loop
recursion over the last `history_size` pairs s = x_{k+1} - x_k, y = g_{k+1} - g_k.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import engine, write_guard
from ..grad import check_hand_grad
from ..grad_mode import enable_grad
from ..ops.shape import caller_level
from .optimizer import Optimizer
from .state_dtype import follow_flat_dtype

# the iteration's state, kept in state[0] as torch keeps it under its first parameter; the
# flat vectors (numel,), the lists of them the history
_FLAT = ("d", "prev_flat_grad")
_LISTS = ("old_dirs", "old_stps", "ro")
# what an iteration reads of the last one (prev_loss is written before it is read)
_ITER = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad")


class LBFGS(Optimizer):
    """LBFGS(params, lr=1, max_iter=20, max_eval=None (max_iter * 5 // 4), tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None or "strong_wolfe").

    One parameter group only, as in PyTorch; all parameters of one floating dtype. Its memory
    is about 2 * history_size + 3 flat copies of the parameters.
    """

    state_counters = ("func_evals", "n_iter")  # (its "t" is a step length, a float)
    state_none_ok = True
    # (t = lr or a share of it; ro = 1 / y.s and H_diag = y.s / y.y, y.s > 1e-10: a NaN ro
    # gave NaN weights, H_diag < 0 turned every direction uphill, the run stopped there; 0 is
    # a run's own: a float32 run going astray underflows H_diag, an overflowed y.s gives ro 0)
    state_ranges = {"t": (0.0, False, math.inf), "H_diag": (0.0, False, math.inf),
                    "ro": (0.0, False, math.inf)}

    def __init__(self, params: Any, lr: float = 1.0, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if (max_eval is None and isinstance(max_iter, (int, np.integer))
                and not isinstance(max_iter, bool)):
            max_eval = max_iter * 5 // 4
        super().__init__(params, lr, max_iter=max_iter, max_eval=max_eval,
                         tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                         history_size=history_size, line_search_fn=line_search_fn)
        dtypes = {p.data.dtype for p in self.params}
        if len(dtypes) != 1 or next(iter(dtypes)).kind != "f":
            raise TypeError(f"LBFGS: all parameters must have one floating dtype (its flat "
                            f"vectors hold them all), got {sorted(str(d) for d in dtypes)}")
        if not sum(p.data.size for p in self.params):
            raise ValueError("LBFGS: the parameters hold no elements")

    def add_param_group(self, group: dict[str, Any]) -> None:
        if getattr(self, "param_groups", None):
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): "
                             "give all parameters in one list")
        super().add_param_group(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("max_iter", "max_eval", "history_size"):
            v = group[key]
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"LBFGS: {key} must be an integer >= 1, got {v!r}")
        for key in ("tolerance_grad", "tolerance_change"):
            v = group[key]
            if not (isinstance(v, (int, float, np.floating)) and math.isfinite(v) and v >= 0):
                raise ValueError(f"LBFGS: {key} must be a finite number >= 0, got {v!r}")
        if group["line_search_fn"] not in (None, "strong_wolfe"):  # (torch: at the first step)
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{group['line_search_fn']!r}")

    # ---- the parameters as one flat vector ------------------------------------------------
    def _flat_grad(self) -> np.ndarray:
        """Every parameter's gradient, flattened and joined (zeros for one without)."""
        dtype = self.params[0].data.dtype  # (a .grad set by hand in another dtype: cast)
        for p in self.params:  # (one set by hand in another shape: refused, as Optimizer's)
            if p.grad is not None and np.shape(p.grad) != p.data.shape:
                raise ValueError(f"LBFGS.step(): gradient of shape {np.shape(p.grad)} for "
                                 f"parameter {p.name or '?'} of shape {p.data.shape}")
            if isinstance(p.grad, np.ndarray):  # (a masked or complex one: mask, imag dropped)
                check_hand_grad(f"LBFGS.step(): the .grad of parameter {p.name or '?'}",
                                p.grad, p.data.dtype)
        return np.concatenate([np.zeros(p.data.size, dtype) if p.grad is None else
                               np.asarray(p.grad).reshape(-1).astype(dtype, copy=False)
                               for p in self.params])

    def _add(self, t: Any, d: np.ndarray) -> None:
        """x += t d, parameter by parameter (torch's `p.add_(d_p, alpha=t)`)."""
        at = 0
        for p in self.params:
            a = write_guard.writable(p, "LBFGS.step()")  # a live graph keeps its own copy
            n = a.size
            a += d[at:at + n].reshape(a.shape) * a.dtype.type(t)
            at += n

    def _set(self, xs: list[np.ndarray]) -> None:
        for p, x in zip(self.params, xs):
            write_guard.writable(p, "LBFGS.step()")[...] = x

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Up to max_iter iterations; returns the closure's first loss (before the step)."""
        if closure is None or not callable(closure):
            raise TypeError("LBFGS.step needs a closure that zeroes the gradients, computes the "
                            "loss, calls loss.backward() and returns the loss: opt.step(closure)")
        who = "LBFGS.step()"
        engine.notify_write(who)  # inside a jitted step: refused
        self._check_groups(who)
        group = self.param_groups[0]
        self._check_group(group)  # (edited since it was added: 'wolfe' would run strong-Wolfe)
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        if lr == 0 and group["line_search_fn"] is not None:  # (torch: ZeroDivisionError)
            raise ValueError(f"{who}: lr=0 with line_search_fn={group['line_search_fn']!r}: the "
                             "line search interpolates between the steps 0 and lr; use lr > 0")
        state = self.state[0]

        def evaluate() -> Any:
            with enable_grad():  # (the closure records its graph whatever the caller's mode)
                out = closure()
            if out is None:  # (float(None) would name neither the step nor the closure)
                raise TypeError(f"{who}: the closure returned None; it must return the loss "
                                "(... loss.backward(); return loss)")
            return out

        orig_loss = evaluate()
        for p in self.params:  # (after the closure, as torch's; before any state changes)
            self._array(p, who)  # a read-only array refused, a NumPy scalar made a 0-d array
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        follow_flat_dtype(state, g.dtype, _FLAT, _LISTS)  # (the model cast since the last step)
        if not _finite_point(loss, g, who) or np.abs(g).max() <= tol_grad:  # optimal already
            return orig_loss  # (or NaN/inf there: torch's steps made the parameters NaN)
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_g, prev_loss = (state.get("H_diag"), state.get("prev_flat_grad"),
                                     state.get("prev_loss"))
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:  # steepest descent to begin
                d, old_dirs, old_stps, ro, H_diag = -g, [], [], [], 1
            else:
                y = g - prev_g
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # curvature condition: the pair enters the history
                    if len(old_dirs) == history:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)  # the initial inverse Hessian's scale
                d = _two_loop(g, old_stps, old_dirs, ro, H_diag)
            prev_g = g.copy()
            prev_loss = loss
            # the first step is scaled to at most lr / |g|_1
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)  # the directional derivative
            if not math.isfinite(gtd):  # the history's direction overflowed (y.y or y.s inf:
                # H_diag NaN; torch stepped to NaN parameters): steepest descent again
                _warn_restart(who, gtd)
                d, old_dirs, old_stps, ro, H_diag = -g, [], [], [], 1
                t = min(1.0, 1.0 / np.abs(g).sum()) * lr
                gtd = g.dot(d)
            if not gtd <= -tol_change:  # (NaN too: g.g overflowed, no finite step)
                break
            if group["line_search_fn"] is not None:
                x0 = [p.data.copy() for p in self.params]

                def along(x: list[np.ndarray], t: Any, d: np.ndarray) -> tuple[float, np.ndarray]:
                    self._add(t, d)  # f and g at x + t d, then back to x
                    f = float(evaluate())
                    gn = self._flat_grad()
                    self._set(x)
                    return f, gn

                loss, g, t, ls_evals = _strong_wolfe(along, x0, t, d, loss, g, gtd,
                                                     max_ls=max_eval - evals)
                self._add(t, d)
                optimal = np.abs(g).max() <= tol_grad
            else:  # a fixed step; evaluated again unless it is the last iteration
                self._add(t, d)
                ls_evals = 0
                optimal = False
                if n_iter != max_iter:
                    loss = float(evaluate())
                    g = self._flat_grad()
                    # (NaN or inf there: stop, the state finite; torch's next direction was
                    # NaN, and every step after it)
                    optimal = not _finite_point(loss, g, who) or np.abs(g).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if (n_iter == max_iter or evals >= max_eval or optimal
                    or np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change):
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss

    # ---- saving: the history is lists of flat vectors, not arrays shaped as a parameter ----
    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        out["state"][0] = {k: [_copy(x) for x in v] if k in _LISTS and v is not None else v
                           for k, v in out["state"][0].items()}
        return out

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """As Optimizer's, with the history checked against the parameters' total size, the
        group's history_size and itself: a state cut short (d without old_dirs: a TypeError
        naming neither in the next step; a history without n_iter: dropped without a word),
        lists of unequal lengths (ro longer than old_dirs: a divergent run) or a ro, H_diag
        or t out of range (a NaN ro: NaN weights; H_diag < 0: ascent) are one line each."""
        state = d.get("state") if isinstance(d, dict) else None
        if not isinstance(state, (list, tuple)) or not state or not isinstance(state[0], dict):
            raise ValueError("LBFGS.load_state_dict: 'state' must be a non-empty list of dicts")
        n = sum(p.data.size for p in self.params)
        dtype = self.params[0].data.dtype
        own = dict(state[0])
        self._check_history(own, d)
        for k in _FLAT:
            if own.get(k) is not None:
                own[k] = _vector(own[k], n, dtype, k)
        for k in ("old_dirs", "old_stps"):
            if own.get(k) is not None:
                own[k] = [_vector(v, n, dtype, k) for v in own[k]]
        # the scalars too, as torch casts its tensors (a float64 ro or H_diag would make the
        # next direction float64: NumPy promotes by a float64 scalar); Python numbers stay
        if own.get("ro") is not None:
            own["ro"] = [dtype.type(self._state_number(0, "ro", r)) for r in own["ro"]]
        rest = {k: v for k, v in own.items() if k not in (*_FLAT, *_LISTS)}
        super().load_state_dict({**d, "state": [rest, *state[1:]]})
        cast = {k: dtype.type(own[k]) for k in ("t", "H_diag")  # (checked numbers by now)
                if isinstance(own.get(k), (np.floating, np.ndarray))}
        self.state[0] = {**own, **self.state[0], **cast}  # (its counters as checked: ints)

    def _check_history(self, own: dict[str, Any], d: dict[str, Any]) -> None:
        """The iteration's keys all together, present once an iteration ran (n_iter >= 1),
        the history's three lists of one length, at most the group's history_size."""
        who = "LBFGS.load_state_dict"
        n_iter = own.get("n_iter")
        started = n_iter is not None and self._state_number(0, "n_iter", n_iter) >= 1
        held = [k for k in _ITER if own.get(k) is not None]
        if started and len(held) < len(_ITER):
            missing = next(k for k in _ITER if k not in held)
            raise ValueError(f"{who}: state lacks {missing!r} (it holds {sorted(map(str, own))}, "
                             f"n_iter {n_iter}): an iterated state holds {list(_ITER)} together")
        if held and not started:
            raise ValueError(f"{who}: state holds the history ({held[0]!r}...) but n_iter "
                             f"{n_iter!r}, not >= 1: it would be dropped at the next step")
        if not started:
            return
        for k in _LISTS:
            if not isinstance(own[k], (list, tuple)):
                raise ValueError(f"{who}: state {k!r} must be a list (one entry per pair of "
                                 f"the history), got {type(own[k]).__name__}")
        sizes = [len(own[k]) for k in _LISTS]
        if len(set(sizes)) != 1:
            raise ValueError(f"{who}: the history's lists differ in length (old_dirs "
                             f"{sizes[0]}, old_stps {sizes[1]}, ro {sizes[2]}); one entry per "
                             "pair in each")
        groups = d.get("param_groups")  # (the saved group's wins, as Optimizer loads it)
        saved = groups[0] if isinstance(groups, list) and groups and isinstance(
            groups[0], dict) else {}
        history = saved.get("history_size", self.param_groups[0]["history_size"])
        if isinstance(history, (int, np.integer)) and sizes[0] > history:  # (else: refused
            # by the group's check) a longer one was never trimmed, each pair kept for good
            raise ValueError(f"{who}: the history holds {sizes[0]} pairs, more than the "
                             f"group's history_size {history}")


def _finite_point(loss: float, g: np.ndarray, who: str) -> bool:
    """False, with a RuntimeWarning, where the loss or the gradient at the current point is
    NaN or infinite: no direction to step along (torch's steps went on with a NaN direction,
    every parameter NaN after them); the parameters and the history stay as they are."""
    if math.isfinite(loss) and np.isfinite(g).all():
        return True
    warnings.warn(f"{who}: the closure gave a NaN or infinite loss or gradient at the current "
                  f"point (loss {loss}); no step taken from it (torch's steps made every "
                  "parameter NaN): check the model and its inputs, or use a smaller lr",
                  RuntimeWarning, stacklevel=caller_level())
    return False


def _warn_restart(who: str, gtd: Any) -> None:
    warnings.warn(f"{who}: the L-BFGS direction overflowed (slope {gtd}: gradients near the "
                  "float range's end); the history is dropped and the iteration restarts from "
                  "steepest descent (torch's stepped to NaN parameters)", RuntimeWarning,
                  stacklevel=caller_level())


def _copy(v: Any) -> Any:
    return v.copy() if isinstance(v, (np.ndarray, np.generic)) else v


def _vector(v: Any, n: int, dtype: np.dtype, key: str) -> np.ndarray:
    a = np.asarray(v)
    if a.shape != (n,):
        raise ValueError(f"LBFGS.load_state_dict: state {key!r} has shape {a.shape}, the "
                         f"parameters' flat size is ({n},)")
    if a.dtype.kind != "f":  # (strings: NumPy's "could not convert"; complex: its imaginary
        # part dropped with only NumPy's warning)
        raise ValueError(f"LBFGS.load_state_dict: state {key!r} has dtype {a.dtype}, not a "
                         "floating-point one")
    return a.astype(dtype, copy=True)


def _two_loop(g: np.ndarray, S: list[np.ndarray], Y: list[np.ndarray], ro: list[Any],
              H_diag: Any) -> np.ndarray:
    """-H g for the L-BFGS inverse Hessian H of the pairs (s_i, y_i) (Nocedal and Wright,
    algorithm 7.4); S, Y: torch's `old_stps`, `old_dirs`."""
    al = [None] * len(Y)
    q = -g
    for i in range(len(Y) - 1, -1, -1):
        al[i] = S[i].dot(q) * ro[i]
        q += Y[i] * -al[i]
    r = q * H_diag
    for i in range(len(Y)):
        be = Y[i].dot(r) * ro[i]
        r += S[i] * (al[i] - be)
    return r


def _cubic_min(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
               bounds: tuple[Any, Any] | None = None) -> Any:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clipped to
    `bounds` (default: between the two points); their midpoint where the cubic has none."""
    lo, hi = bounds if bounds is not None else (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if not d2_square >= 0:  # (NaN too, as torch's `if d2_square >= 0`: not a NaN step)
        return (lo + hi) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        m = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        m = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    if m != m:  # finite ends whose cubic overflows (d1 ** 2 inf: inf / inf) -- torch's NaN
        return (lo + hi) / 2.0  # step called the closure at NaN parameters; the midpoint
    return min(max(m, lo), hi)


def _strong_wolfe(f_at: Callable[..., tuple[float, np.ndarray]], x: list[np.ndarray], t: Any,
                  d: np.ndarray, f: float, g: np.ndarray, gtd: Any, c1: float = 1e-4,
                  c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25
                  ) -> tuple[float, np.ndarray, Any, int]:
    """A step t along d meeting the strong Wolfe conditions (sufficient decrease c1, curvature
    c2): bracket an interval that holds one, then zoom into it by cubic interpolation
    (Nocedal and Wright, algorithms 3.5 and 3.6). Returns (f, g, t, evaluations)."""
    d_norm = np.abs(d).max()
    f_new, g_new, gtd_new = _trial(f_at, x, t, d)
    evals, bad = 1, int(f_new == math.inf)  # (the trials that read as too long a step)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    it = 0
    while it < max_ls:  # bracketing
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            br, br_f, br_g, br_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev,
                                                                                     gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:  # the strong Wolfe conditions hold at t
            br, br_f, br_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            br, br_f, br_g, br_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev,
                                                                                     gtd_new]
            break
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                            bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new, gtd_new = _trial(f_at, x, t, d)
        evals, bad = evals + 1, bad + (f_new == math.inf)
        it += 1
    if it == max_ls:  # no bracket found: the last point (zoom does not run)
        br, br_f, br_g = [0, t], [f, f_new], [g, g_new]
    low, high = (0, 1) if br_f[0] <= br_f[-1] else (1, 0)
    slow = False  # the last trial made too little progress
    while not done and it < max_ls:  # zoom
        if abs(br[1] - br[0]) * d_norm < tolerance_change:
            break
        if math.inf in br_f:  # an end too far (a non-finite loss there): bisect
            t = (br[0] + br[1]) / 2.0
        else:
            t = _cubic_min(br[0], br_f[0], br_gtd[0], br[1], br_f[1], br_gtd[1])
        lo, hi = min(br), max(br)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < eps:  # near an end: moved 0.1 of the bracket inside
            if slow or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                slow = False
            else:
                slow = True
        else:
            slow = False
        f_new, g_new, gtd_new = _trial(f_at, x, t, d)
        evals, bad = evals + 1, bad + (f_new == math.inf)
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= br_f[low]:  # no sufficient decrease: new high
            br[high], br_f[high], br_g[high], br_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if br_f[0] <= br_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (br[high] - br[low]) >= 0:  # the old low becomes the high
                br[high], br_f[high], br_g[high], br_gtd[high] = (br[low], br_f[low], br_g[low],
                                                                  br_gtd[low])
            br[low], br_f[low], br_g[low], br_gtd[low] = t, f_new, g_new, gtd_new
    if bad:  # (one warning a search, not one a trial: 25 a step where it bisected 25 times)
        warnings.warn(f"LBFGS.step(): the closure gave a NaN or infinite loss or gradient at "
                      f"{bad} of {evals} trial steps of the line search; each is taken as too "
                      "long a step and the search bisects back (torch's would stop there, raise "
                      "IndexError or try NaN steps)", RuntimeWarning, stacklevel=caller_level())
    return br_f[low], br_g[low], br[low], evals


def _trial(f_at: Callable[..., tuple[float, np.ndarray]], x: list[np.ndarray], t: Any,
           d: np.ndarray) -> tuple[float, np.ndarray, Any]:
    """f, g and the slope g.d at x + t d. A NaN or infinite loss or slope reads as loss +inf:
    too long a step, which the search brackets and bisects back from (torch's comparisons
    took a NaN point for the search's answer, or raised IndexError where its slope met the
    curvature test; an inf loss made the cubic's next step NaN, tried to the last evaluation)."""
    f, g = f_at(x, t, d)
    gtd = g.dot(d)
    return (f, g, gtd) if math.isfinite(f) and math.isfinite(gtd) else (math.inf, g, gtd)
