"""Linear: numpy oracle for forward/backward, gradient checks, BigDL's mt19937 init vector,
Lasagne's num_leading_axes rules, regularizers, and every error path."""
import numpy as np
import pytest
from gradcheck import check_module_grads

from bigdl_py import RNG, Tensor
from bigdl_py.nn import Linear, RandomNormal, Zeros
from bigdl_py.optim import L1L2Regularizer, L1Regularizer, L2Regularizer

from helpers import (assert_constructor_error, assert_matches_oracle_loosely,
                     assert_same_at_1_and_2_threads)


def tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def data(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def oracle(m, x, g):
    """(output, grad_input, grad_weight, grad_bias) in float64 numpy for 2-D x, g."""
    w = m.weight.astype(np.float64)
    b = 0.0 if m.bias is None else m.bias.astype(np.float64)
    x, g = x.astype(np.float64), g.astype(np.float64)
    return x @ w.T + b, g @ w, g.T @ x, g.sum(0)


# ---- initialisation ----------------------------------------------------------------------
def test_mt19937_init_reproduces_bigdl():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(42)
    m = Linear(4, 3)
    assert m.weight.dtype == np.float32
    assert np.array_equal(m.weight[0], np.array(
        [-0.12545988, 0.29654297, 0.45071432, -0.31656522], np.float32))
    assert np.array_equal(m.bias, np.array([-0.44191638, -0.04075111, 0.36617616], np.float32))


def test_mt19937_init_draws_weight_then_bias_row_major(dtype):
    RNG.set_algorithm("mt19937")
    RNG.set_seed(7)
    m = Linear(5, 6, dtype=dtype)
    u = np.random.RandomState(7)._bit_generator.random_raw(36) * 2.0 ** -32
    ref = (u * (2 / np.sqrt(5)) - 1 / np.sqrt(5)).astype(dtype)
    assert np.array_equal(m.weight.ravel(), ref[:30])
    assert np.array_equal(m.bias, ref[30:])


def test_default_init_bounds_and_reset_redraws(dtype):
    m = Linear(50, 40, dtype=dtype)
    bound = 1 / np.sqrt(50)
    for p in (m.weight, m.bias):
        assert p.dtype == dtype and np.all(np.abs(p) <= bound)
    assert np.all(m.grad_weight == 0) and np.all(m.grad_bias == 0)
    w0, b0 = m.weight.copy(), m.bias.copy()
    m.grad_weight += 1
    assert m.reset() is m
    assert not np.array_equal(w0, m.weight) and not np.array_equal(b0, m.bias)
    assert np.all(m.grad_weight == 0)


def test_same_seed_same_init():
    RNG.set_seed(5)
    a = Linear(8, 3)
    RNG.set_seed(5)
    b = Linear(8, 3)
    assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)


def test_given_parameters_are_copied_and_kept_by_reset():
    w = np.arange(6, dtype=np.float64).reshape(2, 3)
    m = Linear(3, 2, init_weight=w, init_bias=[1, 2], init_grad_weight=np.ones((2, 3)),
               init_grad_bias=[3, 4])
    assert m.weight.dtype == np.float32 and np.array_equal(m.weight, w)
    w[0, 0] = 100
    assert m.weight[0, 0] == 0
    m.reset()
    assert np.array_equal(m.weight, np.arange(6).reshape(2, 3))
    assert np.array_equal(m.bias, [1, 2])
    assert np.all(m.grad_weight == 0)  # reset zeroes the gradients, as BigDL


def test_set_init_method_reinitialises_at_once():
    m = Linear(3, 4)
    assert m.set_init_method(Zeros(), RandomNormal(5.0, 0.0)) is m
    assert np.all(m.weight == 0) and np.all(m.bias == 5)
    m.set_init_method(bias_init=Zeros())
    assert np.all(m.weight == 0) and np.all(m.bias == 0)


