"""Where random numbers come from when no generator is given: one seeded default generator.

Everything that draws (Tensor.randn, the layers' weight inits, Dropout's masks, DataLoader's
shuffling) takes an explicit generator, `rng=` or `generator=`: a NumPy `np.random.Generator`
or a `tinygrad_dl.Generator`. Given one, it draws from that alone. Without one, it draws from
`default_generator`, which is seeded with DEFAULT_SEED when tinygrad_dl is imported, so a script
gives the same numbers every run (PyTorch's default generator is seeded at start-up too), and
`manual_seed(s)` reseeds it. The course models and `tinygrad-dl train` pass their own `rng=`
built from the run's seed, so `manual_seed` does not change them.

The draws themselves live here (`normal`, `uniform`, `integers`), so every caller draws the
same way: floats in float64 from the generator, then cast to the dtype asked for (a float32
tensor holds the float64 draw rounded, whatever its dtype); integers in their own dtype.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from . import hooks
from .device import CPU, check_device

__all__ = ["DEFAULT_SEED", "Generator", "as_rng", "default_generator", "exact_range",
           "initial_seed", "integers", "manual_seed", "multinomial_draws", "normal", "seed",
           "successive_draws", "uniform"]

DEFAULT_SEED = 0


def _check_seed(s: Any, who: str = "manual_seed") -> int:
    if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
        raise TypeError(f"{who}: the seed must be an int, got {type(s).__name__} {s!r}")
    return int(s) % (1 << 64)  # negative seeds wrap, as PyTorch's do


class Generator:
    """PyTorch's `torch.Generator` on NumPy: a seedable source of random numbers.

    `manual_seed(s)` reseeds it and returns it (`Generator().manual_seed(0)`); `.rng` is the
    `np.random.Generator` it draws with. Reseeding happens in place, so a layer that holds
    `.rng` draws from the new seed too.
    """

    def __init__(self, device: Any = "cpu", seed: int = DEFAULT_SEED) -> None:
        check_device(device, "Generator")
        self._seed = _check_seed(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        # a reseed inside a jitted step would not be redone by its replay (which runs no
        # Python of the step): a writer, as optimizer.step() is
        hooks.notify_write("manual_seed()")
        seed = _check_seed(seed)
        bits = self.rng.bit_generator
        # under the stream's lock, as torch's: NumPy's state setter takes none, so another
        # thread's draw running then (its lock held, the GIL released) went on from the new
        # state and left it advanced (the next draws were not the seed's); it waits now
        with bits.lock:
            self._seed = seed
            # PCG64(s) is exactly what np.random.default_rng(s) draws with
            bits.state = np.random.PCG64(seed).state
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the current stream started from (after set_state, the restored state's)."""
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The bit generator's state (a new dict) and, under "seed", the seed it came from."""
        bits = self.rng.bit_generator
        with bits.lock:  # (not halfway through another thread's draw: see manual_seed)
            return {**bits.state, "seed": self._seed}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore a get_state(): the stream and its seed, so initial_seed() reports the
        restored state's seed, as PyTorch's does (it reported the seed set before)."""
        hooks.notify_write("Generator.set_state()")
        if not isinstance(state, dict) or "seed" not in state:
            raise TypeError("Generator.set_state: the state must be a dict from "
                            "Generator.get_state() (with its 'seed'), got "
                            f"{type(state).__name__}{' without a seed' * isinstance(state, dict)}"
                            "; a NumPy bit-generator state goes to .rng.bit_generator.state")
        seed = _check_seed(state["seed"], "Generator.set_state")
        bits = self.rng.bit_generator
        with bits.lock:  # (see manual_seed)
            bits.state = {k: v for k, v in state.items() if k != "seed"}
            self._seed = seed  # after the state: a state NumPy refuses leaves the seed as it was

    def __getstate__(self) -> dict[str, Any]:
        # a copy (or an unpickled one) of the default generator is a new generator at its
        # state, as torch's: its stream copies as itself (see _SharedStream). Others copy
        # their stream with them, so a layer copied along keeps drawing from the copy's.
        state = dict(self.__dict__)
        if isinstance(self.rng, _SharedStream):
            state["rng"] = np.random.Generator(np.random.PCG64())
            bits = self.rng.bit_generator
            with bits.lock:  # (not halfway through another thread's draw, as get_state: the
                state["rng"].bit_generator.state = bits.state  # copy went on from inside it)
        return state

    @property
    def device(self) -> Any:
        return CPU

    def __repr__(self) -> str:
        return f"Generator(seed={self._seed})"


class _SharedStream(np.random.Generator):
    """The default generator's stream. A copy or an unpickled module holding it (a Dropout,
    RReLU, RNN or attention layer made without rng=) draws from the default generator still,
    as torch's modules, which hold no generator, do: a private copy of the stream left
    manual_seed behind, and every copy drew the same masks as the original."""

    __slots__ = ()

    def __copy__(self) -> _SharedStream:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _SharedStream:
        return self

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return _default_stream, ()

    def spawn(self, n_children: int) -> list[np.random.Generator]:
        # plain streams of their own (NumPy's spawn makes type(self): copies and pickles of
        # the children would have been the default stream)
        return [np.random.Generator(b) for b in self.bit_generator.spawn(n_children)]


def _default_stream() -> np.random.Generator:
    """(What an unpickled _SharedStream becomes: this process's default stream.)"""
    return default_generator.rng


default_generator = Generator()
default_generator.rng = _SharedStream(np.random.PCG64(DEFAULT_SEED))


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator (what randn, inits and shuffling use without rng=)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def as_rng(generator: Any = None, who: str = "random") -> np.random.Generator:
    """The np.random.Generator to draw with: the given one, or the default generator's."""
    if generator is None:
        return default_generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, Generator):
        return generator.rng
    raise TypeError(f"{who}: generator must be a tinygrad_dl.Generator or an "
                    f"np.random.Generator, got {type(generator).__name__}")


