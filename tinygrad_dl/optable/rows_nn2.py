"""Op-table rows of more of torch.nn.functional's and torch.nn's names.

None so far: the names of functional/pooling_indices.py, the in-place activations, rrelu,
the alpha dropouts, channel_shuffle and the other torch.nn names of functional/activations.py,
dropouts.py, conv.py, normalization.py, upsampling.py and margin_losses.py, and
functional/embedding_bag.py are compositions of ops that have rows (no Function of their own),
covered as F.conv1d, F.max_pool1d and the margin losses are, by edge rows
(testing/edge_table_nn2.py) and tests/test_torch_nn2.py."""

from __future__ import annotations

from .spec import OpInfo

ROWS: tuple[OpInfo, ...] = ()
