"""distributions.constraints against torch's, and the refusals around them: `check` of a
Tensor (torch's `d.support.check(x)`), the positive-definite check of 0 x 0 matrices, draws of
rates NumPy cannot sample (found by test_distributions_torch_differential_hX.py's hunt)."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_dl import Tensor
from tinygrad_dl import distributions as D
from tinygrad_dl.distributions import constraints

torch = pytest.importorskip("torch")
TD = torch.distributions


@pytest.mark.parametrize("constraint, value", [
    (constraints.simplex, [[0.3, 0.7], [0.5, 0.6]]),
    (constraints.one_hot, [[0.0, 1.0], [1.0, 1.0]]),
    (constraints.multinomial(3), [[1.0, 2.0], [2.0, 2.0]]),
    (constraints.positive_definite, [[2.0, 0.5], [0.5, 1.0]]),
    (constraints.lower_cholesky, [[2.0, 0.0], [0.5, 1.0]]),
    (constraints.independent(constraints.positive, 1), [[2.0, 0.5], [-0.5, 1.0]]),
    (constraints.unit_interval, [[2.0, 0.5], [0.5, 1.0]]),
])
def test_a_constraint_checks_a_tensor_as_torch(constraint, value):
    """torch's `d.support.check(x)` with a Tensor: simplex's raised TypeError ("operand
    'Tensor' does not support ufuncs"), positive_definite's gave a NumPy bool, the others a
    Tensor by luck (their NumPy calls fell through to Tensor methods); now each checks the
    Tensor's values and gives a bool Tensor, torch's values."""
    theirs = getattr(TD.constraints, repr(constraint).split("(")[0].lower().replace(
        "positivedefinite", "positive_definite").replace("lowercholesky", "lower_cholesky")
        .replace("interval", "unit_interval").replace("independentconstraint", "real_vector"),
        None)
    got = constraint.check(Tensor(np.array(value)))
    assert isinstance(got, Tensor) and got.dtype == np.bool_
    assert np.array_equal(got.data, constraint.check(np.array(value)))
    if theirs is not None and not isinstance(constraint, type(constraints.independent(
            constraints.positive, 1))):
        want = theirs(3) if isinstance(theirs, type) else theirs
        assert got.data.tolist() == want.check(torch.tensor(value)).tolist()


def test_a_mixtures_support_checks_a_tensor():
    d = D.MixtureSameFamily(D.Categorical(Tensor([0.3, 0.7])), D.Exponential(Tensor([1.0, 2.0])))
    assert d.support.check(Tensor([0.5, -1.0])).data.tolist() == [True, False]


def test_a_validated_multivariate_normal_of_event_size_0_as_torch():
    """validate_args's positive-definite check of a 0 x 0 matrix raised "Tap: cannot apply to
    shapes (0, 0): cannot reshape array of size 0 into shape (0,0)" (its reshape(-1, 0, 0));
    torch builds it (entropy 0). Its log_prob raises (the same reshape, in
    _batch_mahalanobis); ours is 0, the density 1 of the one point of R^0."""
    d = D.MultivariateNormal(Tensor(np.zeros(0)), Tensor(np.zeros((0, 0))), validate_args=True)
    t = TD.MultivariateNormal(torch.zeros(0, dtype=torch.float64),
                              torch.zeros(0, 0, dtype=torch.float64), validate_args=True)
    assert float(d.entropy().data) == float(t.entropy()) == 0.0
    assert d.log_prob(Tensor(np.zeros((2, 0)))).data.tolist() == [0.0, 0.0]
    assert constraints.positive_definite.check(np.zeros((3, 0, 0))).tolist() == [True] * 3


def test_draws_of_rates_past_numpys_range_raise_where_torchs_are_garbage():
    """torch's Poisson draw of a rate 1e25 (and a NegativeBinomial's of logits 100) is
    -9.2e18, a negative count; ours raises one line naming the distribution."""
    assert float(TD.Poisson(torch.tensor([1e25], dtype=torch.float64)).sample()) < 0
    for d in (D.Poisson(Tensor([1e25])), D.NegativeBinomial(Tensor([5.0]),
                                                            logits=Tensor([100.0]))):
        with pytest.raises(ValueError, match=f"{type(d).__name__}.sample: invalid param"):
            d.sample()