def float_dtype(dtype: Any, who: str, what: str = "dtype", complex_ok: bool = False) -> np.dtype:
    """`dtype` as a NumPy dtype, or one line refusing a non-float one: float draws cast to an
    integer or bool dtype would be truncated (rand's to all 0, or all True). The one rule of
    rand, randn and the *_like draws (`what`: how the message names the dtype's source);
    `complex_ok`: a complex one too (rand's and randn's, drawn part by part: `normal`)."""
    dt = np.dtype(dtype)
    if dt.kind != "f" and not (complex_ok and dt.kind == "c"):
        raise TypeError(f"{who}: {what} {dt} cannot hold random floats (they would be "
                        "truncated); pass dtype=tinygrad_dl.float32 (or float64), or use randint")
    return dt


def int_dtype(dtype: Any, who: str = "randint") -> np.dtype:
    """`dtype` as a NumPy dtype, or one line refusing one that is not integer or bool: integer
    draws are refused in a float dtype by NumPy with a message naming neither the op nor the
    fix (PyTorch casts them; here a draw's dtype says what was drawn, as rand/randn's do)."""
    dt = np.dtype(dtype)
    if dt.kind not in "iub":
        raise TypeError(f"{who}: dtype {dt} cannot hold integer draws; pass an integer dtype "
                        f"(tinygrad_dl.int64, the default) and cast the result, "
                        f"{who}(...).to({dt.name})")
    return dt


def exact_range(dt: np.dtype) -> tuple[int, int]:
    """The whole numbers a dtype holds, every one of them exactly: [min, max] of an integer
    dtype, [0, 1] of bool, [-2^(m+1), 2^(m+1)] of a float with m mantissa bits (torch's
    bounds for random_ and randperm: beyond them, neighbours round to one value)."""
    if dt.kind in "fc":
        top = 2 ** (np.finfo(dt).nmant + 1)
        return -top, top
    if dt.kind == "b":
        return 0, 1
    return int(np.iinfo(dt).min), int(np.iinfo(dt).max)


def integers(low: int, high: int, shape: Any, dtype: Any = np.int64, generator: Any = None,
             who: str = "randint") -> np.ndarray:
    """Integers on [low, high) of `shape` in `dtype` (integer or bool), from the generator."""
    dt = int_dtype(dtype, who)
    if np.ndim(low) == 0 and np.ndim(high) == 0:  # NumPy's own words name neither op nor fix
        lo, hi = (0, 1) if dt.kind == "b" else (int(np.iinfo(dt).min), int(np.iinfo(dt).max))
        if not low < high:
            raise ValueError(f"{who}: low={low} >= high={high}: the range [low, high) is empty")
        if not (lo <= low and high - 1 <= hi):
            raise ValueError(f"{who}: [low, high) = [{low}, {high}) does not fit dtype {dt} "
                             f"([{lo}, {hi + 1})); pass a wider dtype")
    return as_rng(generator, who).integers(low, high, shape, dtype=dt)


def normal(shape: tuple[int, ...], dtype: Any = np.float64, generator: Any = None,
           who: str = "randn") -> np.ndarray:
    """Standard normal draws of `shape`, float64 from the generator, cast to `dtype`; a
    complex dtype's parts each N(0, 1/2), so that E|z|^2 = 1 (torch's complex randn)."""
    if (getattr(dtype, "kind", None) or np.dtype(dtype).kind) == "c":  # (randn's: a dtype)
        parts = as_rng(generator, who).standard_normal((*shape, 2)) * np.sqrt(0.5)
        return _as_complex(parts, np.dtype(dtype))
    return as_rng(generator, who).standard_normal(shape).astype(dtype, copy=False)


