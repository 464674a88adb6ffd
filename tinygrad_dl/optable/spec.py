"""What a row of the op table says (OpInfo), and where its tests' inputs come from (Domain
and the samples: pure data, which tinygrad_dl.testing makes into hypothesis strategies)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..tensor import Tensor


# ---- where test inputs come from (pure data; tinygrad_dl.testing makes the strategies) ------
@dataclass(frozen=True)
class Domain:
    """Values in [lo, hi], pushed `margin` away from the points in `avoid` (the op's kinks,
    poles and jumps); `distinct`: pairwise at least `gap` apart (multiples of it within
    300 gaps of 0, lo and hi unused), so maxima and sort orders are untied."""

    lo: float = -3.0
    hi: float = 3.0
    avoid: tuple[float, ...] = ()
    margin: float = 0.1
    distinct: bool = False
    gap: float = 0.01


REAL = Domain()
POSITIVE = Domain(0.2, 4.0)
NONZERO = Domain(avoid=(0.0,), margin=0.5)
KINK0 = Domain(avoid=(0.0,))
UNIT = Domain(-0.9, 0.9)
DISTINCT = Domain(distinct=True)
# rows of distinct values with a spread far from 0 (corrcoef's pole): hypothesis's smallest grid
# row, [0, 1, -1, 2, -2] * 0.01, is so narrow that h = 1e-4 finite differences of corrcoef (an
# error of h^4 / spread^5) are off by 1.7e-9 where its gradient is exactly 0 (10x gap: 1e-5 that)
SPREAD = Domain(distinct=True, gap=0.1)
INTEGERS = tuple(float(k) for k in range(-4, 5))


@dataclass(frozen=True)
class Elementwise:
    """One tensor per domain, of mutually broadcastable shapes (0-4 dims); `untied`: pairs
    at least 0.1 apart wherever they meet (maximum's ties)."""

    domains: tuple[Domain, ...] = (REAL,)
    untied: bool = False


@dataclass(frozen=True)
class Reduction:
    """One tensor and an `axis` (None, an int, or a tuple of axes when `tuple_axes`), and
    `keepdims` when the op takes it; `min_count`: at least that many values per reduction."""

    domain: Domain = REAL
    tuple_axes: bool = True
    keepdims: bool = True
    none_axis: bool = True
    min_count: int = 1


@dataclass(frozen=True)
class Case:
    """Tensors of fixed shapes with values from `domain`, and keyword arguments."""

    shapes: tuple[tuple[int, ...], ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    domain: Domain = REAL


@dataclass(frozen=True)
class Cases:
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class Drawn:
    """Inputs from the strategy tinygrad_dl.testing.STRATEGIES[name] (shapes with logic of
    their own: matmul's, getitem's indices, ...)."""

    name: str


Sample = Elementwise | Reduction | Cases | Drawn


# ---- one row --------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpInfo:
    name: str  # the public name: key of the docs row and of testing.EDGE_CASES
    impl: Any  # the Function it applies (a tuple: its arguments pick one), or a string saying
    # what it is composed of
    doc: str  # one line for the docs page
    group: str
    methods: tuple[str, ...] = ()  # Tensor methods and operators (dunder names)
    numpy: tuple[str, ...] = ()  # tinygrad_dl.<name> functions under NumPy's names
    torch: tuple[str, ...] = ()  # ... under PyTorch's names
    F: tuple[str, ...] = ()  # names in tinygrad_dl.functional (torch.nn.functional's)
    own: tuple[str, ...] = ()  # tinygrad_dl.<name> functions of this library's own
    syntax: tuple[str, ...] = ()  # how it reads in code, for the docs: "a + b"
    function: Callable[..., Any] | None = None  # the function; default: from methods[0]
    tensors: int = 1  # how many leading arguments of that function are tensors
    call: Callable[..., Any] | None = None  # how tests call it: call(*tensors, **kwargs)
    ref: Callable[..., Any] | None = None  # the NumPy reference, ref(*arrays, **kwargs)
    sample: Sample | None = field(default_factory=Elementwise)
    grad: str = ""  # gradient notes
    no_grad: str = ""  # why there is no gradient to test (a constant output, a leaf)
    float32: bool = True
    differs: str = ""  # where NumPy's and PyTorch's spellings mean different things here
    # the function of the NumPy names where their defaults differ from PyTorch's (None: fn)
    numpy_function: Callable[..., Any] | None = None

    @property
    def fn(self) -> Callable[..., Any] | None:
        """The one function object every tinygrad_dl.<name> of this op is bound to (the table
        fills `function` in from methods[0] where a row leaves it out)."""
        return self.function

    def fn_for(self, name: str) -> Callable[..., Any] | None:
        """The function tinygrad_dl.<name> is: `numpy_function` for a NumPy name where the
        row has one (np.take_along_axis's axis=-1 beside torch's flattening dim=None)."""
        if self.numpy_function is not None and name in self.numpy:
            return self.numpy_function
        return self.fn

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.numpy + self.torch + self.own))

    def test_call(self) -> Callable[..., Any]:
        if self.call is not None:
            return self.call
        if self.fn is not None:
            return self.fn
        method = next(m for m in self.methods if not m.startswith("__")) if any(
            not m.startswith("__") for m in self.methods) else self.methods[0]
        return getattr(Tensor, method)


# ---- the ops page's groups, and rows of a kind (the rows_<topic> modules build on them) ------
ARITH, MATH, ACT, BIN, RED, SORT, LINALG, SHAPE, JOIN, NN, CMP, COPY, INPLACE, NEW = (
    "Arithmetic", "Elementwise math", "Activations", "Binary elementwise", "Reductions",
    "Sorting and gathering", "Linear algebra", "Shape", "Joining and splitting",
    "Neural-network functions", "Comparisons", "Copies and casts", "In place (no graph)",
    "Constructors")


# (the rows_<topic> modules import the three row builders below as _unary, _binary and
# _reduction, the names their rows were written with)
def unary(name: str, impl: Any, ref: Any, doc: str, torch: tuple[str, ...] = (),
          domain: Domain = REAL, numpy: tuple[str, ...] | None = None,
          methods: tuple[str, ...] | None = None, **kw: Any) -> OpInfo:
    """A row of one tensor's elementwise op (group MATH unless group= says)."""
    return OpInfo(name, impl, doc, kw.pop("group", MATH), methods=methods or (name,),
                  numpy=(name,) if numpy is None else numpy, torch=torch, ref=ref,
                  sample=Elementwise((domain,)), **kw)


def binary(name: str, impl: Any, ref: Any, doc: str, torch: tuple[str, ...] = (),
           domains: tuple[Domain, Domain] = (REAL, REAL), untied: bool = False,
           **kw: Any) -> OpInfo:
    """A row of a two-tensor elementwise op (group BIN unless group= says)."""
    return OpInfo(name, impl, doc, kw.pop("group", BIN), methods=kw.pop("methods", (name,)),
                  numpy=kw.pop("numpy", (name,)), torch=torch, tensors=2, ref=ref,
                  sample=kw.pop("sample", Elementwise(domains, untied)), **kw)


_ANY_AXES = Reduction()


def reduction(name: str, impl: Any, ref: Any, doc: str, torch: tuple[str, ...] = (),
              sample: Reduction = _ANY_AXES, **kw: Any) -> OpInfo:
    """A row of a reduction over axes (group RED)."""
    return OpInfo(name, impl, doc, RED, methods=kw.pop("methods", (name,)),
                  numpy=kw.pop("numpy", (name,)), torch=torch, ref=ref, sample=sample, **kw)