# ---- forward / backward against numpy ------------------------------------------------------
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("batch", [None, 1, 7, 0])
def test_forward_backward_oracle(dtype, threads, parallel_passes, with_bias, batch):
    m = Linear(6, 5, with_bias=with_bias, dtype=dtype)
    shape = (6,) if batch is None else (batch, 6)
    x = data(shape, dtype, 1)
    g = data(shape[:-1] + (5,), dtype, 2)
    out = m.forward(x)
    gi = m.backward(x, g)
    y, gx, gw, gb = oracle(m, x.reshape(-1, 6), g.reshape(-1, 5))
    assert out.dtype == dtype and out.shape == shape[:-1] + (5,)
    np.testing.assert_allclose(out.reshape(-1, 5), y, **tol(dtype))
    np.testing.assert_allclose(gi.reshape(-1, 6), gx, **tol(dtype))
    np.testing.assert_allclose(m.grad_weight, gw, **tol(dtype))
    if with_bias:
        np.testing.assert_allclose(m.grad_bias, gb, **tol(dtype))
    else:
        assert m.bias is None and m.grad_bias is None


def test_large_batch_uses_parallel_paths(dtype, threads, parallel_passes):
    m = Linear(33, 70, dtype=dtype)
    x, g = data((1500, 33), dtype, 3), data((1500, 70), dtype, 4)
    assert_matches_oracle_loosely(m, x, g, oracle)


def test_one_thread_equals_two_threads_bitwise(dtype, parallel_passes):
    x, g = data((2000, 40), dtype, 5), data((2000, 30), dtype, 6)

    def run():
        RNG.set_seed(3)
        m = Linear(40, 30, dtype=dtype, wRegularizer=L1L2Regularizer(0.1, 0.2))
        return m.forward(x), m.backward(x, g), m.grad_weight, m.grad_bias
    assert_same_at_1_and_2_threads(run)


