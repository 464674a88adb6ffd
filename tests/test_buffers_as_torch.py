"""register_buffer's persistent=False and None buffers, as torch's (compared with torch 2.13).
Before: register_buffer(name, None) saved `array(None, dtype=object)` in state_dict (a
load then failed on its shape, a np.savez wrote a pickled object), and persistent= was a
TypeError (nn.Buffer's a ValueError)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tinygrad_dl import nn

torch = pytest.importorskip("torch")


def _pair() -> tuple[nn.Module, object]:
    m, t = nn.Module(), torch.nn.Module()
    m.register_buffer("a", np.ones(2))
    t.register_buffer("a", torch.ones(2, dtype=torch.float64))
    m.register_buffer("b", np.zeros(3), persistent=False)
    t.register_buffer("b", torch.zeros(3, dtype=torch.float64), persistent=False)
    m.register_buffer("c", None)
    t.register_buffer("c", None)
    m.d = nn.Buffer(np.arange(2.0), persistent=False)
    t.d = torch.nn.Buffer(torch.arange(2.0, dtype=torch.float64), persistent=False)
    return m, t


def _names(pairs) -> list[str]:
    return [n for n, _ in pairs]


def test_listed_and_saved_as_torch():
    m, t = _pair()
    assert list(m.state_dict()) == list(t.state_dict()) == ["a"]
    assert _names(m.named_buffers()) == _names(t.named_buffers()) == ["a", "b", "d"]
    assert m.c is None and t.c is None
    m.c, t.c = np.ones(1), torch.ones(1)  # an array assigned to a None buffer: a buffer now
    assert list(m.state_dict()) == list(t.state_dict()) == ["a", "c"]
    m.c, t.c = None, None  # and None again: still registered, listed nowhere
    assert list(m.state_dict()) == list(t.state_dict()) == ["a"]
    assert _names(m.named_buffers()) == _names(t.named_buffers())


def test_state_dict_round_trip_leaves_non_persistent_alone():
    m, _ = _pair()
    m.b[...] = 5.0
    assert m.load_state_dict({"a": np.full(2, 3.0)}) == ([], [])  # strict: b is not expected
    assert (m.a == 3).all() and (m.b == 5).all()
    with pytest.raises(ValueError, match="unexpected keys \\['b'\\]"):
        m.load_state_dict({"a": np.ones(2), "b": np.ones(3)})


def test_casts_copies_and_pickles_keep_the_flags():
    m, _ = _pair()
    m.float()
    assert m.b.dtype == np.float32 and list(m.state_dict()) == ["a"]
    for other in (copy.deepcopy(m),):
        assert list(other.state_dict()) == ["a"] and _names(other.named_buffers()) == [
            "a", "b", "d"]
    m.register_buffer("b", np.zeros(3))  # registered again, persistent: saved now
    assert list(m.state_dict()) == ["a", "b"]


@pytest.mark.parametrize("bad", ["False", 0, None])
def test_persistent_must_be_a_bool(bad):
    with pytest.raises(TypeError, match="persistent must be True or False") as e:
        nn.Module().register_buffer("x", np.ones(1), persistent=bad)
    assert "\n" not in str(e.value)
    with pytest.raises(TypeError, match="nn.Buffer: persistent must be True or False"):
        nn.Buffer(np.ones(1), persistent=bad)
