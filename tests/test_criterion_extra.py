"""AbsCriterion, SmoothL1Criterion, BCECriterion, KLDCriterion, ParallelCriterion: BigDL's
formulas (known answers), central-difference gradients, errors."""
import numpy as np
import pytest

from bigdl_py import RNG
from bigdl_py.nn.criterion import (AbsCriterion, BCECriterion, ClassNLLCriterion,
                                   KLDCriterion, MSECriterion, ParallelCriterion,
                                   SmoothL1Criterion)
from gradcheck import numeric_grad


def _xt(shape=(3, 4), seed=0, prob=False):
    rng = np.random.default_rng(seed)
    if prob:
        return rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    return rng.standard_normal(shape) * 2, rng.standard_normal(shape) * 2


@pytest.mark.parametrize("size_average", [True, False])
def test_abs_and_smooth_l1_known_answers(size_average):
    x, t = np.array([[0.0, 1.0], [2.0, -3.0]]), np.array([[0.5, 1.0], [0.0, -1.5]])
    n = 4 if size_average else 1
    assert AbsCriterion(size_average).forward(x, t) == pytest.approx((0.5 + 0 + 2 + 1.5) / n)
    # |d| = .5 -> .125, 0 -> 0, 2 -> 1.5, 1.5 -> 1.0
    assert SmoothL1Criterion(size_average).forward(x, t) == pytest.approx(2.625 / n)
    # BigDL's Abs gradient: -norm where t > x, +norm otherwise (ties included)
    np.testing.assert_array_equal(AbsCriterion(size_average).backward(x, t),
                                  np.array([[-1.0, 1.0], [1.0, -1.0]]) / n)
    np.testing.assert_allclose(SmoothL1Criterion(size_average).backward(x, t),
                               np.array([[-0.5, 0.0], [1.0, -1.0]]) / n)


def test_bce_known_answer_and_weights():
    x, t = np.array([0.25, 0.5, 0.9]), np.array([0.0, 1.0, 1.0])
    expected = -(np.log(0.75 + 1e-12) + np.log(0.5 + 1e-12) + np.log(0.9 + 1e-12)) / 3
    assert BCECriterion().forward(x, t) == pytest.approx(expected, rel=1e-12)
    w = np.array([1.0, 2.0, 0.5])
    expected_w = -(np.log(0.75 + 1e-12) + 2 * np.log(0.5 + 1e-12) +
                   0.5 * np.log(0.9 + 1e-12)) / 3
    assert BCECriterion(w).forward(x, t) == pytest.approx(expected_w, rel=1e-12)
    # trailing-axes weights broadcast over the batch
    xb, tb = np.stack([x, x]), np.stack([t, t])
    assert BCECriterion(w).forward(xb, tb) == pytest.approx(expected_w, rel=1e-12)
    with pytest.raises(ValueError, match="BCECriterion: expected weights"):
        BCECriterion([1.0, 2.0]).forward(x, t)


@pytest.mark.parametrize("crit", [AbsCriterion(), SmoothL1Criterion(False), BCECriterion(),
                                  BCECriterion([0.5, 1.0, 2.0, 1.5], size_average=False),
                                  MSECriterion()], ids=repr)
def test_elementwise_gradients(crit):
    x, t = _xt(prob=isinstance(crit, BCECriterion))
    if not isinstance(crit, BCECriterion):
        x = x + 0.01 * np.sign(x - t)  # keep away from the kinks
    g = crit.backward(x, t)
    num = numeric_grad(lambda: np.array(crit.forward(x, t)), x)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_kld_bigdl_known_answer():
    """BigDL's KLDCriterionSpec: seed 100, two 2x3 inputs of MT19937 uniforms."""
    RNG.set_algorithm("mt19937")
    RNG.set_seed(100)
    mean = np.empty((2, 3), np.float32)
    log_var = np.empty((2, 3), np.float32)
    RNG.uniform_(mean)
    RNG.uniform_(log_var)
    crit = KLDCriterion()
    assert crit.forward([mean, log_var], None) == pytest.approx(0.991884 / 2, abs=1e-3)
    g_mean, g_lv = crit.backward([mean, log_var], None)
    np.testing.assert_allclose(g_mean, np.float32([0.54340494, 0.67115563, 0.2783694,
                                                   0.4120464, 0.4245176, 0.52638245]
                                                  ).reshape(2, 3) * 0.5, rtol=1e-6)
    np.testing.assert_allclose(g_lv, np.float32([0.66372836, 0.08010721, 0.002364993,
                                                 0.084828794, 0.06463373, 0.10249251]
                                                ).reshape(2, 3) * 0.5, rtol=1e-5)


