"""Edge rows of the constant makers: vander, combinations, logspace, the window functions,
scalar_tensor, randint_like, empty_strided (their values against torch's:
tests/test_torch_names11.py). `T` in a `torch=` lambda is the torch module; where a row has no
`numpy=`, PyTorch's value is the reference."""

from __future__ import annotations

import numpy as np

import tinygrad_dl as tg

from .edge_table import INF, NAN, E, a64, rows

X23 = np.arange(6.0).reshape(2, 3) / 4 - 0.3


# ---- vander, combinations ---------------------------------------------------------------------
rows("vander", tg.vander, {"3!": (a64(1.5, -2.0, 0.5),), "empty": (E,),
                           "zeros": (a64(0.0, 0.0),)},
     numpy=np.vander, note="torch 2.13's vander backward raises: finite differences")
rows("vander", lambda x: tg.vander(x, N=3, increasing=True), {"ints": (np.array([2, 3]),)},
     numpy=lambda a: np.vander(a, 3, True))
rows("vander", lambda x: tg.vander(x), {"nan and inf": (a64(NAN, INF, 2.0),)},
     numpy=lambda a: np.array([[NAN, NAN, 1.0], [INF, INF, 1.0], [4.0, 2.0, 1.0]]),
     numpy_warns=False, grad=(a64(NAN, INF, 5.0),),
     note="torch 2.13's vander backward raises (an in-place error): the gradient written out")
rows("vander", tg.vander, {"2-D": (X23,)}, raises="vander: x must be a one-dimensional tensor")
rows("vander", lambda x: tg.vander(x, N=-1), {"N < 0": (a64(1.0),)},
     raises="vander: N must be non-negative")
rows("combinations", tg.combinations, {"4!": (a64(1.0, -2.0, 3.0, 0.5),),
                                       "nan and inf": (a64(1.0, NAN, 3.0, INF),)},
     torch=lambda T, x: T.combinations(x))
rows("combinations", tg.combinations, {"one": (a64(2.0),)},
     numpy=lambda a: np.zeros((0, 2)), grad=(np.zeros(1),))
rows("combinations", tg.combinations, {"empty": (E,)},
     numpy=lambda a: np.zeros((0, 2)), grad=(np.zeros(0),))
rows("combinations", tg.combinations, {"ints": (np.array([1, 2, 3]),)},
     numpy=lambda a: np.array([[1, 2], [1, 3], [2, 3]]), grad=(None,))
rows("combinations", lambda x: tg.combinations(x, 3, True), {"with replacement": (
    a64(1.0, 2.0, 3.0),)}, torch=lambda T, x: T.combinations(x, 3, True))
rows("combinations", lambda x: tg.combinations(x, 0), {"r = 0": (a64(1.0, 2.0),)},
     numpy=lambda a: np.zeros(0), grad=(np.zeros(2),), note="torch's empty 1-D result")
rows("combinations", tg.combinations, {"0-d": (np.float64(1.0),)},
     raises="combinations: Expect a 1D vector, but got shape \\[\\]")
rows("combinations", lambda x: tg.combinations(x, -1), {"r < 0": (a64(1.0),)},
     raises="combinations: Expect a non-negative number, but got -1")

# ---- the constant makers (their values against torch's: tests/test_torch_names11.py) ----------
rows("logspace", lambda: tg.logspace(0, 2, 3), {"3": ()}, numpy=lambda: a64(1.0, 10.0, 100.0))
rows("logspace", lambda: tg.logspace(-1, 1, 3, base=0.0), {"base 0": ()},
     numpy=lambda: a64(INF, 1.0, 0.0), numpy_warns=False)
rows("logspace", lambda: tg.logspace(0, 1, 3, base=-2.0), {"negative base": ()},
     numpy=lambda: a64(1.0, NAN, -2.0), numpy_warns=False)
rows("logspace", lambda: tg.logspace(0, 1, 5, 3, dtype=tg.int64), {"ints truncate": ()},
     numpy=lambda: np.array([1, 1, 1, 2, 3]))
rows("logspace", lambda: tg.logspace(0, 2, 0), {"0 steps": ()}, numpy=lambda: E)
rows("logspace", lambda: tg.logspace(0, 2, -1), {"negative steps": ()},
     raises="logspace requires non-negative steps")
for _w in ("hann", "hamming", "blackman", "bartlett", "kaiser"):
    _name = f"{_w}_window"
    rows(_name, lambda n=_name: getattr(tg, n)(1), {"one": ()}, numpy=lambda: a64(1.0))
    rows(_name, lambda n=_name: getattr(tg, n)(0), {"empty": ()}, numpy=lambda: E)
    rows(_name, lambda n=_name: getattr(tg, n)(-1), {"negative": ()},
         raises=f"{_name} requires non-negative window_length")
    rows(_name, lambda n=_name: getattr(tg, n)(2.5), {"a float length": ()},
         raises=f"{_name}: window_length must be an int")
    rows(_name, lambda n=_name: getattr(tg, n)(3, dtype=tg.int64), {"int dtype": ()},
         raises=f"{_name}: expects a floating point dtype")
rows("hann_window", lambda: tg.hann_window(4), {"periodic by default!": ()},
     numpy=lambda: a64(0.0, 0.5, 1.0, 0.5))
rows("scalar_tensor", lambda: tg.scalar_tensor(3), {"an int": ()}, numpy=lambda: np.float64(3))
rows("scalar_tensor", lambda: tg.scalar_tensor(NAN, dtype=tg.float32), {"nan": ()},
     numpy=lambda: np.float32(NAN))
rows("scalar_tensor", lambda: tg.scalar_tensor([1.0]), {"a list": ()},
     raises="scalar_tensor: s must be a real number")
rows("randint_like", lambda x: tg.randint_like(x, 1), {"high 1: zeros": (np.ones((2, 3)),),
                                                        "ints": (np.ones(2, np.int32),),
                                                        "empty": (E,)},
     numpy=np.zeros_like, grad=(None,))
rows("randint_like", lambda x: tg.randint_like(x, 5, 5), {"empty range": (a64(1.0),)},
     raises="randint_like: low=5 >= high=5")
rows("randint_like", lambda x: tg.randint_like(x, 300), {"uint8": (np.zeros(2, np.uint8),)},
     raises="randint_like: .* does not fit dtype uint8")
rows("empty_strided", lambda: tg.empty_strided((2, 3), (1, 2)), {"strides not kept": ()},
     numpy=lambda: np.zeros((2, 3)))
rows("empty_strided", lambda: tg.empty_strided((), ()), {"0-d": ()}, numpy=lambda: np.float64(0))
rows("empty_strided", lambda: tg.empty_strided((2, 3), (3,)), {"a stride short": ()},
     raises="empty_strided: stride \\(3,\\) must hold one int >= 0 per dim")
