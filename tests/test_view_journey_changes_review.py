"""Second review of Tensor.view's copy warning: it names the user's line from every path
(x.view_as, a jit replay), not a line inside the package or Python's `sys:1`."""

import sys
import warnings

import numpy as np

import tinygrad_dl as tg
from tinygrad_dl.jit import jit


def _view_warnings(fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn()
    return out, [r for r in rec if "cannot be viewed" in str(r.message)]


def test_view_as_copy_warning_names_the_callers_line():
    x = tg.Tensor(np.arange(6.0).reshape(2, 3))
    out, rec = _view_warnings(lambda: x.T.view_as(tg.Tensor(np.zeros(6))))
    assert len(rec) == 1 and rec[0].filename == __file__
    np.testing.assert_array_equal(out.data, x.data.T.reshape(-1))


def test_jit_replayed_view_warns_at_the_callers_line_with_right_values():
    w = tg.Tensor(np.ones(6), requires_grad=True)

    @jit
    def step(X):
        (tg.Tensor(X).view(-1) * w).sum().backward()

    A = np.arange(6.0).reshape(2, 3)
    for _ in range(3):  # recorded twice, then replayed
        w.grad = None
        _, rec = _view_warnings(lambda: step(A))
        assert rec == []
    w.grad = None
    F = np.asfortranarray(A)  # the same shape, a layout view(-1) cannot express: a copy
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        step(F)
    rec = [r for r in rec if "cannot be viewed" in str(r.message)]
    assert [(r.filename, r.lineno) for r in rec] == [(__file__, line)]
    np.testing.assert_array_equal(w.grad, F.reshape(-1))
