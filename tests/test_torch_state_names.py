"""load_state_dict takes PyTorch's parameter names for the course's (Linear's W is torch's
weight, BatchNorm1d's gamma its weight): a torch model's state dict loads into the same
architecture here, and gives its outputs."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_dl as tg
import tinygrad_dl.nn as nn

torch = pytest.importorskip("torch")


def arrays(module: object) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}  # type: ignore


def test_mlp_with_batch_norm_loads_and_agrees() -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5),
                                 torch.nn.ReLU(), torch.nn.Linear(5, 3)).double()
    x = torch.randn(8, 4, dtype=torch.float64)
    theirs.train()
    theirs(x)  # running statistics away from 0 and 1
    ours = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5, eps=1e-5), nn.ReLU(),
                         nn.Linear(5, 3))
    keys = ours.load_state_dict(arrays(theirs))
    assert keys.missing_keys == [] and keys.unexpected_keys == []
    theirs.eval()
    ours.eval()
    got = ours(tg.Tensor(x.numpy())).data
    np.testing.assert_allclose(got, theirs(x).detach().numpy(), rtol=0, atol=1e-12)
    assert ours[1].weight is ours[1].gamma and ours[1].bias is ours[1].beta
    assert list(ours.state_dict())[:2] == ["0.W", "0.b"]  # our own names are unchanged


def test_conv_layers_load_torch_names() -> None:
    torch.manual_seed(1)
    for theirs, ours, shape in ((torch.nn.Conv2d(2, 3, 3), nn.Conv2d(2, 3, 3), (2, 2, 5, 5)),
                                (torch.nn.Conv1d(2, 3, 3), nn.Conv1d(2, 3, 3), (2, 2, 7))):
        theirs = theirs.double()
        ours.load_state_dict(arrays(theirs))
        x = torch.randn(*shape, dtype=torch.float64)
        np.testing.assert_allclose(ours(tg.Tensor(x.numpy())).data,
                                   theirs(x).detach().numpy(), rtol=0, atol=1e-12)


def test_both_names_of_one_parameter_are_refused() -> None:
    sd = arrays(torch.nn.Linear(2, 3).double())
    lin = nn.Linear(2, 3)
    with pytest.raises(ValueError, match=r"unexpected keys \['weight'\]"):
        lin.load_state_dict({**sd, "W": sd["weight"]})
    before = lin.W.data.copy()
    keys = lin.load_state_dict({**sd, "W": sd["weight"] + 1}, strict=False)
    assert keys.unexpected_keys == ["weight"]  # ours wins; torch's is left out, reported
    np.testing.assert_array_equal(lin.W.data, sd["weight"] + 1)
    assert not np.array_equal(before, lin.W.data)


def test_wrong_shape_under_torch_name_still_raises() -> None:
    lin = nn.Linear(2, 3)
    with pytest.raises(ValueError, match="'W' has shape"):
        lin.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(3)})


def test_not_a_dict_is_one_line() -> None:
    with pytest.raises(TypeError, match="expected a dict"):
        nn.Linear(2, 3).load_state_dict([("weight", np.zeros((3, 2)))])  # type: ignore
