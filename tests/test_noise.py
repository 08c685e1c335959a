"""GaussianDropout and GaussianNoise (SPEC §4.1)."""
import re

import numpy as np
import pytest
from gradcheck import Frozen, check_module_grads
from helpers import Z, assert_mask_backward_errors, assert_same_at_1_and_2_threads, bitwise

from bigdl_py import RNG, Tensor, _random
from bigdl_py.nn import GaussianDropout, GaussianNoise

SEED = 1234  # conftest seeds every test with this; the first stream offset is 0


def stream_noise(shape, dtype, mean, std, offset=0):
    """Elements of the Philox normal stream (SEED, offset): e = z * std + mean in T."""
    e = np.empty(int(np.prod(shape)), dtype)
    _random.fill("normal", e, mean, std, SEED, offset, 1)
    return e.reshape(shape)


# ---- values -------------------------------------------------------------------------------------
def test_gaussian_dropout_uses_the_stream_and_regenerates_it(dtype, threads):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((41, 23)).astype(dtype)
    g = rng.standard_normal((41, 23)).astype(dtype)
    m = GaussianDropout(0.3)
    e = stream_noise(x.shape, dtype, 1.0, np.sqrt(0.3 / 0.7))
    assert bitwise(m.forward(x), x * e)
    assert bitwise(m.backward(x, g), g * e)  # the forward's noise, not fresh noise
    assert m._state_nbytes() == 16


def test_gaussian_noise_uses_the_stream(dtype, threads):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((41, 23)).astype(dtype)
    g = rng.standard_normal((41, 23)).astype(dtype)
    m = GaussianNoise(0.2)
    assert bitwise(m.forward(x), x + stream_noise(x.shape, dtype, 0.0, 0.2))
    gi = m.backward(x, g)
    assert bitwise(gi, g) and gi is not g
    assert m._state_nbytes() == 0


@pytest.mark.parametrize("make, mean, std", [
    (lambda: GaussianDropout(0.5), 1.0, 1.0), (lambda: GaussianDropout(0.2), 1.0, 0.5),
    (lambda: GaussianNoise(0.2), 0.0, 0.2)])
def test_noise_moments(make, mean, std):
    n = 2 ** 20
    m = make()
    x = np.ones(n, np.float32)
    e = m.forward(x) - (0.0 if mean else 1.0)
    e = e.astype(np.float64)
    assert abs(e.mean() - mean) <= Z * std / np.sqrt(n)
    assert abs(e.var() - std ** 2) <= Z * std ** 2 * np.sqrt(2.0 / (n - 1))
    assert abs(np.mean(((e - mean) / std) ** 4) - 3.0) <= Z * np.sqrt(24.0 / n)  # kurtosis 3


def test_one_and_two_threads_bitwise(dtype):
    x = np.random.default_rng(2).standard_normal(70_001).astype(dtype)

    def run():
        RNG.set_seed(SEED)
        m = GaussianDropout(0.4)
        return [m.forward(x), m.backward(x, x), GaussianNoise(0.3).forward(x)]
    assert_same_at_1_and_2_threads(run)


def test_avx2_and_portable_paths_bitwise(dtype, threads, simd):
    # 40003 elements: parallel units, and a last 256-normal tile that ends mid-block
    x = np.random.default_rng(12).standard_normal(40_003).astype(dtype)
    outs = []
    for on in (True, False):
        assert simd(on) == on
        RNG.set_seed(SEED)
        m = GaussianDropout(0.4)
        outs.append([m.forward(x), m.backward(x, x), GaussianNoise(0.3).forward(x)])
    assert all(bitwise(a, b) for a, b in zip(*outs))


def test_evaluation_and_zero_noise_are_the_identity(dtype):
    x = np.array([[1.5, np.nan, -0.0], [np.inf, -2.0, 3.0]], dtype)
    for m in (GaussianDropout(0.5).evaluate(), GaussianNoise(0.5).evaluate(),
              GaussianDropout(0.0), GaussianNoise(0.0)):
        y = m.forward(x)
        assert bitwise(y, x) and y is not x
        assert bitwise(m.backward(x, x), x)
    assert RNG.philox_stream() == (SEED, 0)  # nothing was drawn


def test_empty_input():
    for m in (GaussianDropout(0.5), GaussianNoise(0.5)):
        x = np.empty((0, 4), np.float32)
        assert m.forward(x).shape == (0, 4) and m.backward(x, x).shape == (0, 4)


# ---- BigDL's numbers (mt19937) ----------------------------------------------------------------
def test_bigdl_reference_gaussian_noise_seed_9():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(9)
    y = GaussianNoise(0.2).forward(np.ones((2, 3), np.float32))
    ref = np.array([[1.190023, 1.0124038, 0.7648297], [0.99722993, 0.975397, 1.0006535]],
                   np.float32)
    assert bitwise(y, ref)


