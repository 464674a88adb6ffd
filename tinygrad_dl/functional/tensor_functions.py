"""PyTorch's top-level forms of Tensor methods, exported as tinygrad_dl.<name>: the
predicates and no-op conversions (torch.is_signed, resolve_conj, detach_, ...), the in-place
functions (torch.sinc_, addmv_, ...), the shifts with a Python int first, the *_copy spellings
of the view ops (each a one-liner: the view op, then clone), split_with_sizes, fill and put,
real and imag, is_nonzero, rsub (sub with its operands swapped) and empty_strided."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor, scaled_by_alpha
from ..tensor.conversions import bool_sub_refused, int_arg, sub_number, zero_d_int
from .constructors import empty
from .methods import as_tensor_of, takes_out, tensor_arg, write_out

# tinygrad_dl.<name> for these (tinygrad_dl/__init__.py); real, rsub and the shifts are ops,
# exported through the op table
__all__ = [
    "is_same_size", "is_signed", "is_complex", "is_conj", "is_neg", "is_inference",
    "resolve_conj", "resolve_neg", "detach_", "sinc_", "i0_", "arccosh_", "arcsinh_",
    "arctanh_", "addmv_", "t_copy", "view_copy", "permute_copy", "unsqueeze_copy",
    "detach_copy", "alias_copy", "select_copy", "transpose_copy", "squeeze_copy",
    "expand_copy", "diagonal_copy", "unfold_copy", "split_copy", "split_with_sizes_copy",
    "unbind_copy", "slice_copy", "split_with_sizes", "fill", "put", "imag", "is_nonzero",
    "empty_strided",
]


# ---- predicates and no-op conversions -------------------------------------------------------
def is_same_size(input: Tensor, other: Tensor) -> bool:
    """torch.is_same_size: the two shapes are equal."""
    return tensor_arg("is_same_size", input).is_same_size(other)


def is_signed(input: Tensor) -> bool:
    """torch.is_signed: a signed dtype (floats, signed integers; not uint8 or bool)."""
    return tensor_arg("is_signed", input).is_signed()


def is_complex(input: Tensor) -> bool:
    """torch.is_complex: a complex dtype (never here: refused at construction)."""
    return tensor_arg("is_complex", input).is_complex()


def is_conj(input: Tensor) -> bool:
    """torch.is_conj: False (no lazy conjugation here)."""
    return tensor_arg("is_conj", input).is_conj()


def is_neg(input: Tensor) -> bool:
    """torch.is_neg: False (no lazy negation here)."""
    return tensor_arg("is_neg", input).is_neg()


def is_inference(input: Tensor) -> bool:
    """torch.is_inference: False (tensors made under inference_mode are ordinary here)."""
    return tensor_arg("is_inference", input).is_inference()


def resolve_conj(input: Tensor) -> Tensor:
    """torch.resolve_conj: the input itself (a real tensor)."""
    return tensor_arg("resolve_conj", input).resolve_conj()


def resolve_neg(input: Tensor) -> Tensor:
    """torch.resolve_neg: the input itself (a real tensor)."""
    return tensor_arg("resolve_neg", input).resolve_neg()


def detach_(input: Tensor) -> Tensor:
    """torch.detach_: input.detach_() (in place; returns input)."""
    return tensor_arg("detach_", input).detach_()


# ---- in-place functions: input.<name>(...), in place ---------------------------------------
def sinc_(input: Tensor) -> Tensor: return tensor_arg("sinc_", input).sinc_()
def i0_(input: Tensor) -> Tensor: return tensor_arg("i0_", input).i0_()
def arccosh_(input: Tensor) -> Tensor: return tensor_arg("arccosh_", input).arccosh_()
def arcsinh_(input: Tensor) -> Tensor: return tensor_arg("arcsinh_", input).arcsinh_()
def arctanh_(input: Tensor) -> Tensor: return tensor_arg("arctanh_", input).arctanh_()


def addmv_(input: Tensor, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """torch.addmv_: input = beta * input + alpha * mat @ vec, in place."""
    return tensor_arg("addmv_", input).addmv_(mat, vec, beta=beta, alpha=alpha)


# ---- the shifts with a Python int first (the op table exports these as tinygrad_dl.<name>) ---
def _shift_input(name: str, input: Any, other: Any) -> Tensor:
    if isinstance(input, Tensor):
        return input
    if type(input) is int and isinstance(other, Tensor) and other.dtype.kind in "iu":
        return Tensor(np.asarray(input, other.dtype))  # (a Python int keeps the tensor's dtype)
    raise TypeError(f"{name}: expects an integer tensor (or a Python int and an integer "
                    f"tensor), got {type(input).__name__}")


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """torch.bitwise_left_shift(input, other): input << other (see Tensor's)."""
    return _shift_input("bitwise_left_shift", input, other).bitwise_left_shift(other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """torch.bitwise_right_shift(input, other): input >> other (see Tensor's)."""
    return _shift_input("bitwise_right_shift", input, other).bitwise_right_shift(other)


# ---- the *_copy spellings: the view op's values as a new tensor (gradients as the op's), with
# torch's out= (write_out's rules; the split ones into a list of Tensors, one per piece) --------
@takes_out
def t_copy(input: Tensor) -> Tensor: return input.t().clone()
@takes_out
def view_copy(input: Tensor, size: Any) -> Tensor:  # (torch's copies any layout: no refusal)
    return input.reshape(size).clone()
@takes_out
def permute_copy(input: Tensor, dims: Any) -> Tensor: return input.permute(dims).clone()
@takes_out
def unsqueeze_copy(input: Tensor, dim: int) -> Tensor: return input.unsqueeze(dim).clone()
@takes_out
def detach_copy(input: Tensor) -> Tensor: return input.detach().clone()
@takes_out
def alias_copy(input: Tensor) -> Tensor: return input.clone()
@takes_out
def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    return input.select(dim, index).clone()


@takes_out
def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return input.swapaxes(dim0, dim1).clone()  # (torch's transpose: two dims swapped)


@takes_out
def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:
    return (input.squeeze() if dim is None else input.squeeze(dim=dim)).clone()


@takes_out
def expand_copy(input: Tensor, size: Any, *, implicit: bool = False) -> Tensor:
    return input.expand(*size).clone()


@takes_out
def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return input.diagonal(offset, dim1=dim1, dim2=dim2).clone()


@takes_out
def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    return input.unfold(dimension, size, step).clone()


def _pieces_out(op: str, pieces: tuple[Tensor, ...], out: Any
                ) -> tuple[Tensor, ...]:
    """The pieces of a split as a tuple (torch's), or written into `out`, torch's list of
    Tensors (one per piece, each write_out's rules), and returned."""
    if out is None:
        return pieces
    if not isinstance(out, (list, tuple)) or len(out) != len(pieces):
        raise TypeError(f"{op}(out=...): out must be a list of {len(pieces)} Tensors (one per "
                        f"piece), got {type(out).__name__}"
                        f"{f' of {len(out)}' if isinstance(out, (list, tuple)) else ''}")
    return tuple(write_out(op, pieces, tuple(out)))


def split_copy(input: Tensor, split_size: int, dim: int = 0, *, out: Any = None
               ) -> tuple[Tensor, ...]:
    return _pieces_out("split_copy", tuple(p.clone() for p in input.split(split_size, dim)), out)


def split_with_sizes_copy(input: Tensor, split_sizes: Any, dim: int = 0, *, out: Any = None
                          ) -> tuple[Tensor, ...]:
    pieces = tuple(p.clone() for p in input.split_with_sizes(split_sizes, dim))
    return _pieces_out("split_with_sizes_copy", pieces, out)


def unbind_copy(input: Tensor, dim: int = 0, *, out: Any = None) -> tuple[Tensor, ...]:
    return _pieces_out("unbind_copy", tuple(p.clone() for p in input.unbind(dim)), out)


@takes_out
def slice_copy(input: Tensor, dim: int = 0, start: Any = None, end: Any = None,
               step: int = 1) -> Tensor:
    """torch.slice_copy: input[start:end:step] along dim (step > 0), as a new tensor."""
    # (ints, a 0-d integer tensor's too, as torch's; a bool refused: dim=True sliced dim 1)
    dim, step = (int_arg("slice_copy", n, zero_d_int("slice_copy", n, v))
                 for n, v in (("dim", dim), ("step", step)))
    start, end = (v if v is None else int_arg("slice_copy", n, zero_d_int("slice_copy", n, v))
                  for n, v in (("start", start), ("end", end)))
    if step <= 0:
        raise ValueError(f"slice_copy: step must be greater than zero, got {step}")
    if input.ndim == 0:
        raise IndexError("slice_copy: slice() cannot be applied to a 0-dim tensor")
    d = dim + input.ndim if dim < 0 else dim
    if not 0 <= d < input.ndim:
        raise IndexError(f"slice_copy: dim {dim} is out of range for a {input.ndim}-D tensor")
    return input[(slice(None),) * d + (slice(start, end, step),)].clone()


def split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.split_with_sizes: pieces of the given sizes (summing to the dim's length)."""
    return tensor_arg("split_with_sizes", input).split_with_sizes(split_sizes, dim)


# ---- fills ------------------------------------------------------------------------------------
def fill(input: Tensor, value: Any) -> Tensor:
    """torch.fill (out of place): a tensor of input's shape and dtype filled with value (a
    number or a 0-d tensor; a float into an integer tensor truncates, as torch's)."""
    input = tensor_arg("fill", input)
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"fill: only supports 0-dimension value tensor but got tensor "
                             f"with {value.ndim} dimensions")
        value = value.data
    elif not _fits(value, input.dtype):  # (a tensor value wraps, as torch's; a number may not)
        raise OverflowError(f"fill: value {value!r} cannot be converted to type "
                            f"{input.dtype} without overflow")
    v = np.asarray(value)
    if input.dtype.kind in "iu" and v.dtype.kind == "f":
        v = np.trunc(v)
    return Tensor(np.full(input.shape, v).astype(input.dtype))


def _fits(value: Any, dt: np.dtype) -> bool:
    """Does the number `value` convert to dtype dt without overflow (torch's check: an
    integer type's range, before truncation; a float type's largest finite value)?"""
    if dt.kind == "b" or isinstance(value, (bool, np.bool_)):
        return True
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return bool(info.min <= value <= info.max)  # (False for NaN; ints compared exactly)
    try:
        f = float(value)
    except OverflowError:
        return False
    return bool(not np.isfinite(f) or abs(f) <= float(np.finfo(dt).max))  # (no NEP 50 cast)


def put(input: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """torch.put: input.put(index, source, accumulate) (flat indices)."""
    return tensor_arg("put", input).put(index, source, accumulate)


# ---- the complex parts of a real tensor, and a question --------------------------------------
def real(input: Any) -> Tensor:
    """torch.real: a real tensor itself."""
    return as_tensor_of(input).real


def imag(input: Any) -> Tensor:
    """torch.imag: refused for a real tensor, as torch's."""
    return as_tensor_of(input).imag


def is_nonzero(input: Tensor) -> bool:
    """torch.is_nonzero: a one-element tensor's value is nonzero."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_nonzero: expects a Tensor, got {type(input).__name__}")
    return input.is_nonzero()


# ---- sub with its operands swapped (exported through the op table) ---------------------------
def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """torch.rsub: other - alpha * input (sub with its operands swapped)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rsub: input must be a Tensor, got {type(input).__name__}")
    bool_sub_refused("rsub", input.data, other.data if isinstance(other, Tensor) else other)
    o = other if isinstance(other, Tensor) else as_tensor(sub_number(other), input)
    return o - scaled_by_alpha("rsub", o, input, alpha)  # (alpha * input in the
    # result's dtype, a float alpha refused for an integer one: as torch's, and add's)


# ---- constructors ---------------------------------------------------------------------------
def empty_strided(size: Any, stride: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """torch.empty_strided: tg.empty(size) (zeros, as tg.empty's). The strides are checked (one
    int >= 0 per dim, as torch's) but not kept: every tensor here is contiguous, as
    `x.stride()` says, and no value depends on a layout."""
    if not isinstance(size, (tuple, list)) or not isinstance(stride, (tuple, list)):
        raise TypeError(f"empty_strided: size and stride must be tuples of ints, got "
                        f"{size!r:.40} and {stride!r:.40}")
    # (each an int, a 0-d integer tensor's too, as torch's and tg.empty's)
    steps = [int_arg("empty_strided", "a stride", zero_d_int("empty_strided", "a stride", s))
             for s in stride]
    if len(steps) != len(size) or min(steps, default=0) < 0:
        raise ValueError(f"empty_strided: stride {tuple(stride)} must hold one int >= 0 per "
                         f"dim of size {tuple(size)}")
    return empty(tuple(int_arg("empty_strided", "a size", zero_d_int("empty_strided", "a size",
                                                                      n)) for n in size),
                 dtype=np.float64 if dtype is None else dtype, requires_grad=requires_grad,
                 device=device)
