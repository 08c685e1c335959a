import numpy as np
import pytest
from gradcheck import check_module_grads
from helpers import assert_same_at_1_and_2_threads
from scipy.special import expit

import bigdl_py
from bigdl_py import Tensor
from bigdl_py.nn import Identity, LogSoftMax, ReLU, Sigmoid, SoftMax, Tanh
from bigdl_py.nn.activation import log_softmax, relu, tanh_grad


def _log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


ORACLES = {  # numpy forward and d/dx (element-wise ones) in float64
    ReLU: (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(np.float64)),
    Tanh: (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    Sigmoid: (expit, lambda x: expit(x) * (1 - expit(x))),
    Identity: (lambda x: x, np.ones_like),
}
ALL = [ReLU, Tanh, Sigmoid, Identity, SoftMax, LogSoftMax]


@pytest.mark.parametrize("cls", list(ORACLES))
def test_elementwise_against_numpy(cls, dtype):
    x = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(dtype) * 3
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    f, df = ORACLES[cls]
    m = cls()
    y = m.forward(x)
    assert y.dtype == dtype and y.shape == x.shape
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, f(x.astype(np.float64)), rtol=tol, atol=tol)
    gi = m.backward(x, g)
    assert gi.dtype == dtype
    np.testing.assert_allclose(gi, g * df(x.astype(np.float64)), rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("shape", [(7,), (4, 7), (0, 3), (1, 1)])
def test_softmax_family_against_numpy(shape, dtype):
    x = (np.random.default_rng(2).standard_normal(shape) * 5).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(LogSoftMax().forward(x), _log_softmax(x), rtol=tol, atol=tol)
    np.testing.assert_allclose(SoftMax().forward(x), np.exp(_log_softmax(x)), rtol=tol, atol=tol)
    if x.size:
        np.testing.assert_allclose(SoftMax().forward(x).sum(axis=-1), 1.0, rtol=tol)


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("shape", [(6,), (3, 5)])
def test_gradcheck(cls, shape):
    x = np.random.default_rng(3).standard_normal(shape) * 2
    if cls is ReLU:  # keep away from the kink
        x[np.abs(x) < 1e-2] = 0.5
    check_module_grads(cls(), x)
    check_module_grads(cls().evaluate(), x)


def test_large_inputs_are_finite():
    x = np.array([[1e4, -1e4, 0.0], [3e4, 3e4 + 1, 3e4 - 1]], dtype=np.float32)
    y = LogSoftMax().forward(x)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y[0], [0.0, -2e4, -1e4], rtol=1e-6)
    p = SoftMax().forward(x)
    assert np.all(np.isfinite(p)) and p[0, 0] == 1.0
    g = np.ones_like(x)
    assert np.all(np.isfinite(LogSoftMax().evaluate().backward(x, g)))
    assert np.all(np.isfinite(SoftMax().evaluate().backward(x, g)))
    s = Sigmoid()
    with np.errstate(all="raise"):  # no overflow warning either
        np.testing.assert_array_equal(s.forward(np.array([-1e4, 1e4])), [0.0, 1.0])
        np.testing.assert_array_equal(Tanh().forward(np.array([-1e4, 1e4])), [-1.0, 1.0])


def test_softmax_rank_checked():
    for cls in (SoftMax, LogSoftMax):
        with pytest.raises(ValueError, match=rf"{cls.__name__}: expected a 1D \(C,\) or 2D "
                                             r"\(N, C\) input, got shape \(2, 3, 4\)"):
            cls().forward(np.zeros((2, 3, 4)))


