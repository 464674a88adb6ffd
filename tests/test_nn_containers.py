"""Layers kept in a list or a dict: nn.ModuleList / nn.ModuleDict register them (before: no
such classes), and a plain list or dict of layers registered nowhere is no longer silent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn, optim


class PlainList(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.out = nn.Linear(3, 1)
        self.layers = [nn.Linear(2, 3), nn.Linear(3, 3)]  # registered nowhere

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x).relu()
        return self.out(x)


def test_a_plain_list_of_layers_warns_where_an_optimizer_would_silently_skip_them():
    # before: parameters() held out's W and b only, SGD trained the last layer, the two in
    # the list kept their initial weights, and state_dict() saved nothing of them, no word
    model = PlainList()
    with pytest.warns(RuntimeWarning, match=r"PlainList\.layers \('layers'\) is a plain list "
                                            r"holding 2 layer.*nn\.ModuleList"):
        params = model.parameters()
    assert len(params) == 2
    with warnings.catch_warnings():  # said once per assignment, not on every call
        warnings.simplefilter("error", RuntimeWarning)
        model.state_dict()
        model.zero_grad()
    model.layers = [nn.Linear(2, 3)]  # a new list: looked at again
    with pytest.warns(RuntimeWarning, match="holding 1 layer"):
        model.state_dict()


@pytest.mark.parametrize("name", ["held", "_held"])
@pytest.mark.parametrize("holder", [
    lambda: [Tensor(np.ones(2), requires_grad=True)],
    lambda: (nn.Linear(1, 1),),
    lambda: {"head": nn.Linear(1, 1)},
])
def test_tuples_dicts_and_bare_parameters_in_a_container_warn_too(holder, name):
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            setattr(self, name, holder())  # a "private" list is registered nowhere either

    with pytest.warns(RuntimeWarning, match="registered nowhere"):
        M().parameters()


def test_references_to_registered_layers_and_other_lists_do_not_warn():
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
            self.linears = [m for m in self.layers if isinstance(m, nn.Linear)]  # (the models')
            self.sizes = [2, 3, 1]
            self.history = [self.layers(Tensor(np.ones((1, 2))))]  # an op result, not a leaf
            self.W = Tensor(np.ones(2), requires_grad=True)
            self.both = [self.W]

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert len(M().parameters()) == 5


class Blocks(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 3)])
        self.blocks.append(nn.Linear(3, 2))
        self.heads = nn.ModuleDict({"mean": nn.Linear(2, 1)})
        self.heads["spread"] = nn.Linear(2, 1)

    def forward(self, x: Tensor) -> Tensor:
        for b in self.blocks:
            x = b(x).tanh()
        return self.heads["mean"](x) + self.heads["spread"](x)


def test_modulelist_and_moduledict_register_train_save_and_load():
    model = Blocks()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["blocks.0.W", "blocks.0.b", "blocks.1.W", "blocks.1.b", "blocks.2.W",
                     "blocks.2.b", "heads.mean.W", "heads.mean.b", "heads.spread.W",
                     "heads.spread.b"]
    before = [p.data.copy() for p in model.parameters()]
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 2)))
    opt.zero_grad()
    (model(x) ** 2).mean().backward()
    opt.step()
    assert all(not np.array_equal(b, p.data) for b, p in zip(before, model.parameters()))
    other = Blocks()
    other.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(other(x).data, model(x).data)
    assert [m._scope for m in model.blocks] == ["blocks.0", "blocks.1", "blocks.2"]


def test_modulelist_behaves_as_a_list_and_moduledict_as_a_dict():
    ml = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
    assert len(ml) == 2 and isinstance(ml[-1], nn.ReLU)
    assert isinstance(ml[0:1], nn.ModuleList) and len(ml[0:1]) == 1
    ml.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in ml] == ["Tanh", "Linear", "ReLU"]
    ml.extend([nn.ReLU()])
    assert list(ml.state_dict()) == ["1.W", "1.b"]
    md = nn.ModuleDict([("a", nn.Linear(1, 1))])
    md.update({"b": nn.ReLU()})
    assert list(md) == ["a", "b"] and "b" in md and md.keys() == ["a", "b"]
    del md["a"]
    assert list(md.items())[0][0] == "b"
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        ml(Tensor(np.ones(1)))
    with pytest.raises(TypeError, match="ModuleList: argument 1 is the function"):
        nn.ModuleList([nn.ReLU(), np.tanh])
    with pytest.raises(TypeError, match="an iterable of layers"):
        nn.ModuleList(nn.ReLU())
    with pytest.raises(KeyError, match="cannot name a layer"):
        md["a.b"] = nn.ReLU()
    with pytest.raises(KeyError, match="has no layer 'zz'"):
        md["zz"]

