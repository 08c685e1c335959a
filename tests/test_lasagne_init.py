"""bigdl_py.lasagne.init and .nonlinearities: Lasagne's initializers (gain and fan rules,
draws through bigdl_py.RNG) and nonlinearities with their derivatives."""
import math

import numpy as np
import pytest
from gradcheck import numeric_grad
from helpers import Z

from bigdl_py import RNG
from bigdl_py.lasagne import init, nonlinearities as nl


def _normal_ok(sample, mean, std):
    n = sample.size
    assert abs(sample.mean() - mean) < Z * std / math.sqrt(n)
    assert abs(sample.std() - std) < Z * std / math.sqrt(2 * n)


# ---- plain initializers -------------------------------------------------------------
def test_initializer_base_is_abstract():
    with pytest.raises(NotImplementedError, match="Initializer.sample"):
        init.Initializer().sample((2, 2))


@pytest.mark.parametrize("cls", [init.Constant, init.Normal, init.Uniform, init.GlorotNormal,
                                 init.GlorotUniform, init.HeNormal, init.HeUniform])
def test_shape_and_float32(cls):
    s = cls()((12, 23))
    assert s.shape == (12, 23) and s.dtype == np.float32
    assert cls().sample((3, 4), "float64").dtype == np.float64


def test_constant():
    assert (init.Constant(1.5).sample((10, 20)) == 1.5).all()
    assert (init.Constant()((3,)) == 0).all()


def test_normal_statistics():
    _normal_ok(init.Normal().sample((100, 200)).astype(np.float64), 0.0, 0.01)
    _normal_ok(init.Normal(std=2.0, mean=-1.0).sample((100, 200)).astype(np.float64), -1.0, 2.0)


def test_uniform_range_as_number_and_pair():
    s = init.Uniform(1.0).sample((300, 400))
    assert -1.0 <= s.min() < -0.99 and 0.99 < s.max() <= 1.0
    s = init.Uniform((0.0, 1.0)).sample((300, 400))
    assert 0.0 <= s.min() < 0.01 and 0.99 < s.max() <= 1.0


def test_uniform_mean_std():
    s = init.Uniform(std=1.0, mean=5.0).sample((300, 400)).astype(np.float64)
    n = s.size
    assert abs(s.mean() - 5.0) < Z / math.sqrt(n)
    # variance of U(a, b) samples: 4th central moment 9/5 sigma^4 -> se(var) = sqrt(0.8/n)
    assert abs(s.var() - 1.0) < Z * math.sqrt(0.8 / n)
    assert 5 - math.sqrt(3) <= s.min() and s.max() <= 5 + math.sqrt(3)


def test_same_seed_same_sample():
    for cls in (init.Normal, init.Uniform, init.GlorotNormal, init.GlorotUniform,
                init.HeNormal, init.HeUniform):
        RNG.set_seed(123456789)
        a = cls().sample((30, 40))
        RNG.set_seed(123456789)
        assert np.array_equal(a, cls().sample((30, 40)))


def test_draws_follow_bigdl_mt19937():
    """Initializers draw through bigdl_py.RNG: in mt19937 mode the numbers are BigDL's."""
    RNG.set_algorithm("mt19937")
    RNG.set_seed(100)
    got = init.Uniform((0.0, 1.0)).sample((2, 4))
    # SPEC §2 reference vector (BigDL 2.4, float32)
    ref = [0.54340494, 0.67115563, 0.2783694, 0.4120464,
           0.4245176, 0.52638245, 0.84477615, 0.14860484]
    np.testing.assert_allclose(got.ravel(), ref, rtol=1e-7)


# ---- gain and fan rules ----------------------------------------------------------------
def _glorot_std(shape, gain=1.0, c01b=False):
    if c01b:
        n1, n2, r = shape[0], shape[3], shape[1] * shape[2]
    else:
        n1, n2, r = shape[0], shape[1], int(np.prod(shape[2:]))
    return gain * math.sqrt(2.0 / ((n1 + n2) * r))


def _he_std(shape, gain=1.0, c01b=False):
    if c01b:
        fan_in = int(np.prod(shape[:3]))
    else:
        fan_in = shape[0] if len(shape) == 2 else int(np.prod(shape[1:]))
    return gain * math.sqrt(1.0 / fan_in)


CASES = [((20, 50), {}), ((50, 50, 2), {}), ((8, 4, 3, 3), {}), ((20, 50), {"gain": 10.0}),
         ((20, 50), {"gain": "relu"}), ((25, 2, 2, 25), {"c01b": True})]


