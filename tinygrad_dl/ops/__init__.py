"""The primitive ops: one `Function` subclass each, forward and backward side by side.

Tensor methods (`tinygrad_dl.tensor`) and the public functions (`tinygrad_dl.functional`) are
one-liners over `Op.apply`; this package holds the ops, and the argument arithmetic those
one-liners share (shapes: ops/shape.py; indices: ops/indexing.py; NumPy's and PyTorch's
argument names: ops/spelling.py). Each module lists its ops in its `__all__`; this package
exports them all.
"""

from . import (
    activations,
    binary,
    cont_bern,
    conv,
    ctc,
    distance,
    elementwise,
    float_parts,
    fractional,
    fused,
    grid_sample,
    igamma,
    index_put,
    indexing,
    linalg,
    linalg_decomp,
    linalg_lu,
    linear_cross_entropy,
    loss,
    reduce,
    scatter_reduce,
    shape,
    special,
    unary,
)
from .activations import *  # noqa: F403
from .binary import *  # noqa: F403
from .cont_bern import *  # noqa: F403
from .conv import *  # noqa: F403
from .ctc import *  # noqa: F403
from .distance import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .float_parts import *  # noqa: F403
from .fractional import *  # noqa: F403
from .fused import *  # noqa: F403
from .grid_sample import *  # noqa: F403
from .igamma import *  # noqa: F403
from .index_put import *  # noqa: F403
from .indexing import *  # noqa: F403
from .linalg import *  # noqa: F403
from .linalg_decomp import *  # noqa: F403
from .linalg_lu import *  # noqa: F403
from .linear_cross_entropy import *  # noqa: F403
from .loss import *  # noqa: F403
from .reduce import *  # noqa: F403
from .scatter_reduce import *  # noqa: F403
from .shape import *  # noqa: F403
from .special import *  # noqa: F403
from .unary import *  # noqa: F403

__all__ = sorted(activations.__all__ + binary.__all__ + cont_bern.__all__ + conv.__all__
                 + elementwise.__all__ + fused.__all__ + ctc.__all__ + distance.__all__
                 + grid_sample.__all__ + float_parts.__all__ + fractional.__all__
                 + igamma.__all__ + index_put.__all__ + indexing.__all__ + linalg.__all__
                 + linalg_decomp.__all__ + linalg_lu.__all__ + linear_cross_entropy.__all__
                 + loss.__all__ + reduce.__all__ + scatter_reduce.__all__
                 + shape.__all__ + special.__all__ + unary.__all__)