def unit_draws(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Uniform draws on [0, 1) of `shape` in `dtype` (rand's); a complex dtype's parts each
    on [0, 1) (torch's complex rand)."""
    if (getattr(dtype, "kind", None) or np.dtype(dtype).kind) == "c":
        dt = np.dtype(dtype)
        return _as_complex(below(rng.random((*shape, 2)), 1.0, 0.0, np.finfo(dt).dtype), dt)
    return below(rng.random(shape), 1.0, 0.0, dtype)


def _as_complex(parts: np.ndarray, dt: np.dtype) -> np.ndarray:
    """Draws of shape (..., 2), (real, imaginary), as complex numbers of dtype dt."""
    out = np.empty(parts.shape[:-1], dt)
    out.real, out.imag = parts[..., 0], parts[..., 1]
    return out


def uniform(shape: tuple[int, ...], low: float = 0.0, high: float = 1.0, dtype: Any = np.float64,
            generator: Any = None, who: str = "rand") -> np.ndarray:
    """Uniform draws on [low, high) of `shape`, float64 from the generator, cast to `dtype`."""
    return below(as_rng(generator, who).uniform(low, high, shape), high, low, dtype)


def below(draws: np.ndarray, high: float, low: float, dtype: Any) -> np.ndarray:
    """float64 draws on [low, high) cast to `dtype`, still below `high`: a float16 or float32
    cast rounds the draws just under 1.0 up to 1.0 itself (3 in 10,000 float16 ones), which
    [0, 1) promises not to hold (-log(1 - u) was inf)."""
    a = draws.astype(dtype, copy=False)
    if a.dtype.kind == "f" and a.dtype.itemsize < draws.dtype.itemsize and high > low:
        top = np.nextafter(a.dtype.type(high), a.dtype.type(low))
        np.minimum(a, top, out=a)
    return a


def multinomial_draws(weights: Any, num_samples: int, replacement: bool, generator: Any = None,
                      who: str = "multinomial") -> np.ndarray:
    """int64 indices drawn in proportion to the non-negative weights of each row of a 1-D or
    2-D array (torch.multinomial): shape (..., num_samples); without replacement, no index
    twice in a row."""
    w = np.asarray(weights)
    if w.dtype.kind == "c":  # (the cast to float64 dropped the imaginary parts, NumPy's warning)
        raise TypeError(f"{who}: weights must be real, got {w.dtype} (as torch refuses them); "
                        "pass their magnitudes, w.abs()")
    if w.ndim not in (1, 2) or w.shape[-1] == 0:
        raise ValueError(f"{who}: input must be 1-D or 2-D with categories, got shape {w.shape}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or \
            num_samples < 1:
        raise ValueError(f"{who}: num_samples must be a positive int, got {num_samples!r}")
    if not replacement and num_samples > w.shape[-1]:  # (said even with no rows, as torch)
        raise ValueError(f"{who}: {num_samples} samples without replacement from "
                         f"{w.shape[-1]} categories")
    raw = w.reshape(-1, w.shape[-1]).astype(np.float64)
    if not np.all(np.isfinite(raw)) or np.any(raw < 0):
        raise ValueError(f"{who}: weights must be finite and non-negative")
    # each row scaled by its largest weight: a sum of 1e308s overflowed to inf, and r / inf
    # was all zeros (NumPy's "probabilities do not sum to 1"); the proportions are the same
    top = raw.max(axis=1, initial=0.0)
    if np.any(top <= 0):
        raise ValueError(f"{who}: a row of weights sums to 0")
    rows = raw / top[:, None]
    probs = rows / rows.sum(axis=1, keepdims=True)
    # counted in the weights themselves: 1e-300 beside 1e300 is 0 in probs, and was refused
    # as zero where torch draws it once the other is drawn (see successive_draws)
    if not replacement and np.any((raw > 0).sum(axis=1) < num_samples):
        raise ValueError(f"{who}: {num_samples} samples without replacement from a row "
                         "with fewer non-zero weights")
    if rows.shape[0] == 0:  # (no rows: np.stack of none raised)
        return np.zeros((*w.shape[:-1], int(num_samples)), dtype=np.int64)
    g, k = as_rng(generator, who), int(num_samples)
    # (one draw is p_i either way: one uniform's inverse CDF, not the race's n exponential
    # draws and logs, which made k=1 1.2-1.6x slower than before at 1e4-1e5 weights)
    if replacement or k == 1:
        out = np.stack([g.choice(rows.shape[1], size=k, p=p) for p in probs])
    else:
        out = np.stack([successive_draws(r, k, g) for r in raw])
    return out.reshape(*w.shape[:-1], k)


def successive_draws(weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct indices of a 1-D float64 array of finite non-negative weights (at least k
    of them > 0), drawn one after another, each in proportion to the weights of those not yet
    drawn (torch.multinomial without replacement): the k smallest E_i / w_i over the positive
    weights (E_i standard exponential draws: the exponential race, torch's own method),
    compared as log E_i - log w_i, so any range of weights keeps its proportions (1e-300
    beside 1e300: probabilities scaled to sum to 1 rounded the small one to 0, never drawn)."""
    pos = np.flatnonzero(weights > 0)
    with np.errstate(divide="ignore"):  # (a draw of exactly 0: log -inf, drawn first)
        keys = np.log(rng.standard_exponential(pos.size)) - np.log(weights[pos])
    if k < pos.size:  # (the k smallest, then in order: not a whole sort of a long row)
        keys_k = np.argpartition(keys, k - 1)[:k]
        return pos[keys_k[np.argsort(keys[keys_k], kind="stable")]]
    return pos[np.argsort(keys, kind="stable")]
