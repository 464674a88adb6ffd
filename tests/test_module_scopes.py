"""Drawn-graph scopes of modules: a Sequential under a parent keeps the parent's names."""

from __future__ import annotations

import numpy as np

from tinygrad_dl import Tensor, nn


def test_sequential_scopes_keep_their_parents_prefix_after_a_slice_and_a_replacement():
    """Before: reading `m.layers[0:1]` renamed the nested layers' drawn scopes to "M/0.0",
    and `m.layers[1] = Linear(...)` drew the new layer as "M/1", not "M/layers.1"."""
    from tinygrad_dl.viz.walk import collect

    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.ReLU()),
                                        nn.Linear(2, 2))

        def forward(self, x: Tensor) -> Tensor:
            return self.layers(x)

    m, x = M(), Tensor(np.ones((1, 2)))

    def scopes() -> list[str]:
        return sorted({s for s in collect(m(x).sum(), 100).scope_of.values() if s})

    want = ["M/layers.0.0", "M/layers.0.1", "M/layers.1"]
    assert scopes() == want
    m.layers[0:1]
    assert scopes() == want
    m.layers[1] = nn.Linear(2, 2)
    assert scopes() == want
    m.layers.add_module("2", nn.ReLU())
    assert scopes() == [*want, "M/layers.2"]
