"""tinygrad_dl.distributions.transforms, biject_to / transform_to and TransformedDistribution
against torch.distributions (torch 2.13, CPU, float64): maps, inverses and log |det J| to
1e-12, their gradients in the inputs and the parameters to 1e-10; domains, codomains, event
dims, signs, shapes; TransformedDistribution's log_prob / cdf / icdf / shapes / support,
rsample's gradients on the same base draws, draws by their statistics, validate_args's
errors and a jitted step that replays with fresh draws."""

from __future__ import annotations

import numpy as np
import pytest
from oracle import replays_as_eager

import tinygrad_dl as tg
from tinygrad_dl import Tensor
from tinygrad_dl import distributions as D
from tinygrad_dl.distributions import transforms as T

torch = pytest.importorskip("torch")
TD = torch.distributions
TT = torch.distributions.transforms


def _close(got, want, rtol, what):
    want = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=rtol * 1e-2, err_msg=what)


def both(fn, *arrays, what="", gtol=1e-10):
    """fn(module, tensor module, *params) in tinygrad_dl and torch on the same float64 arrays
    (each requiring grad): values to 1e-12, gradients of a weighted sum to `gtol`."""
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got, want = fn(D, tg, *ours), fn(TD, torch, *theirs)
    assert got.shape == tuple(want.shape), what
    assert got.dtype == np.float64, what
    _close(got.data, want, 1e-12, what)
    w = np.random.default_rng(1).standard_normal(got.shape)
    (got * Tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad), f"{what}: grad {k}"
        else:
            np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=gtol,
                                       atol=gtol * 1e-2, err_msg=f"{what}: grad {k}")


rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))
POS = rng.uniform(0.2, 3.0, (3, 4))
P = rng.uniform(0.3, 2.0, (4,))

# name: (make(module, *params), params, x, bijective)
TRANSFORMS = {
    "exp": (lambda m, *p: m.ExpTransform(), (), X),
    "sigmoid": (lambda m, *p: m.SigmoidTransform(), (), X),
    "tanh": (lambda m, *p: m.TanhTransform(), (), X * 0.5),
    "softplus": (lambda m, *p: m.SoftplusTransform(), (), X),
    "power": (lambda m, e: m.PowerTransform(e), (P,), POS),
    "power_neg": (lambda m, e: m.PowerTransform(-e), (P,), POS),
    "affine_numbers": (lambda m, *p: m.AffineTransform(0.5, -2.0), (), X),
    "affine_tensors": (lambda m, a, b: m.AffineTransform(a, b), (P - 1, P), X),
    "affine_neg_event1": (lambda m, a, b: m.AffineTransform(a, -b, event_dim=1), (P - 1, P), X),
    "stick": (lambda m, *p: m.StickBreakingTransform(), (), X),
    "compose": (lambda m, *p: m.ComposeTransform([m.AffineTransform(0.3, 1.5),
                                                  m.ExpTransform(),
                                                  m.PowerTransform(0.5)]), (), X),
    "compose_event": (lambda m, *p: m.ComposeTransform([m.ExpTransform(),
                                                        m.StickBreakingTransform()]), (), X),
    "independent": (lambda m, *p: m.IndependentTransform(m.SigmoidTransform(), 1), (), X),
    "reshape": (lambda m, *p: m.ReshapeTransform((4,), (2, 2)), (), X),
    "inverse_exp": (lambda m, *p: m.ExpTransform().inv, (), POS),
    "inverse_stick": (lambda m, *p: m.StickBreakingTransform().inv,
                      (), np.exp(X) / np.exp(X).sum(-1, keepdims=True)),
    "identity": (lambda m, *p: m.identity_transform, (), X),
}


