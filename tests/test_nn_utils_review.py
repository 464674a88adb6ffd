"""Review of the less-travelled nn modules and nn.utils against torch 2.13: each test failed
before its fix."""

import numpy as np
import pytest

import tinygrad_dl.functional as F
from tinygrad_dl import Tensor, nn
from tinygrad_dl.nn.utils import vector_to_parameters

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("groups", [1, 4])
def test_channel_shuffle_result_is_new_memory_as_torch(groups):
    # groups 1 or C moves nothing: the result was a view of x, so an in-place write into it
    # changed x without a word (torch's result is always new memory)
    x = np.arange(24.0).reshape(2, 4, 3)
    xx = Tensor(x.copy())
    y = nn.ChannelShuffle(groups)(xx)
    yt = torch.nn.ChannelShuffle(groups)(torch.tensor(x))
    np.testing.assert_array_equal(y.data, yt.numpy())
    y.add_(100.0)
    np.testing.assert_array_equal(xx.data, x)


def test_embedding_bag_per_sample_weights_of_another_dtype_names_the_argument():
    w = Tensor(np.ones((5, 3), np.float32))
    with pytest.raises(TypeError, match="embedding_bag: per_sample_weights has dtype float64"):
        F.embedding_bag(np.array([0, 1, 2]), w, np.array([0, 2]), mode="sum",
                        per_sample_weights=np.ones(3))
    out = F.embedding_bag(np.array([0, 1, 2]), w, np.array([0, 2]), mode="sum",
                          per_sample_weights=np.full(3, 2.0, np.float32))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [[4.0] * 3, [2.0] * 3])


@pytest.mark.parametrize("bad", [1.5, np.nan, np.inf, 1e30])
def test_vector_to_parameters_refuses_a_value_an_integer_tensor_would_drop(bad):
    a, n = Tensor(np.zeros(2)), Tensor(np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="vector_to_parameters: a int64 tensor"):
        vector_to_parameters(np.array([1.0, 2.0, bad, 3.0]), [a, n])
    np.testing.assert_array_equal(a.data, [0.0, 0.0])  # nothing written
    vector_to_parameters(np.array([1.0, 2.0, 3.0, 4.0]), [a, n])
    np.testing.assert_array_equal(n.data, [3, 4])


def test_a_parent_load_state_dict_sizes_its_lazy_layers_as_torch():
    # torch's lazy load hook sizes a lazy layer from a parent's state dict; this raised
    # "the parameters do not exist yet" unless each layer had run a forward first
    tm = torch.nn.Sequential(torch.nn.Conv2d(4, 6, 3, groups=2), torch.nn.BatchNorm2d(6),
                             torch.nn.Flatten(), torch.nn.Linear(6 * 2 * 2, 3)).double()
    tm.eval()
    m = nn.Sequential(nn.LazyConv2d(6, 3, groups=2), nn.LazyBatchNorm2d(eps=1e-5),
                      nn.Flatten(), nn.LazyLinear(3))
    m.eval()
    m.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    assert [type(c).__name__ for c in m] == ["Conv2d", "BatchNorm2d", "Flatten", "Linear"]
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 4))
    np.testing.assert_allclose(m(Tensor(x)).data, tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)


def test_a_parent_load_without_the_lazy_layers_weight_still_refuses_in_one_line():
    m = nn.Sequential(nn.Linear(2, 2), nn.LazyLinear(3))
    with pytest.raises(RuntimeError, match="LazyLinear: in_features is inferred"):
        m.load_state_dict({"0.weight": np.zeros((2, 2)), "0.bias": np.zeros(2)})
