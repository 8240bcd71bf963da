"""Tests for ``tfgraph_dnn.contrib.distributions`` (TF1's ``tf.contrib.distributions``).

Densities, entropies and KL divergences are checked against SciPy / NumPy closed
forms; samples by shape and (seeded, loosely) by moments; reparameterization by a
gradient.  Graphs are built inside ``with tf.Graph().as_default():`` and run in a
``tf.compat.v1.Session``; one test runs eagerly, one asserts on a fresh process
(``distributions_fresh_script.py``).
"""
from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

import tfgraph_dnn.contrib as contrib
from tfgraph_dnn import tf1_api
from tfgraph_dnn.contrib import distributions as ds

from _background import runner_script

v1 = tf.compat.v1
RNG = np.random.RandomState(0)
LOC = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -0.5]], np.float32)      # batch 2, k = 3
SCALE = np.array([[0.5, 1.0, 2.0], [1.5, 0.3, 0.8]], np.float32)
TRIL = np.array([[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.4, 0.7]], np.float32)
X = RNG.normal(size=(4, 2, 3)).astype(np.float32)                       # sample 4, batch 2


@pytest.fixture
def sess():
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(7)
        with v1.Session(graph=graph) as session:
            yield session


def kl_gauss(mean_a, cov_a, mean_b, cov_b):
    """KL(N(mean_a, cov_a) || N(mean_b, cov_b)) in NumPy."""
    inv_b = np.linalg.inv(cov_b)
    diff = mean_b - mean_a
    return 0.5 * (np.trace(inv_b @ cov_a) + diff @ inv_b @ diff - len(mean_a)
                  + np.linalg.slogdet(cov_b)[1] - np.linalg.slogdet(cov_a)[1])


# --------------------------------------------------------------------------- namespace
def test_reexports_tf_compat_v1_distributions():
    public = [n for n in dir(v1.distributions) if not n.startswith("_")]
    assert {"Normal", "Bernoulli", "Categorical", "kl_divergence", "RegisterKL"} <= set(public)
    for name in public:
        assert name in ds.__all__, name
        if name != "kl_divergence":  # re-exported without its deprecation wrapper
            assert getattr(ds, name) is getattr(v1.distributions, name), name
    assert ds.kl_divergence is getattr(v1.distributions.kl_divergence, "__wrapped__")
    assert all(hasattr(ds, name) for name in ds.__all__)


def test_namespace_points_here_and_eager_mode_is_untouched():
    assert tf1_api.contrib_member("distributions") is ds
    assert contrib.distributions is ds and "distributions" in contrib.__all__
    assert tf.executing_eagerly()


# A TF1-runner process (``_support.runner_script``): TensorFlow imported, tfgraph_dnn not yet.
FRESH = runner_script(
    "tf1_fresh_runner", os.path.join(os.path.dirname(__file__), "distributions_fresh_script.py"),
    order=0, module=__file__, fixture="fresh_entry")


@pytest.fixture
def fresh_entry():
    return FRESH.required("distributions_fresh_script")


@pytest.mark.slow
def test_lazy_export_and_tf1_namespace_registration(fresh_entry):
    """Fresh process: lazy ``contrib.distributions``, then ``tf.contrib.distributions``."""
    assert fresh_entry["ok"], (fresh_entry["error"], fresh_entry["stderr"][-2000:])
    assert fresh_entry["stdout"] == "OK\n"


def test_copy_and_parameters():
    mvn = ds.MultivariateNormalDiagWithSoftplusScale(LOC, SCALE, name="q")
    assert set(mvn.parameters) == {"loc", "scale_diag", "validate_args", "allow_nan_stats",
                                   "name"}
    copy = mvn.copy(loc=LOC + 1.0)
    assert isinstance(copy, ds.MultivariateNormalDiagWithSoftplusScale)
    np.testing.assert_allclose(copy.mean().numpy(), LOC + 1.0)
    ind = ds.Independent(ds.MultivariateNormalDiag(LOC, SCALE))
    assert ind.copy().reinterpreted_batch_ndims == 0 and ind.event_shape.as_list() == [3]


def test_eager():
    mvn = ds.MultivariateNormalDiag(LOC, SCALE)
    expected = [stats.multivariate_normal(LOC[i], np.diag(SCALE[i] ** 2)).logpdf(X[:, i])
                for i in range(2)]
    np.testing.assert_allclose(mvn.log_prob(X).numpy(), np.stack(expected, 1), rtol=1e-5)
    assert mvn.sample(5, seed=1).shape == (5, 2, 3)


