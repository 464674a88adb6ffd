"""nn.Sequential with a child set to None by setattr or add_module (torch 2.13 allows it, and
its call then fails with "'NoneType' object is not callable", naming no layer): one line
naming the layer. (`seq[i] = None` is refused when set, naming the index.)"""
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_dl as tg


def test_a_child_set_to_none_is_named_at_forward():
    seq = tg.nn.Sequential(tg.nn.Linear(2, 2), tg.nn.ReLU(), tg.nn.Linear(2, 1))
    setattr(seq, "1", None)
    with pytest.raises(TypeError, match=r"^Sequential: layer 1 is None .*del seq\[1\]") as e:
        seq(tg.Tensor(np.ones((1, 2))))
    assert "\n" not in str(e.value)
    del seq[1]  # what the message says to do: it runs
    assert seq(tg.Tensor(np.ones((1, 2)))).shape == (1, 1)


def test_a_named_child_set_to_none_is_named_with_its_index():
    seq = tg.nn.Sequential(OrderedDict(fc=tg.nn.Linear(2, 2), act=tg.nn.ReLU()))
    seq.add_module("act", None)
    with pytest.raises(TypeError, match=r"^Sequential: layer 'act' \(index 1\) is None"):
        seq(tg.Tensor(np.ones((1, 2))))


def test_torch_allows_the_none_and_fails_at_call():
    torch = pytest.importorskip("torch")
    seq = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    setattr(seq, "1", None)
    with pytest.raises(TypeError, match="NoneType"):
        seq(torch.ones(1, 2))