@pytest.mark.parametrize("size_average", [True, False])
def test_kld_gradient(size_average):
    mean, log_var = _xt((4, 3), seed=3)
    crit = KLDCriterion(size_average)
    g_mean, g_lv = crit.backward([mean, log_var])
    np.testing.assert_allclose(
        g_mean, numeric_grad(lambda: np.array(crit.forward([mean, log_var])), mean),
        rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        g_lv, numeric_grad(lambda: np.array(crit.forward([mean, log_var])), log_var),
        rtol=1e-5, atol=1e-7)


def test_parallel_criterion_weighted_sum_and_gradients():
    x1, t1 = _xt((3, 2), seed=1)
    x2 = np.log(np.full((3, 4), 0.25))
    t2 = np.array([1, 4, 2])
    p = ParallelCriterion().add(MSECriterion(), 0.5).add(ClassNLLCriterion(), 2.0)
    expected = 0.5 * MSECriterion().forward(x1, t1) + 2.0 * ClassNLLCriterion().forward(x2, t2)
    assert p.forward([x1, x2], [t1, t2]) == pytest.approx(expected)
    g1, g2 = p.backward([x1, x2], [t1, t2])
    np.testing.assert_allclose(g1, 0.5 * MSECriterion().backward(x1, t1))
    np.testing.assert_allclose(g2, 2.0 * ClassNLLCriterion().backward(x2, t2))
    shared = ParallelCriterion(True).add(MSECriterion()).add(AbsCriterion())
    assert shared.forward([x1, x1], t1) == pytest.approx(
        MSECriterion().forward(x1, t1) + AbsCriterion().forward(x1, t1))


def test_mse_pairs_column_output_with_flat_target():
    out = np.array([[1.0], [2.0], [3.0]])
    assert MSECriterion().forward(out, np.array([1.0, 2.0, 5.0])) == pytest.approx(4 / 3)
    assert MSECriterion().backward(out, [1.0, 2.0, 5.0]).shape == (3, 1)
    with pytest.raises(ValueError, match=r"MSECriterion: expected target of shape \(3, 1\)"):
        MSECriterion().forward(out, np.ones((1, 3, 2)))
    with pytest.raises(ValueError, match=r"MSECriterion: expected target of shape \(2, 3\)"):
        MSECriterion().forward(np.ones((2, 3)), np.ones((3, 2)))  # a transpose is an error


def test_bigdl_type_argument():
    assert MSECriterion("float").size_average is True
    assert AbsCriterion(False, bigdl_type="double").size_average is False
    with pytest.raises(ValueError, match="MSECriterion: expected bigdl_type 'float' or "
                                         "'double', got 'half'"):
        MSECriterion(bigdl_type="half")


def test_table_criteria_errors():
    with pytest.raises(TypeError, match="KLDCriterion: expected a table"):
        KLDCriterion().forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="KLDCriterion: expected mean and log_var of one"):
        KLDCriterion().forward([np.ones((2, 3)), np.ones((3, 2))])
    p = ParallelCriterion().add(MSECriterion())
    with pytest.raises(TypeError, match="ParallelCriterion: expected a table .* of 1"):
        p.forward([np.ones(2), np.ones(2)], [np.ones(2)])
    with pytest.raises(TypeError, match="ParallelCriterion: expected a criterion"):
        p.add("mse")
    with pytest.raises(ValueError, match="ParallelCriterion: expected weight to be a finite number, got nan"):
        p.add(MSECriterion(), float("nan"))