# --------------------------------------------------------------------------- MultivariateNormalDiag
def test_mvn_diag_log_prob_prob_entropy_moments(sess):
    mvn = ds.MultivariateNormalDiag(LOC, SCALE)
    assert mvn.batch_shape.as_list() == [2] and mvn.event_shape.as_list() == [3]
    assert mvn.reparameterization_type is ds.FULLY_REPARAMETERIZED
    out = sess.run(dict(lp=mvn.log_prob(X), p=mvn.prob(X), ent=mvn.entropy(), mean=mvn.mean(),
                        mode=mvn.mode(), sd=mvn.stddev(), var=mvn.variance(),
                        cov=mvn.covariance(), batch=mvn.batch_shape_tensor(),
                        event=mvn.event_shape_tensor()))
    refs = [stats.multivariate_normal(LOC[i], np.diag(SCALE[i] ** 2)) for i in range(2)]
    expected_lp = np.stack([refs[i].logpdf(X[:, i]) for i in range(2)], 1)
    np.testing.assert_allclose(out["lp"], expected_lp, rtol=1e-5)
    np.testing.assert_allclose(out["p"], np.exp(expected_lp), rtol=1e-4)
    np.testing.assert_allclose(out["ent"], [r.entropy() for r in refs], rtol=1e-5)
    np.testing.assert_allclose(out["mean"], LOC)
    np.testing.assert_allclose(out["mode"], LOC)
    np.testing.assert_allclose(out["sd"], SCALE)
    np.testing.assert_allclose(out["var"], SCALE ** 2, rtol=1e-6)
    np.testing.assert_allclose(out["cov"], [np.diag(s ** 2) for s in SCALE], rtol=1e-6)
    assert list(out["batch"]) == [2] and list(out["event"]) == [3]


def test_mvn_diag_identity_multiplier_broadcasting_and_defaults(sess):
    # loc [3] with a batch of 3 multipliers -> batch 3; scale_diag + multiplier adds.
    mult = ds.MultivariateNormalDiag([1.0, -1.0], scale_identity_multiplier=[1.0, 2.0, 3.0])
    both = ds.MultivariateNormalDiag(scale_diag=[1.0, 2.0], scale_identity_multiplier=0.5)
    unit = ds.MultivariateNormalDiag(loc=[0.0, 0.0])
    assert mult.batch_shape.as_list() == [3] and mult.event_shape.as_list() == [2]
    assert both.batch_shape.as_list() == [] and both.event_shape.as_list() == [2]
    sd_mult, mean_mult, sd_both, mean_both, lp_unit = sess.run(
        [mult.stddev(), mult.mean(), both.stddev(), both.mean(), unit.log_prob([0.3, -0.2])])
    np.testing.assert_allclose(sd_mult, [[1, 1], [2, 2], [3, 3]])
    np.testing.assert_allclose(mean_mult, [[1, -1]] * 3)
    np.testing.assert_allclose(sd_both, [1.5, 2.5])
    np.testing.assert_allclose(mean_both, [0, 0])
    np.testing.assert_allclose(lp_unit, stats.multivariate_normal(np.zeros(2)).logpdf([0.3, -0.2]),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="event size"):
        ds.MultivariateNormalDiag(scale_identity_multiplier=1.0)


def test_mvn_diag_softplus_scale(sess):
    mvn = ds.MultivariateNormalDiagWithSoftplusScale(LOC, SCALE - 1.0)
    np.testing.assert_allclose(sess.run(mvn.stddev()), np.log1p(np.exp(SCALE - 1.0)), rtol=1e-6)
    assert isinstance(mvn, ds.MultivariateNormalDiag)


def test_mvn_diag_sample_shapes_and_moments(sess):
    mvn = ds.MultivariateNormalDiag(LOC, SCALE)
    one, many = mvn.sample(), mvn.sample([4000, 2], seed=3)
    assert one.shape.as_list() == [2, 3] and many.shape.as_list() == [4000, 2, 2, 3]
    values = sess.run(many).reshape(-1, 2, 3)
    np.testing.assert_allclose(values.mean(0), LOC, atol=0.06)
    np.testing.assert_allclose(values.std(0), SCALE, rtol=0.05)
    # Components are independent: off-diagonal correlations near zero.
    corr = np.corrcoef(values[:, 0].T)
    assert np.all(np.abs(corr - np.eye(3)) < 0.05)