def _mod(m):
    return T if m is D else TT


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_map_inverse_and_jacobian_match_torch(name):
    make, params, x = TRANSFORMS[name]

    def forward(m, t, x, *p):
        return make(_mod(m), *p)(x)

    def inverse(m, t, x, *p):
        tr = make(_mod(m), *p)
        return tr.inv(tr(x))

    def jac(m, t, x, *p):
        tr = make(_mod(m), *p)
        y = tr(x)
        return tr.log_abs_det_jacobian(x, y) + 0 * y.sum()

    both(forward, x, *params, what=f"{name} forward")
    both(inverse, x, *params, what=f"{name} inverse")
    both(jac, x, *params, what=f"{name} log_abs_det_jacobian")


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_properties_match_torch(name):
    make, params, x = TRANSFORMS[name]
    ours = make(T, *(Tensor(p) for p in params))
    theirs = make(TT, *(torch.tensor(p) for p in params))
    assert ours.bijective == theirs.bijective
    assert ours.domain.event_dim == theirs.domain.event_dim
    assert ours.codomain.event_dim == theirs.codomain.event_dim
    assert repr(ours.domain) == repr(theirs.domain)
    assert repr(ours.codomain) == repr(theirs.codomain)
    assert repr(ours) == repr(theirs)
    for shape in [x.shape, (5,) + x.shape]:
        assert ours.forward_shape(shape) == tuple(theirs.forward_shape(shape))
        y_shape = ours.forward_shape(shape)
        assert ours.inverse_shape(y_shape) == tuple(theirs.inverse_shape(y_shape))
    try:
        want = theirs.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            ours.sign  # noqa: B018
        return
    got = ours.sign
    np.testing.assert_array_equal(np.asarray(getattr(got, "data", got)),
                                  want.numpy() if hasattr(want, "numpy") else want)


def test_inv_is_cached_and_inverts_back():
    t = T.ExpTransform()
    assert t.inv.inv is t and t.inv is t.inv
    assert t.inv.domain is t.codomain and t.inv.codomain is t.domain
    c = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)])
    assert c.inv.inv is c
    assert c == T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)])
    assert c != T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 3.0)])
    cached = T.SigmoidTransform(cache_size=1)
    x = Tensor(np.array([40.0]))  # sigmoid(40) rounds to 1 - eps: only the cache gives x back
    assert cached.inv(cached(x)) is x
    with pytest.raises(ValueError, match="cache_size"):
        T.ExpTransform(cache_size=2)


def test_event_dim_and_one_line_errors():
    assert T.ExpTransform().event_dim == 0 and T.StickBreakingTransform().event_dim == 1
    assert T.AffineTransform(0.0, 1.0, event_dim=2).event_dim == 2
    with pytest.raises(ValueError, match="event_dim") as e:
        T.ReshapeTransform((4,), (2, 2)).event_dim  # noqa: B018
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="different numbers of elements"):
        T.ReshapeTransform((4,), (3,))
    with pytest.raises(ValueError, match="shape mismatch"):
        T.ReshapeTransform((4,), (2, 2)).forward_shape((3, 5))
    with pytest.raises(ValueError, match="too few dimensions"):
        T.StickBreakingTransform().forward_shape(())
    with pytest.raises(NotImplementedError):
        T.AbsTransform().log_abs_det_jacobian(Tensor([1.0]), Tensor([1.0]))
    with pytest.raises(NotImplementedError):
        TT.AbsTransform().log_abs_det_jacobian(torch.ones(1), torch.ones(1))


def test_abs_softmax_lower_cholesky_match_torch():
    m = rng.standard_normal((2, 3, 3))
    for name in ["AbsTransform", "SoftmaxTransform", "LowerCholeskyTransform"]:
        def fwd(mod, t, x, name=name):
            return getattr(_mod(mod), name)()(x)

        def inv(mod, t, x, name=name):
            tr = getattr(_mod(mod), name)()
            return tr.inv(tr(x))

        both(fwd, m, what=name)
        both(inv, m, what=name)


CONSTRAINTS = {
    "real": lambda C: C.real, "positive": lambda C: C.positive,
    "nonnegative": lambda C: C.nonnegative, "greater_than": lambda C: C.greater_than(1.5),
    "less_than": lambda C: C.less_than(-0.5), "unit_interval": lambda C: C.unit_interval,
    "interval": lambda C: C.interval(-1.0, 3.0), "interval_01": lambda C: C.interval(0, 1),
    "simplex": lambda C: C.simplex, "real_vector": lambda C: C.real_vector,
    "lower_cholesky": lambda C: C.lower_cholesky,
}


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_biject_to_and_transform_to_match_torch(name, registry):
    ours_c, theirs_c = CONSTRAINTS[name](D.constraints), CONSTRAINTS[name](TD.constraints)
    try:
        theirs = getattr(TD, registry)(theirs_c)
    except NotImplementedError as e:
        with pytest.raises(NotImplementedError, match=str(e).replace("_", ".")[:20]):
            getattr(D, registry)(ours_c)
        return
    ours = getattr(D, registry)(ours_c)
    assert repr(ours) == repr(theirs)
    assert ours.bijective == theirs.bijective
    x = rng.standard_normal((2, 3, 3))
    y = ours(Tensor(x))
    _close(y.data, theirs(torch.tensor(x)), 1e-12, name)
    assert np.all(ours_c.check(y.data)), name
    if theirs.bijective:
        tx = torch.tensor(x)
        _close(ours.log_abs_det_jacobian(Tensor(x), y).data,
               theirs.log_abs_det_jacobian(tx, theirs(tx)), 1e-12, name)