@pytest.mark.parametrize("cls", ALL)
def test_grad_shape_checked(cls):
    m = cls()
    m.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=rf"{cls.__name__}: expected grad_output of shape "
                                         r"\(2, 3\), got \(3, 2\)"):
        m.backward(np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize("cls", ALL)
def test_tensor_in_tensor_out_reused(cls, dtype):
    m = cls()
    x = Tensor.from_numpy(np.arange(6, dtype=dtype).reshape(2, 3))
    y1 = m.forward(x)
    assert isinstance(y1, Tensor) and y1.dtype == dtype
    first = y1.numpy()
    y2 = m.forward(Tensor.from_numpy(np.arange(6, dtype=dtype).reshape(2, 3) * 2))
    assert y2 is y1 and y2.numpy() is first  # the same buffer, reused
    gi = m.backward(x, Tensor.from_numpy(np.ones((2, 3), dtype=dtype)))
    assert isinstance(gi, Tensor)


@pytest.mark.parametrize("cls", ALL)
def test_ndarray_out_is_fresh_and_input_untouched(cls):
    x = np.array([[-1.0, 0.5, 2.0]], dtype=np.float32)
    keep = x.copy()
    m = cls()
    y1, y2 = m.forward(x), m.forward(x)
    assert y1 is not y2 and not np.shares_memory(y1, x) and not np.shares_memory(y1, y2)
    np.testing.assert_array_equal(x, keep)
    np.testing.assert_array_equal(y1, y2)


def test_integer_and_list_input_become_float32():
    assert ReLU().forward([[1, -2]]).dtype == np.float32
    assert SoftMax().forward(np.array([1, 2], dtype=np.int64)).dtype == np.float32


def test_relu_inplace():
    x = np.array([-1.0, 2.0, -3.0])
    y = ReLU(True).forward(x)
    assert y is x
    np.testing.assert_array_equal(x, [0.0, 2.0, 0.0])
    ro = np.array([-1.0, 2.0])
    ro.flags.writeable = False
    y = ReLU(True).forward(ro)
    np.testing.assert_array_equal(ro, [-1.0, 2.0])
    np.testing.assert_array_equal(y, [0.0, 2.0])
    ints = np.array([-1, 2])
    np.testing.assert_array_equal(ReLU(True).forward(ints), [0.0, 2.0])
    np.testing.assert_array_equal(ints, [-1, 2])
    with pytest.raises(TypeError, match="ReLU: expected ip to be a bool, got 'yes'"):
        ReLU("yes")


def test_relu_nan_and_zero_gradient():
    m = ReLU()
    y = m.forward(np.array([np.nan, 0.0, -0.0, 1.0]))
    assert np.isnan(y[0]) and y[1] == 0 and y[3] == 1
    np.testing.assert_array_equal(m.backward(np.array([-1.0, 0.0, 1.0]), np.ones(3)),
                                  [0.0, 0.0, 1.0])


def test_str():
    assert str(ReLU().set_name("r")) == "ReLU[r](0.0, 0.0)"
    t = Tanh()
    assert str(t) == f"Tanh[{t._hex}]" and t.name() == f"Tanh{t._hex}"
    assert str(LogSoftMax().set_name("out")) == "LogSoftMax[out]"


def test_empty_and_noncontiguous():
    x = np.arange(12, dtype=np.float64).reshape(3, 4)[:, ::2]
    np.testing.assert_allclose(LogSoftMax().forward(x), _log_softmax(x))
    assert Tanh().forward(np.zeros((0, 5))).shape == (0, 5)
    assert SoftMax().evaluate().backward(np.zeros((0, 5)), np.zeros((0, 5))).shape == (0, 5)


@pytest.mark.parametrize("shape", [(67, 13), (1003, 13)], ids=["one-chunk", "4-chunks"])
@pytest.mark.parametrize("cls", [ReLU, Tanh, LogSoftMax])
def test_kernels_same_bits_at_1_and_2_threads(cls, shape, dtype, parallel_passes):
    """ReLU, Tanh's backward and LogSoftMax run _activation kernels; with the parallel
    threshold lowered every thread count gives the bits of one thread (the element-wise
    passes split the array into 4096-element chunks: a short last one included)."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    m = cls()
    assert_same_at_1_and_2_threads(lambda: [m.forward(x), m.backward(x, g)])
    if cls is ReLU:
        with bigdl_py.threads(2):
            np.testing.assert_array_equal(m.backward(x, g), g * (x > 0))
            np.testing.assert_array_equal(m.forward(x), np.maximum(x, 0))


def test_log_softmax_nan_and_inf_rows():
    x = np.array([[0.0, np.nan, 1.0], [np.inf, 0.0, 1.0], [-np.inf, 0.0, 0.0]])
    y = LogSoftMax().forward(x)
    assert np.isnan(y[0]).all() and np.isnan(y[1]).all()  # as numpy: inf - inf
    np.testing.assert_allclose(y[2], [-np.inf, np.log(0.5), np.log(0.5)])


def test_functions_take_any_layout_and_broadcast_gradients():
    """The functions behind the layers (and Lasagne's nonlinearities) accept strided arrays,
    other float dtypes and a gradient that broadcasts, as the numpy forms did."""
    x = (np.random.default_rng(5).standard_normal((4, 6)) * 2)[:, ::2].T   # strided (3, 4)
    out = np.empty((4, 3), order="F").T                                    # F-ordered out
    np.testing.assert_allclose(tanh_grad(x, np.float32(2.0), out), 2 * (1 - np.tanh(x) ** 2))
    np.testing.assert_array_equal(relu(x.astype(np.float16), np.empty(x.shape, np.float16)),
                                  np.maximum(x.astype(np.float16), 0))
    np.testing.assert_allclose(log_softmax(x, np.empty_like(x)), _log_softmax(x))


def test_kernel_shape_errors():
    from bigdl_py import _activation
    a, b = np.zeros((2, 3)), np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"_activation.relu_forward: expected out of shape "
                                         r"\(6,\) like x, got \(5,\)"):
        _activation.relu_forward(a.reshape(-1), np.zeros(5), 1)
    with pytest.raises(ValueError, match="_activation.tanh_backward: expected g of shape"):
        _activation.tanh_backward(a.reshape(-1), np.zeros(5), np.zeros(6), 1)
    with pytest.raises(ValueError, match=r"_activation.log_softmax_forward: expected out of "
                                         r"shape \(2, 3\)"):
        _activation.log_softmax_forward(a, b, 1)
    with pytest.raises(ValueError, match="_activation.log_softmax_backward: expected g of"):
        _activation.log_softmax_backward(a, b, a.copy(), 1)


def test_import_paths_after_the_family_split():
    """The SoftMax family lives in nn.softmax; nn.activation still exports every name."""
    from bigdl_py.nn import activation, softmax
    for name in softmax.__all__:
        assert getattr(activation, name) is getattr(softmax, name)
    assert set(activation.__all__) >= set(softmax.__all__) | {"ReLU", "relu_grad"}
    assert SoftMax is softmax.SoftMax and LogSoftMax is softmax.LogSoftMax