def test_mvn_diag_sample_with_unknown_batch(sess):
    loc = v1.placeholder(tf.float32, [None, 3])
    mvn = ds.MultivariateNormalDiag(loc, tf.nn.softplus(loc) + 0.1)
    code = mvn.sample()
    assert code.shape.as_list() == [None, 3] and mvn.batch_shape.as_list() == [None]
    assert sess.run(code, {loc: LOC}).shape == (2, 3)
    assert sess.run(mvn.batch_shape_tensor(), {loc: np.zeros((5, 3))}).tolist() == [5]


def test_samples_are_reparameterized(sess):
    loc, scale = tf.constant(LOC), tf.constant(SCALE)
    for dist in (ds.MultivariateNormalDiag(loc, scale), ds.MultivariateNormalTriL(loc, TRIL)):
        sample_mean = tf.reduce_mean(dist.sample(50, seed=2), 0)
        grad_loc, = tf.gradients(tf.reduce_sum(sample_mean), [loc])
        np.testing.assert_allclose(sess.run(grad_loc), np.ones_like(LOC), rtol=1e-5)
    grad_scale, = tf.gradients(tf.reduce_sum(ds.MultivariateNormalDiag(loc, scale).sample()),
                               [scale])
    assert grad_scale is not None and np.any(sess.run(grad_scale) != 0)


# --------------------------------------------------------------------------- KL
def test_kl_mvn_diag_matches_closed_form_and_dispatches(sess):
    other_loc, other_scale = LOC[::-1] + 0.3, SCALE[::-1] * 1.2
    a = ds.MultivariateNormalDiag(LOC, SCALE)
    b = ds.MultivariateNormalDiag(other_loc, other_scale)
    kl_ab, kl_method, kl_self = sess.run(
        [ds.kl_divergence(a, b), a.kl_divergence(b), ds.kl_divergence(a, a)])
    expected = [kl_gauss(LOC[i], np.diag(SCALE[i] ** 2), other_loc[i], np.diag(other_scale[i] ** 2))
                for i in range(2)]
    np.testing.assert_allclose(kl_ab, expected, rtol=1e-5)
    np.testing.assert_allclose(kl_method, expected, rtol=1e-5)
    np.testing.assert_allclose(kl_self, [0, 0], atol=1e-6)
    # The same KL through v1.distributions' own kl_divergence (registry shared with TF).
    np.testing.assert_allclose(sess.run(v1.distributions.kl_divergence(a, b)), expected, rtol=1e-5)


def test_kl_mvn_tril_and_mixed(sess):
    tril_b = TRIL * 0.8 + np.diag([0.3, 0.1, 0.2]).astype(np.float32)
    a = ds.MultivariateNormalTriL(LOC[0], TRIL)
    b = ds.MultivariateNormalTriL(LOC[1], tril_b)
    diag = ds.MultivariateNormalDiag(LOC[1], SCALE[1])
    values = sess.run([ds.kl_divergence(a, b), ds.kl_divergence(a, diag),
                       ds.kl_divergence(diag, a)])
    cov_a, cov_b, cov_d = TRIL @ TRIL.T, tril_b @ tril_b.T, np.diag(SCALE[1] ** 2)
    np.testing.assert_allclose(values[0], kl_gauss(LOC[0], cov_a, LOC[1], cov_b), rtol=1e-4)
    np.testing.assert_allclose(values[1], kl_gauss(LOC[0], cov_a, LOC[1], cov_d), rtol=1e-4)
    np.testing.assert_allclose(values[2], kl_gauss(LOC[1], cov_d, LOC[0], cov_a), rtol=1e-4)


# --------------------------------------------------------------------------- TriL
def test_mvn_tril(sess):
    upper_noise = TRIL + np.triu(np.full((3, 3), 9.0, np.float32), 1)  # upper triangle ignored
    mvn = ds.MultivariateNormalTriL(LOC, upper_noise)
    assert mvn.batch_shape.as_list() == [2] and mvn.event_shape.as_list() == [3]
    cov = TRIL @ TRIL.T
    lp, ent, cov_out, var, samples = sess.run(
        [mvn.log_prob(X), mvn.entropy(), mvn.covariance(), mvn.variance(),
         mvn.sample(6000, seed=5)])
    expected = np.stack([stats.multivariate_normal(LOC[i], cov).logpdf(X[:, i])
                         for i in range(2)], 1)
    np.testing.assert_allclose(lp, expected, rtol=1e-5)
    np.testing.assert_allclose(ent, [stats.multivariate_normal(LOC[0], cov).entropy()] * 2,
                               rtol=1e-5)
    np.testing.assert_allclose(cov_out, [cov, cov], rtol=1e-5)
    np.testing.assert_allclose(var, [np.diag(cov)] * 2, rtol=1e-5)
    assert samples.shape == (6000, 2, 3)
    np.testing.assert_allclose(np.cov(samples[:, 1].T), cov, atol=0.15)
    np.testing.assert_allclose(samples.mean(0), LOC, atol=0.07)