def test_biject_to_refuses_an_unknown_constraint():
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        D.biject_to(D.constraints.boolean)
    with pytest.raises(TypeError, match="Constraint"):
        D.biject_to.register(3, lambda c: T.ExpTransform())


LOC, SCALE = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)

# name: (make(D module, T module, loc, scale), a value in the support (shape batch + event))
TRANSFORMED = {
    "lognormal": (lambda d, t, a, b: d.TransformedDistribution(d.Normal(a, b),
                                                               [t.ExpTransform()]),
                  np.exp(X)),
    "affine_negative": (lambda d, t, a, b: d.TransformedDistribution(
        d.Normal(a, b), [t.AffineTransform(a * 0.5, -b)]), X),
    "logistic": (lambda d, t, a, b: d.TransformedDistribution(
        d.Uniform(a * 0, a * 0 + 1), [t.SigmoidTransform().inv, t.AffineTransform(a, b)]), X),
    "tanh_normal": (lambda d, t, a, b: d.TransformedDistribution(
        d.Normal(a, b), t.TanhTransform()), np.tanh(X)),
    "stick": (lambda d, t, a, b: d.TransformedDistribution(
        d.Normal(a[:3], b[:3]), [t.StickBreakingTransform()]), np.array([0.1, 0.2, 0.3, 0.4])),
    "reshape": (lambda d, t, a, b: d.TransformedDistribution(
        d.Normal(a, b), [t.ReshapeTransform((4,), (2, 2)), t.ExpTransform()]),
        np.exp(X).reshape(3, 2, 2)),
    "independent_base": (lambda d, t, a, b: d.TransformedDistribution(
        d.Independent(d.Normal(a, b), 1), [t.ExpTransform(), t.PowerTransform(b)]), POS),
    "power_decreasing": (lambda d, t, a, b: d.TransformedDistribution(
        d.Normal(a, b), [t.ExpTransform(), t.PowerTransform(-b)]), POS),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMED))
def test_transformed_log_prob_shapes_and_support_match_torch(name):
    make, value = TRANSFORMED[name]
    both(lambda m, t, a, b, v: make(m, _mod(m), a, b).log_prob(v), LOC, SCALE, value,
         what=f"{name} log_prob")
    ours = make(D, T, Tensor(LOC), Tensor(SCALE))
    theirs = make(TD, TT, torch.tensor(LOC), torch.tensor(SCALE))
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample
    assert ours.support.event_dim == theirs.support.event_dim
    assert repr(ours.support) == repr(theirs.support)
    s = ours.sample((5,))
    assert s.shape == (5,) + tuple(theirs.batch_shape + theirs.event_shape)
    assert np.all(ours.support.check(s.data))
    assert not s.requires_grad
    e = ours.expand((3,) + ours.batch_shape[1:] if ours.batch_shape[:1] == (3,)
                    else (3,) + ours.batch_shape)
    te = theirs.expand(e.batch_shape)
    assert (e.batch_shape, e.event_shape) == (tuple(te.batch_shape), tuple(te.event_shape))
    _close(e.log_prob(Tensor(value)).data, te.log_prob(torch.tensor(value)), 1e-12, name)


@pytest.mark.parametrize("name", ["lognormal", "affine_negative", "tanh_normal",
                                  "power_decreasing"])
def test_transformed_cdf_and_icdf_match_torch(name):
    # sign -1 (a negative scale, a negative power) turns the cdf around, as torch's
    make, value = TRANSFORMED[name]
    both(lambda m, t, a, b, v: make(m, _mod(m), a, b).cdf(v), LOC, SCALE, value,
         what=f"{name} cdf")
    q = rng.uniform(0.05, 0.95, (3, 4))
    both(lambda m, t, a, b, v: make(m, _mod(m), a, b).icdf(v), LOC, SCALE, q,
         what=f"{name} icdf")


