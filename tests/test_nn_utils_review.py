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


# ---- second review -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype,bad", [(np.int8, 300), (np.uint8, -1), (np.bool_, 2),
                                       (np.int32, 2**40)])
def test_vector_to_parameters_refuses_an_integer_value_the_tensor_cannot_hold(dtype, bad):
    # only float values were checked: int64 300 went into an int8 as 44, -1 into a uint8 as
    # 255, 2 into a bool as True, without a word
    a, n = Tensor(np.zeros(2)), Tensor(np.zeros(1, dtype))
    with pytest.raises(ValueError, match=f"vector_to_parameters: a {np.dtype(dtype)} tensor"):
        vector_to_parameters(np.array([1, 2, bad], np.int64), [a, n])
    np.testing.assert_array_equal(a.data, [0.0, 0.0])  # nothing written
    vector_to_parameters(np.array([1, 2, 1], np.int64), [a, n])
    np.testing.assert_array_equal(n.data, np.ones(1, dtype))
    vector_to_parameters(np.array([True, False, True]), [a, n])  # (bool: every tensor's)
    np.testing.assert_array_equal(a.data, [1.0, 0.0])


@pytest.mark.parametrize("wd,pd", [(np.float32, np.float16), (np.float64, np.float32),
                                   (np.float32, np.int8)])
def test_embedding_bag_per_sample_weights_of_a_narrower_dtype_is_refused_as_torch(wd, pd):
    # the check let a dtype through that promotes to the weight's (float16 weights with a
    # float32 table), which torch refuses, as its message says
    idx, off, w = np.array([0, 1, 2]), np.array([0, 2]), np.ones((5, 3), wd)
    with pytest.raises(RuntimeError, match="same type"):
        torch.nn.functional.embedding_bag(torch.tensor(idx), torch.tensor(w), torch.tensor(off),
                                          mode="sum", per_sample_weights=torch.ones(
                                              3, dtype=torch.from_numpy(np.ones(1, pd)).dtype))
    with pytest.raises(TypeError, match=f"per_sample_weights has dtype {np.dtype(pd)}"):
        F.embedding_bag(idx, Tensor(w), off, mode="sum", per_sample_weights=np.ones(3, pd))
    out = F.embedding_bag(idx, Tensor(w), off, mode="sum", per_sample_weights=np.ones(3, wd))
    assert out.dtype == wd


def test_a_refused_load_leaves_the_lazy_layers_lazy():
    # all or nothing: the lazy layer was sized off the refused state dict (in_features 5),
    # so the model then refused its real input of 7 features
    m = nn.Sequential(nn.LazyLinear(2), nn.Linear(2, 2))
    bad = {"0.weight": np.ones((2, 5)), "0.bias": np.zeros(2), "1.W": np.ones((3, 3)),
           "1.b": np.zeros(2)}
    with pytest.raises(ValueError, match="'1.W' has shape"):
        m.load_state_dict(bad)
    assert type(m[0]).__name__ == "LazyLinear"
    assert m(Tensor(np.ones((1, 7)))).shape == (1, 2)
    # a lazy layer refused after another was sized: both stay lazy; its own load too
    m = nn.Sequential(nn.LazyLinear(2), nn.LazyConv1d(3, 2))
    with pytest.raises(ValueError, match="LazyConv1d.load_state_dict: 'weight'"):
        m.load_state_dict({"0.weight": np.ones((2, 5)), "1.weight": np.ones((3, 4))})
    assert [type(c).__name__ for c in m] == ["LazyLinear", "LazyConv1d"]
    lone = nn.LazyLinear(2)
    with pytest.raises(ValueError, match="'b' has shape"):
        lone.load_state_dict({"weight": np.ones((2, 5)), "bias": np.zeros(3)})
    assert type(lone).__name__ == "LazyLinear"
    lone.load_state_dict({"weight": np.ones((2, 5)), "bias": np.zeros(2)})  # (a retry)
    assert type(lone).__name__ == "Linear" and lone.W.shape == (2, 5)


@pytest.mark.parametrize("shape", [(3,), (2, 3, 1)])
def test_a_lazy_linear_weight_of_another_rank_is_refused_naming_it(shape):
    # it was passed over, and the load then raised "run one forward pass first"
    for m, key in [(nn.Sequential(nn.LazyLinear(2)), "0.weight"), (nn.LazyLinear(2), "weight")]:
        with pytest.raises(ValueError, match=r"LazyLinear.load_state_dict: 'weight' has shape "
                                             r"\(.*\); expected 2 axes"):
            m.load_state_dict({key: np.ones(shape)})


def test_a_model_with_lazy_layers_refuses_a_state_that_is_not_a_dict_in_one_line():
    # (an AttributeError: 'list' object has no attribute 'items')
    with pytest.raises(TypeError, match="Sequential.load_state_dict: expected a dict of arrays"):
        nn.Sequential(nn.LazyLinear(2)).load_state_dict([("0.weight", np.ones((2, 3)))])


def test_a_shared_lazy_layer_is_sized_under_either_name():
    # a shared non-lazy layer loads from its second name (a tied name); a lazy one raised
    # "run one forward pass first"
    lazy = nn.LazyLinear(2)
    m = nn.Sequential(lazy, lazy)
    m.load_state_dict({"1.weight": np.ones((2, 2)), "1.bias": np.zeros(2)})
    np.testing.assert_array_equal(m[0].W.data, np.ones((2, 2)))