# --------------------------------------------------------------------------- Independent
def test_independent_shapes_log_prob_entropy(sess):
    normal = ds.Normal(loc=RNG.normal(size=(2, 4, 3)).astype(np.float32), scale=SCALE[0])
    ind = ds.Independent(normal, reinterpreted_batch_ndims=2)
    default = ds.Independent(normal)  # all but the first batch axis
    assert ind.batch_shape.as_list() == [2] and ind.event_shape.as_list() == [4, 3]
    assert default.reinterpreted_batch_ndims == 2
    assert default.batch_shape.as_list() == [2] and default.event_shape.as_list() == [4, 3]
    x = RNG.normal(size=(5, 2, 4, 3)).astype(np.float32)
    out = sess.run(dict(lp=ind.log_prob(x), p=ind.prob(x[0]), ent=ind.entropy(),
                        mean=ind.mean(), sd=ind.stddev(), sample=ind.sample(7),
                        batch=ind.batch_shape_tensor(), event=ind.event_shape_tensor(),
                        loc=normal.loc))
    per_point = stats.norm(out["loc"], SCALE[0]).logpdf(x)
    np.testing.assert_allclose(out["lp"], per_point.sum((-2, -1)), rtol=1e-5)
    np.testing.assert_allclose(out["p"], np.exp(per_point[0].sum((-2, -1))), rtol=1e-4)
    np.testing.assert_allclose(out["ent"], [stats.norm(0, SCALE[0]).entropy().sum() * 4] * 2,
                               rtol=1e-5)
    np.testing.assert_allclose(out["mean"], out["loc"])
    np.testing.assert_allclose(out["sd"], np.broadcast_to(SCALE[0], (2, 4, 3)))
    assert out["sample"].shape == (7, 2, 4, 3)
    assert list(out["batch"]) == [2] and list(out["event"]) == [4, 3]


def test_independent_of_mvn_and_bernoulli(sess):
    mvn = ds.Independent(ds.MultivariateNormalDiag(LOC, SCALE), reinterpreted_batch_ndims=1)
    assert mvn.batch_shape.as_list() == [] and mvn.event_shape.as_list() == [2, 3]
    assert mvn.reparameterization_type is ds.FULLY_REPARAMETERIZED
    lp, lp_base = sess.run([mvn.log_prob(X), ds.MultivariateNormalDiag(LOC, SCALE).log_prob(X)])
    np.testing.assert_allclose(lp, lp_base.sum(-1), rtol=1e-6)
    # The VAE decoder pattern: float data, logits with an unknown batch size.
    logits, data = v1.placeholder(tf.float32, [None, 6]), v1.placeholder(tf.float32, [None, 6])
    bern = ds.Independent(ds.Bernoulli(logits=logits), reinterpreted_batch_ndims=1)
    lp_bern = bern.log_prob(data)
    assert lp_bern.shape.as_list() == [None] and bern.event_shape.as_list() == [6]
    data_values = (RNG.uniform(size=(3, 6)) > 0.5).astype(np.float32)
    logit_values = RNG.normal(size=(3, 6)).astype(np.float32)
    p = 1.0 / (1.0 + np.exp(-logit_values))
    expected = (data_values * np.log(p) + (1 - data_values) * np.log(1 - p)).sum(-1)
    np.testing.assert_allclose(sess.run(lp_bern, {logits: logit_values, data: data_values}),
                               expected, rtol=1e-5)


def test_independent_kl_and_errors(sess):
    loc_b, scale_b = LOC + 0.5, SCALE * 0.7
    a = ds.Independent(ds.Normal(LOC, SCALE), reinterpreted_batch_ndims=1)
    b = ds.Independent(ds.Normal(loc_b, scale_b), reinterpreted_batch_ndims=1)
    kl = sess.run(ds.kl_divergence(a, b))
    expected = (np.log(scale_b / SCALE) + (SCALE ** 2 + (LOC - loc_b) ** 2) / (2 * scale_b ** 2)
                - 0.5).sum(-1)
    np.testing.assert_allclose(kl, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        ds.Independent(ds.Normal(LOC, SCALE), reinterpreted_batch_ndims=3)
    with pytest.raises(ValueError, match="event shapes"):
        ds.kl_divergence(a, ds.Independent(ds.Normal(LOC, SCALE), reinterpreted_batch_ndims=2))