def test_logistic_cdf_and_icdf_match_torch():
    # a Uniform base: cdf and icdf through the inverse sigmoid and an affine map
    make, value = TRANSFORMED["logistic"]
    q = rng.uniform(0.05, 0.95, (3, 4))
    both(lambda m, t, a, b, v: make(m, _mod(m), a, b).cdf(v), LOC, SCALE, value, what="cdf")
    both(lambda m, t, a, b, v: make(m, _mod(m), a, b).icdf(v), LOC, SCALE, q, what="icdf")


def test_lognormal_as_a_transformed_normal_equals_the_written_out_one():
    loc, scale, v = Tensor(LOC), Tensor(SCALE), Tensor(np.exp(X))
    td = D.TransformedDistribution(D.Normal(loc, scale), [T.ExpTransform()])
    ln = D.LogNormal(loc, scale)
    np.testing.assert_allclose(td.log_prob(v).data, ln.log_prob(v).data, rtol=1e-14)
    np.testing.assert_allclose(td.cdf(v).data, ln.cdf(v).data, rtol=1e-14)
    # cdf(0) is taken (the base Normal's value -inf is real), as torch's
    assert td.cdf(Tensor(np.zeros(4))).data.tolist() == [0.0] * 4


def test_rsample_gradient_matches_torch_on_the_same_base_draws():
    # the same standard normal draws fed to torch's formula exp(loc + scale eps) ** p
    loc = Tensor(LOC.copy(), requires_grad=True)
    scale = Tensor(SCALE.copy(), requires_grad=True)
    d = D.TransformedDistribution(D.Normal(loc, scale), [T.ExpTransform(),
                                                          T.PowerTransform(0.7)])
    tg.manual_seed(5)
    y = d.rsample((6,))
    tg.manual_seed(5)
    eps = D.Normal(np.zeros(4), np.ones(4)).rsample((6,)).data
    tl, ts = (torch.tensor(a, requires_grad=True) for a in (LOC, SCALE))
    want = TT.PowerTransform(torch.tensor(0.7, dtype=torch.float64))(
        TT.ExpTransform()(tl + ts * torch.tensor(eps)))
    _close(y.data, want, 1e-12, "rsample")
    w = rng.standard_normal(y.shape)
    (y * Tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(np.asarray(loc.grad), tl.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(scale.grad), ts.grad.numpy(), rtol=1e-10)


def test_draws_by_their_statistics():
    tg.manual_seed(0)
    d = D.TransformedDistribution(D.Normal(Tensor([0.0]), Tensor([0.5])), [T.ExpTransform()])
    s = d.sample((40000,)).data
    assert abs(s.mean() - np.exp(0.125)) < 0.01  # the log-normal mean exp(sigma^2 / 2)
    assert abs(np.log(s).std() - 0.5) < 0.01
    d = D.TransformedDistribution(D.Normal(Tensor(np.zeros(2)), Tensor(np.ones(2))),
                                  [T.StickBreakingTransform()])
    s = d.sample((1000,)).data
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-12)
    assert (s > 0).all()


