"""Review of 559213a (hLEFT6's comparisons with operands that make no numeric array).

Its `==` / `!=` fallback (NotImplemented: Python's False / True, torch's) caught only
TypeError, so a ragged list raised NumPy's ValueError in the name of Tensor(); the fallback
also let a NumPy masked array through `==` (NumPy's reflected == gave a MaskedArray, where
x < m and x.eq(m) refuse, and the parent refused it), and the methods' new message replaced
as_data's own reason: a masked array was "cannot make a numeric array" (it is numeric) and a
list of Tensors lost its tinygrad_dl.stack hint. Compared with torch 2.13 where it answers.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracle import one_line

import tinygrad_dl as tg

_RAGGED = [[[1], [1, 2]], [1, [2]], [[1.0, 2.0], [3.0]]]


@pytest.mark.parametrize("other", _RAGGED, ids=repr)
def test_eq_ne_with_a_ragged_list_are_false_and_true_as_torch(other):
    t = tg.tensor([1.0, 2.0])
    assert (t == other) is False and (t != other) is True
    assert (other == t) is False and (other != t) is True
    torch = pytest.importorskip("torch")
    tt = torch.tensor([1.0, 2.0])
    assert (tt == other) is False and (tt != other) is True


@pytest.mark.parametrize("other", _RAGGED, ids=repr)
@pytest.mark.parametrize(("meth", "spelling"), [
    (m, s) for m in ("eq", "ne", "lt", "ge") for s in ("method", "function")
] + [("lt", "operator"), ("ge", "operator")])  # (== / != give False / True: above)
def test_a_ragged_list_refused_in_one_line_naming_the_comparison(other, meth, spelling):
    x = tg.tensor([1.0, 2.0])
    with pytest.raises(ValueError) as e:
        if spelling == "method":
            getattr(x, meth)(other)
        elif spelling == "function":
            getattr(tg, meth)(x, other)
        else:
            _ = x < other if meth == "lt" else x >= other
    one_line(e, f"{meth} (x ", "cannot make an array")
    assert not str(e.value).startswith("Tensor()")


_MASKED = np.ma.array([1.0, 2.0], mask=[False, True])


@pytest.mark.parametrize("form", ["==", "!=", "<", "eq", "ne", "gt", "tg.eq"])
def test_a_masked_array_is_refused_by_every_comparison_naming_the_mask(form):
    """As the parent refused `t == m` and every other entry of data refuses it (its mask would
    be dropped); 559213a's == gave NumPy's MaskedArray, its methods 'no numeric array'."""
    x = tg.tensor([1.0, 2.0])
    calls = {"==": lambda: x == _MASKED, "!=": lambda: x != _MASKED, "<": lambda: x < _MASKED,
             "eq": lambda: x.eq(_MASKED), "ne": lambda: x.ne(_MASKED),
             "gt": lambda: x.gt(_MASKED), "tg.eq": lambda: tg.eq(x, _MASKED)}
    with pytest.raises(TypeError) as e:
        calls[form]()
    one_line(e, "masked array", "filled")
    assert str(e.value).split(" ")[0] in ("eq", "ne", "lt", "gt")


@pytest.mark.parametrize("form", ["eq", "lt", "tg.ge"])
def test_a_list_of_tensors_keeps_the_stack_hint_naming_the_comparison(form):
    x = tg.tensor([1.0, 2.0])
    ts = [tg.tensor(1.0), tg.tensor(2.0)]
    with pytest.raises(TypeError) as e:
        tg.ge(x, ts) if form == "tg.ge" else getattr(x, form)(ts)
    one_line(e, f"{form.removeprefix('tg.')} (x ", "tinygrad_dl.stack")
    assert (x == ts) is False and (x != ts) is True  # (torch's operators: False / True)
