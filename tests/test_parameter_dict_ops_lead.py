"""ParameterDict's dict operations torch 2.13 has: popitem, fromkeys, `|`, `|=` and `dict | pd`
(each an AttributeError or TypeError before), compared key by key with torch's."""

import numpy as np
import pytest

import tinygrad_dl as tg
from tinygrad_dl import nn


def _pair(lib_nn, lib):
    p = lib_nn.ParameterDict({"a": lib_nn.Parameter(lib.ones(1)),
                              "b": lib_nn.Parameter(lib.zeros(1))})
    q = lib_nn.ParameterDict({"c": lib_nn.Parameter(lib.ones(2)),
                              "a": lib_nn.Parameter(lib.full((1,), 5.0))})
    return p, q


def _keys_values(d):
    return [(k, np.asarray(v.detach() if hasattr(v, "detach") else v).tolist())
            for k, v in d.items()]


def test_or_ior_ror_popitem_as_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib_nn, lib in ((nn, tg), (torch.nn, torch)):
        p, q = _pair(lib_nn, lib)
        r = p | q
        assert type(r).__name__ == "ParameterDict" and r["b"] is p["b"] and r["a"] is q["a"]
        assert list(p.keys()) == ["a", "b"]  # (p itself unchanged)
        plain = {"z": lib_nn.Parameter(lib.ones(1))} | p
        assert type(plain) is dict
        p |= q
        popped = p.popitem()
        results.append((_keys_values(r), list(plain), _keys_values(p), popped[0]))
    assert results[0] == results[1]


def test_fromkeys_ties_one_parameter_and_popitem_of_empty():
    p = nn.ParameterDict()
    w = nn.Parameter(tg.ones(2))
    f = p.fromkeys(["x", "y"], w)
    assert isinstance(f, nn.ParameterDict) and f["x"] is f["y"] is w
    assert len(list(f.parameters())) == 1
    with pytest.raises(TypeError, match="ParameterDict: entry 'x' must be a Tensor"):
        p.fromkeys(["x"])  # (torch stores None; entries here are parameters)
    with pytest.raises(KeyError, match="popitem.*empty"):
        p.popitem()