def test_validate_args_errors_are_one_line():
    d = D.TransformedDistribution(D.Normal(Tensor(LOC), Tensor(SCALE)), [T.ExpTransform()])
    with pytest.raises(ValueError, match="support") as e:
        d.log_prob(Tensor(-np.ones(4)))
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError):
        TD.TransformedDistribution(TD.Normal(torch.tensor(LOC), torch.tensor(SCALE)),
                                   [TT.ExpTransform()]).log_prob(-torch.ones(4))
    # validate_args=False leaves the base's own check (log(-1) is NaN, not real), as torch's
    d = D.TransformedDistribution(D.Normal(Tensor(LOC), Tensor(SCALE)), [T.ExpTransform()],
                                  validate_args=False)
    with pytest.raises(ValueError, match="Normal: expected value"):
        d.log_prob(Tensor(-np.ones(4)))
    with pytest.raises(ValueError):
        TD.TransformedDistribution(TD.Normal(torch.tensor(LOC), torch.tensor(SCALE)),
                                   [TT.ExpTransform()], validate_args=False
                                   ).log_prob(-torch.ones(4))
    d = D.TransformedDistribution(D.Normal(Tensor(LOC), Tensor(SCALE), validate_args=False),
                                  [T.ExpTransform()], validate_args=False)
    assert np.isnan(d.log_prob(Tensor(-np.ones(4))).data).all()
    # cdf checks the pulled-back value against the base's support even where the base does
    # not validate (torch's)
    d = D.TransformedDistribution(D.Normal(Tensor(LOC), Tensor(SCALE), validate_args=False),
                                  [T.ExpTransform()], validate_args=True)
    with pytest.raises(ValueError, match="Normal: expected value"):
        d.cdf(Tensor(-np.ones(4)))
    with pytest.raises(ValueError):
        TD.TransformedDistribution(TD.Normal(torch.tensor(LOC), torch.tensor(SCALE),
                                             validate_args=False),
                                   [TT.ExpTransform()], validate_args=True).cdf(-torch.ones(4))
    with pytest.raises(ValueError, match="transforms must be a Transform or list"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), T.ExpTransform)
    with pytest.raises(ValueError, match="list of Transforms"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), [3])
    with pytest.raises(ValueError, match="shape with size at least 1"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), [T.StickBreakingTransform()])
    with pytest.raises(ValueError, match="shape with size at least 1"):
        TD.TransformedDistribution(TD.Normal(0.0, 1.0), [TT.StickBreakingTransform()])


def test_a_jitted_step_with_a_transformed_distribution_replays_with_fresh_draws():
    w = Tensor(np.array([0.3, -0.2, 0.1]), requires_grad=True)

    def step(x):
        a = Tensor(x) * w
        d = D.TransformedDistribution(D.Normal(a, a.exp()),
                                      [T.AffineTransform(a, 2.0), T.SigmoidTransform(),
                                       T.AffineTransform(-1.0, 3.0)])
        s = d.rsample((2,))
        out = d.log_prob(s.detach()).sum() + s.sum() + d.cdf(s.detach()).sum()
        # an event support made at each call (IndependentConstraint), checked in a Tap op
        r = D.TransformedDistribution(D.Normal(a, 1.0), [T.ReshapeTransform((3,), (3, 1)),
                                                         T.ExpTransform()])
        out = out + r.log_prob(r.sample()).sum()
        out.backward()
        return s, out

    xs = [np.random.default_rng(i).standard_normal(3) for i in range(5)]
    outs = replays_as_eager(step, xs, w)
    assert len({o[0].tobytes() for o in outs}) == len(xs)  # drawn afresh at each call


def test_float32_and_empty_batches_keep_dtype_and_shape():
    loc32 = Tensor(LOC.astype(np.float32))
    scale32 = Tensor(SCALE.astype(np.float32))
    for d in [D.TransformedDistribution(D.Normal(loc32, scale32),
                                        [T.AffineTransform(0.5, 2.0), T.SigmoidTransform()]),
              D.TransformedDistribution(D.Normal(loc32[:3], scale32[:3]),
                                        [T.StickBreakingTransform()]),
              D.Weibull(scale32, scale32), D.LogisticNormal(loc32, scale32)]:
        s = d.rsample((2,))
        assert s.dtype == np.float32 and d.log_prob(s).dtype == np.float32
        td = (TD.TransformedDistribution(
            TD.Normal(torch.tensor(LOC, dtype=torch.float32),
                      torch.tensor(SCALE, dtype=torch.float32)),
            [TT.AffineTransform(0.5, 2.0), TT.SigmoidTransform()]))
    v = np.array([0.2, 0.4, 0.6, 0.8], np.float32)
    ours = D.TransformedDistribution(D.Normal(loc32, scale32), [T.AffineTransform(0.5, 2.0),
                                                                T.SigmoidTransform()])
    np.testing.assert_allclose(ours.log_prob(Tensor(v)).data,
                               td.log_prob(torch.tensor(v)).numpy(), rtol=1e-5)
    empty = D.TransformedDistribution(D.Normal(Tensor(np.zeros((0, 3))), 1.0),
                                      [T.StickBreakingTransform()])
    assert empty.batch_shape == (0,) and empty.event_shape == (4,)
    assert empty.sample((2,)).shape == (2, 0, 4)
    assert empty.log_prob(Tensor(np.zeros((0, 4)) + 0.25)).shape == (0,)
