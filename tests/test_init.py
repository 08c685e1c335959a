"""bigdl_py.nn.init: bounds and moments (z = 6), the fans a layer passes, BigDL's MsraFiller
and mt19937 reproduction, and the error paths."""
import math

import numpy as np
import pytest
from helpers import Z

from bigdl_py import RNG
from bigdl_py.nn import (NIN, ConstInitMethod, Linear, MsraFiller, Ones, RandomNormal,
                         RandomUniform, Xavier, Zeros)

N = 200_000


def check_uniform(a, lo, hi):
    a = a.astype(np.float64).ravel()
    assert a.min() >= lo and a.max() <= hi
    var = (hi - lo) ** 2 / 12
    assert abs(a.mean() - (lo + hi) / 2) < Z * math.sqrt(var / a.size)
    # the variance of a uniform sample has standard error sqrt((m4 - var^2) / n)
    m4 = (hi - lo) ** 4 / 80
    assert abs(a.var() - var) < Z * math.sqrt((m4 - var ** 2) / a.size)


def check_normal(a, mean, std):
    a = a.astype(np.float64).ravel()
    assert abs(a.mean() - mean) < Z * std / math.sqrt(a.size)
    assert abs(a.var() - std ** 2) < Z * std ** 2 * math.sqrt(2 / a.size)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_uniform_bounds_and_moments(dtype):
    a = np.empty(N, dtype)
    RandomUniform(-0.5, 2.0).init(a, fan_in=3, fan_out=4)
    check_uniform(a, -0.5, 2.0)
    RandomUniform().init(a, fan_in=16, fan_out=4)
    check_uniform(a, -0.25, 0.25)


def test_random_normal_moments(dtype):
    a = np.empty(N, dtype)
    RandomNormal(1.5, 0.3).init(a, fan_in=1, fan_out=1)
    check_normal(a, 1.5, 0.3)


def test_xavier_bound_and_moments(dtype):
    a = np.empty(N, dtype)
    Xavier().init(a, fan_in=300, fan_out=100)
    check_uniform(a, -math.sqrt(6 / 400), math.sqrt(6 / 400))


@pytest.mark.parametrize("fan_in, fan_out, avg, n", [(300, 100, True, 200), (4, 3, True, 3),
                                                     (300, 100, False, 100)])
def test_msra_filler_std(fan_in, fan_out, avg, n):
    # BigDL: n = (fan_in + fan_out) / 2 in integer arithmetic, or fan_out
    f = MsraFiller(avg)
    assert f.std(fan_in, fan_out) == math.sqrt(2 / n)
    a = np.empty(N, np.float64)
    f.init(a, fan_in, fan_out)
    check_normal(a, 0.0, math.sqrt(2 / n))


def test_constants_exact(dtype):
    a = np.empty((3, 4), dtype)
    Zeros().init(a, 4, 3)
    assert np.all(a == 0)
    Ones().init(a, 4, 3)
    assert np.all(a == 1)
    ConstInitMethod(-2.5).init(a, 4, 3)
    assert np.all(a == -2.5) and a.dtype == dtype


def test_layers_pass_bigdl_fans():
    # weight (out, in): fan_in = in, fan_out = out; bias (ONE_D): fan_in = out, fan_out = 1
    m = Linear(300, 100).set_init_method(Xavier(), Xavier())
    assert np.abs(m.weight).max() <= math.sqrt(6 / 400) < np.abs(m.weight).max() * 1.01
    assert np.abs(m.bias).max() <= math.sqrt(6 / 101)
    m.set_init_method(RandomUniform(), RandomUniform())
    assert 0.99 / math.sqrt(300) < np.abs(m.weight).max() <= 1 / math.sqrt(300)
    assert np.abs(m.bias).max() <= 1 / math.sqrt(100)
    n = NIN(300, 100, untie_biases=True, spatial_shape=(20, 30))
    n.set_init_method(bias_init=Xavier())
    assert n.bias.shape == (100, 20, 30)
    check_uniform(n.bias, -math.sqrt(6 / 101), math.sqrt(6 / 101))


def test_mt19937_normal_init_follows_bigdl_stream():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(11)
    m = Linear(3, 2, dtype="float64").set_init_method(RandomNormal(0.0, 2.0), MsraFiller())
    RNG.set_seed(11)
    RNG.uniform_(np.empty(8))  # the constructor's default init: 6 weights + 2 biases
    ref = RNG.mt_standard_normal(8)
    assert np.array_equal(m.weight.ravel(), ref[:6] * 2.0)
    assert np.array_equal(m.bias, ref[6:] * math.sqrt(2 / 1))  # bias fans (2, 1): n = 1


@pytest.mark.parametrize("make, err, msg", [
    (lambda: RandomUniform(1.0), ValueError, "RandomUniform: expected both lower and upper "
                                             "or neither, got lower=1.0, upper=None"),
    (lambda: RandomUniform(0, float("inf")), ValueError, "RandomUniform: expected upper to be "
                                                         "a finite number, got inf"),
    (lambda: RandomNormal(0, -1), ValueError, "RandomNormal: expected stdv >= 0, got -1.0"),
    (lambda: RandomNormal("0", 1), TypeError, "RandomNormal: expected mean to be a number, "
                                              "got '0'"),
    (lambda: MsraFiller(1), TypeError, "MsraFiller: expected varianceNormAverage to be a "
                                       "bool, got 1"),
    (lambda: ConstInitMethod(float("nan")), ValueError, "ConstInitMethod: expected value to "
                                                        "be a finite number, got nan"),
])
def test_errors(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


def test_repr_and_equality():
    assert repr(RandomUniform(-1, 1)) == "RandomUniform(-1.0, 1.0)"
    assert repr(Zeros()) == "Zeros()" and repr(Xavier()) == "Xavier()"
    assert RandomNormal(0, 1) == RandomNormal(0.0, 1.0) != RandomNormal(0, 2)