@pytest.mark.parametrize("shape, lead", [((3, 4), None), ((4,), None), ((2, 3, 4), 2),
                                         ((2, 3, 2), 1), ((2, 3, 4), -2), ((3, 2, 2), 0)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_gradcheck(shape, lead, with_bias):
    features = shape[-1] if lead is None else int(np.prod(shape[lead:]))
    m = Linear(features, 3, with_bias=with_bias, num_leading_axes=lead, dtype="float64")
    check_module_grads(m, data(shape, np.float64, 7))


def test_accumulates_across_backwards():
    m = Linear(4, 3)
    x, g = data((5, 4), np.float32, 8), data((5, 3), np.float32, 9)
    m.forward(x)
    m.backward(x, g)
    gw, gb = m.grad_weight.copy(), m.grad_bias.copy()
    m.backward(x, g)
    np.testing.assert_allclose(m.grad_weight, 2 * gw, rtol=1e-6)
    np.testing.assert_allclose(m.grad_bias, 2 * gb, rtol=1e-6)
    m.zero_grad_parameters()
    assert np.all(m.grad_weight == 0) and np.all(m.grad_bias == 0)


def test_scales_and_zero_scale_skips():
    x, g = data((5, 4), np.float64, 10), data((5, 3), np.float64, 11)
    m = Linear(4, 3, dtype="float64").set_scale_w(0.5).set_scale_b(3.0)
    m.forward(x)
    m.backward(x, g)
    np.testing.assert_allclose(m.grad_weight, 0.5 * g.T @ x, rtol=1e-12)
    np.testing.assert_allclose(m.grad_bias, 3.0 * g.sum(0), rtol=1e-12)
    m.grad_weight[...] = np.nan  # a skipped term does not touch the gradient at all
    m.set_scale_w(0).set_scale_b(0)
    m.backward(x, g)
    assert np.all(np.isnan(m.grad_weight))
    np.testing.assert_allclose(m.grad_bias, 3.0 * g.sum(0), rtol=1e-12)


def test_update_parameters_and_weights_api():
    m = Linear(3, 2, dtype="float64")
    w, b = m.get_weights()
    assert w is m.weight and b is m.bias
    m.set_weights([np.ones((2, 3)), [1.0, 2.0]])
    assert np.all(m.weight == 1) and np.array_equal(m.bias, [1, 2])
    m.grad_weight[...] = 2
    m.grad_bias[...] = 4
    m.update_parameters(0.5)
    assert np.all(m.weight == 0) and np.array_equal(m.bias, [-1, 0])
    p = m.set_name("fc").parameters()
    assert list(p) == ["fc"] and set(p["fc"]) == {"weight", "bias", "gradWeight", "gradBias"}
    assert set(Linear(3, 2, with_bias=False).parameters().popitem()[1]) == {"weight",
                                                                          "gradWeight"}
    with pytest.raises(ValueError, match=r"Linear: expected weights of shape \(2, 3\), got"):
        m.set_weights([np.ones((3, 2)), [1.0, 2.0]])
    with pytest.raises(ValueError, match="Linear: expected a list of 2 arrays, got a list of 1"):
        m.set_weights([np.ones((2, 3))])


def test_input_types_and_dtype_cast():
    m = Linear(3, 2, dtype="float64")
    out = m.forward([[1, 2, 3]])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    t = m.forward(Tensor.from_numpy(np.ones((2, 3), np.float32)))
    assert isinstance(t, Tensor) and t.numpy().dtype == np.float64
    x = np.arange(12, dtype=np.int32).reshape(3, 4)[:, :3]  # non-contiguous integers
    np.testing.assert_allclose(m.forward(x), x @ m.weight.T + m.bias, rtol=1e-12)
    assert Linear(3, 2).forward(np.ones((1, 3))).dtype == np.float32


def test_str_and_name():
    m = Linear(4, 3)
    assert str(m) == f"Linear[{m._hex}](4 -> 3)" and m.name() == f"Linear{m._hex}"
    assert str(m.set_name("fc1")) == "Linear[fc1](4 -> 3)"
    assert str(Linear(4, 3, with_bias=False).set_name("x")) == "Linear[x](4 -> 3)"


# ---- Lasagne's num_leading_axes ------------------------------------------------------------
@pytest.mark.parametrize("lead, features, out_shape", [
    (1, 6000, (2, 50)), (2, 600, (2, 10, 50)), (-1, 30, (2, 10, 20, 50)),
    (-3, 6000, (2, 50)), (0, 12000, (50,)), (3, 30, (2, 10, 20, 50))])
def test_num_leading_axes_shapes(lead, features, out_shape):
    x = data((2, 10, 20, 30), np.float32, 12)
    m = Linear(features, 50, num_leading_axes=lead)
    out = m.forward(x)
    assert out.shape == out_shape
    rows = x.reshape(-1, features)
    np.testing.assert_allclose(out.reshape(-1, 50), rows @ m.weight.T + m.bias, rtol=1e-4,
                               atol=1e-4)
    assert m.backward(x, np.ones(out_shape, np.float32)).shape == x.shape


@pytest.mark.parametrize("lead, msg", [
    (4, "Linear: got num_leading_axes=4 for a 4-dimensional input, leaving no trailing axes"),
    (-5, "Linear: got num_leading_axes=-5 for a 4-dimensional input, requesting more "
         "trailing axes"),
    (2, r"Linear: expected the trailing axes \(20, 30\) of input \(2, 10, 20, 30\) "
        r"\(num_leading_axes=2\) to multiply to input_size=6000, got 600"),
])
def test_num_leading_axes_errors(lead, msg):
    m = Linear(6000, 5, num_leading_axes=lead)
    with pytest.raises(ValueError, match=msg):
        m.forward(np.zeros((2, 10, 20, 30), np.float32))


# ---- regularizers --------------------------------------------------------------------------
@pytest.mark.parametrize("reg, l1, l2", [(L1Regularizer(0.1), 0.1, 0), (L2Regularizer(0.3), 0,
                                         0.3), (L1L2Regularizer(0.1, 0.3), 0.1, 0.3)])
def test_regularizers_add_bigdl_gradient(reg, l1, l2):
    m = Linear(4, 3, wRegularizer=reg, bRegularizer=reg, dtype="float64").set_scale_w(2.0)
    m.weight[0, 0] = 0.0
    x, g = data((5, 4), np.float64, 13), data((5, 3), np.float64, 14)
    m.forward(x)
    m.backward(x, g)
    w, b = m.weight, m.bias
    np.testing.assert_allclose(m.grad_weight, 2 * (g.T @ x + l1 * np.sign(w) + l2 * w),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.grad_bias, g.sum(0) + l1 * np.sign(b) + l2 * b, rtol=1e-12)


def test_regularizer_errors():
    with pytest.raises(ValueError, match="L1L2Regularizer: expected l2 to be a finite number "
                                         ">= 0, got -1"):
        L1L2Regularizer(0.1, -1)
    with pytest.raises(ValueError, match="L1Regularizer: expected l1 to be a finite number"):
        L1Regularizer(float("nan"))
    with pytest.raises(ValueError, match="L2Regularizer: expected a gradient like the "
                                         "parameter"):
        L2Regularizer(0.1).acc_regularization(np.ones(3), np.ones(4), 1.0)


# ---- PyTorch as a second oracle -------------------------------------------------------------
def test_matches_torch_linear():
    torch = pytest.importorskip("torch")
    m = Linear(7, 4, dtype="float64")
    ref = torch.nn.Linear(7, 4).double()
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(m.weight))
        ref.bias.copy_(torch.from_numpy(m.bias))
    x, g = data((6, 7), np.float64, 15), data((6, 4), np.float64, 16)
    xt = torch.from_numpy(x).requires_grad_()
    yt = ref(xt)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(m.forward(x), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.backward(x, g), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.grad_weight, ref.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.grad_bias, ref.bias.grad.numpy(), rtol=1e-12)


# ---- errors --------------------------------------------------------------------------------
def test_rank_and_feature_errors_change_nothing():
    m = Linear(4, 3)
    with pytest.raises(ValueError, match=r"Linear: expected a 1D \(input_size,\) or 2D "
                                         r"\(batch, input_size\) input, got a 3D input"):
        m.forward(np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="Linear: expected input with 4 features, got 5"):
        m.forward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="Linear: expected input with 4 features, got 5"):
        m.forward(np.zeros(5))
    x = np.ones((2, 4), np.float32)
    m.forward(x)
    before = m.grad_weight.copy(), m.grad_bias.copy()
    with pytest.raises(ValueError, match=r"Linear: expected grad_output of shape \(2, 3\), "
                                         r"got \(2, 4\)"):
        m.backward(x, np.ones((2, 4)))
    assert np.array_equal(before[0], m.grad_weight) and np.array_equal(before[1], m.grad_bias)


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="Linear: expected forward before backward"):
        Linear(2, 2).backward(np.ones((1, 2)), np.ones((1, 2)))


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(input_size=0), ValueError, "Linear: expected input_size >= 1, got 0"),
    (dict(output_size=2.5), TypeError, "Linear: expected output_size to be an int, got 2.5"),
    (dict(with_bias=1), TypeError, "Linear: expected with_bias to be a bool, got 1"),
    (dict(dtype="int8"), ValueError, "Linear: expected dtype 'float32' or 'float64', got 'int8'"),
    (dict(dtype="nonsense"), ValueError, "Linear: expected dtype 'float32' or 'float64'"),
    (dict(wRegularizer=0.1), TypeError, "Linear: expected wRegularizer to be a Regularizer or "
                                        "None, got float"),
    (dict(init_weight=np.ones((4, 3))), ValueError, r"Linear: expected init_weight of shape "
                                                    r"\(3, 4\), got \(4, 3\)"),
    (dict(with_bias=False, init_bias=np.ones(3)), ValueError, "Linear: expected no init_bias"),
    (dict(num_leading_axes=1.0), TypeError, "Linear: expected num_leading_axes to be an int"),
])
def test_constructor_errors(kwargs, err, msg):
    assert_constructor_error(Linear, dict(input_size=4, output_size=3), kwargs, err, msg)


def test_set_init_method_type_error():
    with pytest.raises(TypeError, match="Linear: expected weight_init to be an "
                                        "InitializationMethod or None, got str"):
        Linear(2, 2).set_init_method("xavier")


@pytest.mark.parametrize("make", [lambda: Linear(10 ** 12, 10 ** 12),
                                  lambda: Linear(10 ** 7, 10 ** 6, dtype="float64")])
def test_parameters_larger_than_memory_are_a_value_error(make):
    # the shared allocation helper checks the size first (no raw MemoryError, no OOM kill
    # while the initial weights are drawn)
    with pytest.raises(ValueError, match=r"Linear: expected parameters that fit in memory, "
                                         r"got \d+ float(32|64) values needing [\d.]+ TB"):
        make()
