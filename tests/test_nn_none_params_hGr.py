"""A second review of registered None (hG): torch's layers built without a bias or affine
parameters register the name as None (`register_parameter("bias", None)`), so a plain tensor
assigned there later is refused; ours held a plain None, and `Linear(2, 3, bias=False).bias
= Tensor(...)` became an attribute forward used but nothing trained or saved, without a word.
And a name registered as None of one kind (a child) is torch's KeyError for another kind's
register call, where register_parameter moved it without a word. Module.to: a keyword
dtype (or device) and a positional one took the positional without a word, and `to(tensor)`
of a torch tensor raised NumPy's "Could not convert"."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor, nn

torch = pytest.importorskip("torch")

LAYERS = [
    (lambda N: N.Linear(2, 3, bias=False), ["bias"]),
    (lambda N: N.Conv1d(2, 3, 3, bias=False), ["bias"]),
    (lambda N: N.Conv2d(2, 3, 3, bias=False), ["bias"]),
    (lambda N: N.Conv3d(2, 3, 3, bias=False), ["bias"]),
    (lambda N: N.ConvTranspose1d(2, 3, 3, bias=False), ["bias"]),
    (lambda N: N.ConvTranspose2d(2, 3, 3, bias=False), ["bias"]),
    (lambda N: N.Bilinear(2, 2, 3, bias=False), ["bias"]),
    (lambda N: N.BatchNorm1d(3, affine=False), ["weight", "bias"]),
    (lambda N: N.BatchNorm1d(3, bias=False), ["bias"]),
    (lambda N: N.LayerNorm(3, elementwise_affine=False), ["weight", "bias"]),
    (lambda N: N.LayerNorm(3, bias=False), ["bias"]),
    (lambda N: N.RMSNorm(3, elementwise_affine=False), ["weight"]),
    (lambda N: N.GroupNorm(1, 3, affine=False), ["weight", "bias"]),
    (lambda N: N.GroupNorm(1, 3, bias=False), ["bias"]),
    (lambda N: N.InstanceNorm1d(3), ["weight", "bias"]),
    (lambda N: N.MultiheadAttention(4, 1, bias=False), ["in_proj_bias"]),
    (lambda N: N.MultiheadAttention(4, 1), ["q_proj_weight", "k_proj_weight",
                                            "v_proj_weight"]),
    (lambda N: N.MultiheadAttention(4, 1, kdim=2, vdim=2), ["in_proj_weight"]),
]


def _build(make: object, N: object) -> object:
    try:
        return make(N)
    except TypeError as e:  # (this torch's BatchNorm1d and GroupNorm may lack bias=)
        pytest.skip(f"torch has no such form: {e}")


@pytest.mark.parametrize("at", range(len(LAYERS)))
def test_a_layer_without_a_parameter_registers_it_as_none_as_torch(at: int) -> None:
    make, names = LAYERS[at]
    tm = _build(make, torch.nn)
    m = make(nn)
    theirs = {t: o for o, t in type(m).torch_names.items()}
    for name in names:
        assert name in tm._parameters and tm._parameters[name] is None
        ours = theirs.get(name, name)
        assert ours in m._parameters and getattr(m, name) is None, name
        shape = (3,)
        with pytest.raises(TypeError):
            setattr(tm, name, torch.zeros(shape))
        # it became a plain attribute: used by forward, neither trained nor saved
        with pytest.raises(TypeError, match=f"parameter {ours!r}"):
            setattr(m, name, Tensor(np.zeros(shape)))
    assert len(list(m.state_dict())) == len(tm.state_dict())


def test_a_layer_without_bias_takes_a_parameter_in_torchs_place() -> None:
    lin, tl = nn.Linear(2, 3, bias=False), torch.nn.Linear(2, 3, bias=False)
    lin.bias = Tensor(np.zeros(3), requires_grad=True)
    tl.bias = torch.nn.Parameter(torch.zeros(3))
    assert list(lin.state_dict()) == ["W", "b"] and list(tl.state_dict()) == ["weight", "bias"]
    assert lin.load_state_dict(tl.state_dict()) == ([], [])


@pytest.mark.parametrize("first, then", [
    (lambda m: m.add_module("c", None), lambda m: m.register_parameter("c", None)),
    (lambda m: m.add_module("c", None), lambda m: m.register_parameter(
        "c", Tensor(np.zeros(1), requires_grad=True))),
    (lambda m: m.register_parameter("c", None), lambda m: m.add_module("c", nn.ReLU())),
    (lambda m: m.register_buffer("c", None), lambda m: m.register_parameter("c", None)),
])
def test_a_name_registered_as_none_is_not_registered_again_as_another_kind(first: object,
                                                                           then: object) -> None:
    m = nn.Module()
    first(m)
    before = (dict(m._parameters), dict(m._buffers), dict(m._modules))
    # (torch's KeyError "attribute 'c' already exists"; the entry silently changed kind)
    with pytest.raises(KeyError, match="'c' already exists"):
        then(m)
    assert (m._parameters, m._buffers, m._modules) == before


@pytest.mark.parametrize("args, kwargs, word", [
    ((np.float32,), {"dtype": np.float64}, "two dtypes"),  # (took the positional float32)
    (("cpu",), {"device": "cpu"}, "two devices"),
    ((True,), {}, "neither a dtype nor a device"),  # (a lone flag did nothing)
])
def test_to_refuses_a_keyword_and_a_positional_one_as_torch(args: tuple, kwargs: dict,
                                                            word: str) -> None:
    as_torch = {np.float32: torch.float32, np.float64: torch.float64}
    with pytest.raises((TypeError, RuntimeError)):
        torch.nn.Linear(2, 2).to(*[as_torch.get(a, a) for a in args],
                                 **{k: as_torch.get(v, v) for k, v in kwargs.items()})
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=f"Linear.to\\(\\): .*{word}"):
        lin.to(*args, **kwargs)
    assert lin.W.dtype == np.float64


def test_to_a_torch_tensor_takes_its_dtype_as_torch() -> None:
    t = torch.zeros(1, dtype=torch.float32)
    assert torch.nn.Linear(2, 2).to(t).weight.dtype == torch.float32
    assert nn.Linear(2, 2).to(t, True).W.dtype == np.float32  # ("Could not convert tensor")