@pytest.mark.parametrize("rate", [0.3, 0.5])
def test_mt19937_gaussian_dropout_exact(dtype, rate):
    x = np.random.default_rng(3).standard_normal((5, 7)).astype(dtype)
    RNG.set_algorithm("mt19937")
    RNG.set_seed(21)
    z = RNG.mt_standard_normal(x.size).reshape(x.shape)  # BigDL's Box-Muller order
    e = (z * np.sqrt(rate / (1 - rate)) + 1.0).astype(dtype)  # (T)(z * std + mean) in double
    RNG.set_seed(21)
    m = GaussianDropout(rate)
    assert bitwise(m.forward(x), x * e)
    assert bitwise(m.backward(x, x), x * e)  # the forward's noise
    after = RNG.mt_standard_normal(1)  # the backward drew nothing: the stream goes on
    RNG.set_seed(21)
    assert bitwise(after, RNG.mt_standard_normal(36)[35:])


# ---- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: GaussianDropout(0.4), lambda: GaussianNoise(0.3)])
def test_gradients(make):
    m = make()
    x = np.random.default_rng(4).standard_normal((3, 4, 2))
    check_module_grads(m.evaluate(), x)
    check_module_grads(Frozen(m.training(), SEED), x)  # training with the noise frozen


# ---- input kinds --------------------------------------------------------------------------------
def test_tensor_list_int_and_strided_inputs():
    m = GaussianDropout(0.5)
    t = Tensor.from_numpy(np.ones((4, 5), np.float32))
    y1 = m.forward(t)
    assert isinstance(y1, Tensor) and y1 is m.forward(t)
    assert isinstance(m.backward(t, t), Tensor)
    assert GaussianNoise(0.1).forward([[1, 2], [3, 4]]).dtype == np.float32
    assert GaussianNoise(0.1).forward(np.arange(6).reshape(2, 3)).dtype == np.float32
    base = np.random.default_rng(5).standard_normal((6, 8))
    for view in (base.T, base[::-1, ::3], np.asfortranarray(base)):
        RNG.set_seed(SEED)
        y = GaussianNoise(0.5).forward(view)
        RNG.set_seed(SEED)
        assert bitwise(y, GaussianNoise(0.5).forward(np.ascontiguousarray(view)))


# ---- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, exc, match", [
    (True, TypeError, "GaussianDropout: expected rate to be a number, got True"),
    ("0.1", TypeError, "GaussianDropout: expected rate to be a number, got '0.1'"),
    (float("nan"), ValueError, r"GaussianDropout: expected rate in \[0, 1\), got nan"),
    (1.0, ValueError, r"GaussianDropout: expected rate in \[0, 1\), got 1.0"),
    (-0.5, ValueError, r"GaussianDropout: expected rate in \[0, 1\), got -0.5"),
])
def test_bad_rate(bad, exc, match):
    with pytest.raises(exc, match=match):
        GaussianDropout(bad)


@pytest.mark.parametrize("bad, exc, match", [
    (False, TypeError, "GaussianNoise: expected stddev to be a number, got False"),
    ("0.1", TypeError, "GaussianNoise: expected stddev to be a number, got '0.1'"),
    (-0.1, ValueError, "GaussianNoise: expected stddev >= 0 and finite, got -0.1"),
    (float("nan"), ValueError, "GaussianNoise: expected stddev >= 0 and finite, got nan"),
    (float("inf"), ValueError, "GaussianNoise: expected stddev >= 0 and finite, got inf"),
])
def test_bad_stddev(bad, exc, match):
    with pytest.raises(exc, match=match):
        GaussianNoise(bad)


def test_backward_errors():
    assert_mask_backward_errors(GaussianDropout(0.5))
    n = GaussianNoise(0.5)
    n.forward(np.ones(3))
    with pytest.raises(ValueError, match=r"GaussianNoise: expected grad_output of shape \(3,\), "
                                         r"got \(3, 1\)"):
        n.backward(np.ones(3), np.ones((3, 1)))


# ---- state, printing ------------------------------------------------------------------------
def test_noise_state_is_constant_size():
    m = GaussianDropout(0.5)
    m.forward(np.ones(2 ** 24, np.float32))
    assert m._state_nbytes() <= 4096
    assert m.clear_state()._state_nbytes() == 0


def test_strings_and_parameters():
    assert re.fullmatch(r"GaussianDropout\[[0-9a-f]{8}\]\(0\.5\)", str(GaussianDropout(0.5)))
    assert str(GaussianNoise(0.2).set_name("gn")) == "GaussianNoise[gn](0.2)"
    assert GaussianNoise(0.2).parameters() == {} and GaussianDropout(0.1).get_weights() is None