@pytest.mark.parametrize("shape,kw", CASES)
@pytest.mark.parametrize("family,std_of", [("Glorot", _glorot_std), ("He", _he_std)])
def test_fan_rules_exact(family, std_of, shape, kw):
    """Same seed: GlorotUniform == Uniform(+-sqrt(3) std), GlorotNormal == Normal(0, std),
    with std from Lasagne's fan rule (checks the rule, not just a statistic)."""
    gain = kw.get("gain", 1.0)
    std = std_of(shape, math.sqrt(2) if gain == "relu" else gain, kw.get("c01b", False))
    RNG.set_seed(7)
    u = getattr(init, family + "Uniform")(**kw).sample(shape, "float64")
    RNG.set_seed(7)
    ref = RNG.uniform_(np.empty(shape), -math.sqrt(3) * std, math.sqrt(3) * std)
    np.testing.assert_allclose(u, ref, rtol=1e-12, atol=1e-15)
    RNG.set_seed(7)
    n = getattr(init, family + "Normal")(**kw).sample(shape, "float64")
    RNG.set_seed(7)
    np.testing.assert_allclose(n, RNG.normal_(np.empty(shape), 0.0, std), rtol=1e-12,
                               atol=1e-15)


def test_glorot_uniform_bound():
    s = init.GlorotUniform().sample((150, 450))
    assert -0.1 <= s.min() < -0.099 and 0.099 < s.max() <= 0.1


def test_generic_glorot_and_he_take_an_initializer():
    RNG.set_seed(3)
    a = init.Glorot(init.Normal, gain=2.0).sample((10, 30))
    RNG.set_seed(3)
    assert np.array_equal(a, init.GlorotNormal(gain=2.0).sample((10, 30)))
    RNG.set_seed(3)
    a = init.He(init.Uniform).sample((10, 30))
    RNG.set_seed(3)
    assert np.array_equal(a, init.HeUniform().sample((10, 30)))


@pytest.mark.parametrize("cls", [init.GlorotNormal, init.GlorotUniform, init.HeNormal,
                                 init.HeUniform])
def test_shape_errors(cls):
    with pytest.raises(ValueError, match=r"length >= 2.*got \(100,\)"):
        cls().sample((100,))
    for bad in [(100,), (100, 100), (100, 100, 100)]:
        with pytest.raises(ValueError, match="4-dimensional shape with c01b=True"):
            cls(c01b=True).sample(bad)


def test_argument_errors():
    with pytest.raises(ValueError, match="gain to be a number or 'relu', got 'tanh'"):
        init.GlorotUniform(gain="tanh")
    with pytest.raises(TypeError, match="Normal: expected std to be a number"):
        init.Normal(std="big")
    with pytest.raises(ValueError, match="Normal: expected std >= 0, got -1.0"):
        init.Normal(std=-1)
    with pytest.raises(ValueError, match=r"low <= high, got range \(1.0, 0.0\)"):
        init.Uniform((1.0, 0.0))
    with pytest.raises(TypeError, match="range to be a number or a pair"):
        init.Uniform((1.0, 2.0, 3.0))
    with pytest.raises(TypeError, match="Constant: expected val to be a number"):
        init.Constant(None)
    with pytest.raises(ValueError, match=r"expected shape to be a tuple of ints >= 0, "
                                         r"got \(2, -1\)"):
        init.Constant().sample((2, -1))
    with pytest.raises(ValueError, match="Initializer: expected dtype 'float32' or 'float64', "
                                         "got 'int32'"):
        init.Constant().sample((2,), "int32")


# ---- nonlinearities ------------------------------------------------------------------
X = np.array([[-3.0, -0.5, 0.25, 2.0], [1.5, -1.25, 0.75, -2.5]])

ORACLES = {
    "rectify": (nl.rectify, lambda x: np.maximum(x, 0)),
    "sigmoid": (nl.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "tanh": (nl.tanh, np.tanh),
    "softmax": (nl.softmax, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    "linear": (nl.linear, lambda x: x),
    "identity": (nl.identity, lambda x: x),
    "leaky_rectify": (nl.leaky_rectify, lambda x: np.where(x > 0, x, 0.01 * x)),
    "LeakyRectify(0.3)": (nl.LeakyRectify(0.3), lambda x: np.where(x > 0, x, 0.3 * x)),
    "elu": (nl.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
}


@pytest.mark.parametrize("name", list(ORACLES))
def test_nonlinearity_values_and_derivative(name, dtype):
    f, oracle = ORACLES[name]
    x = X.astype(dtype)
    y = f(x)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, oracle(X), rtol=1e-6 if dtype == np.float32 else 1e-12)
    w = np.random.default_rng(0).standard_normal(X.shape)
    x64 = X.copy()
    num = numeric_grad(lambda: float(np.sum(f(x64) * w)), x64)
    y64 = f(X)
    np.testing.assert_allclose(f.backward(X, y64, w), num, rtol=1e-6, atol=1e-8)


def test_nonlinearity_edge_values():
    assert np.isnan(nl.rectify(np.array([np.nan]))).all()
    big = np.array([-1000.0, 1000.0])
    np.testing.assert_array_equal(nl.sigmoid(big), [0.0, 1.0])
    np.testing.assert_allclose(nl.softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])
    assert nl.rectify(np.array([1, -2])).dtype == np.float32  # integers become float32


def test_leaky_rectify_errors():
    with pytest.raises(TypeError, match="LeakyRectify: expected leakiness to be a number"):
        nl.LeakyRectify("a")
    assert nl.is_known(nl.elu) and not nl.is_known(np.sin)
