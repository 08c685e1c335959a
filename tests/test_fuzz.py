"""A hypothesis fuzz of the layers against numpy oracles: any shape (empty ones included),
float32/float64 ndarrays, Tensors and nested lists.  Fixed seed (``derandomize=True``) and a
bounded number of examples, so CI runs the same cases every time, in a few seconds."""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from bigdl_py import Tensor  # noqa: E402
from bigdl_py.nn import (NIN, Dropout, GaussianNoise, Identity, Linear, LogSoftMax,  # noqa: E402
                         ReLU, Sequential, Sigmoid, SoftMax, Tanh)

FUZZ = settings(derandomize=True, max_examples=25, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

ELEMENTWISE = {
    "ReLU": (ReLU, lambda x: np.maximum(x, 0), lambda x, y, g: g * (x > 0)),
    "Tanh": (Tanh, np.tanh, lambda x, y, g: g * (1 - y * y)),
    "Sigmoid": (Sigmoid, lambda x: 1 / (1 + np.exp(-x)), lambda x, y, g: g * y * (1 - y)),
    "Identity": (Identity, lambda x: x, lambda x, y, g: g),
}


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True)) if x.size else x
    return e / e.sum(axis=-1, keepdims=True) if x.size else x


def _logsoftmax(x):
    if not x.size:
        return x
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@st.composite
def inputs(draw, min_dims=1, max_dims=4, last=None, min_side=0):
    """(value as given to forward, float64 oracle input, expected dtype)."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                  max_side=4))
    if last is not None:
        shape = shape[:-1] + (last,)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    x = draw(hnp.arrays(dtype, shape, elements=st.floats(-8, 8, width=32)))
    kind = draw(st.sampled_from(["ndarray", "tensor", "list", "strided"]))
    if kind == "tensor":
        return Tensor.from_numpy(x), x.astype(np.float64), dtype
    nested = x.tolist()  # (0, 3) becomes [], of shape (0,): a layer needing 3 features
    if kind == "list" and (last is None or np.shape(nested) == x.shape):  # cannot take it
        # lists become float32 (SPEC §4), empty ones included
        return nested, np.asarray(nested, np.float32).astype(np.float64), np.float32
    if kind == "strided":  # a non-contiguous view of the same values
        big = np.repeat(x, 2, axis=-1)
        return big[..., ::2], x.astype(np.float64), dtype
    return x, x.astype(np.float64), dtype


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def _check(out, expected, dtype, like):
    out_arr = out.numpy() if isinstance(out, Tensor) else out
    assert isinstance(out, Tensor) == isinstance(like, Tensor)
    assert out_arr.dtype == dtype and out_arr.shape == expected.shape
    np.testing.assert_allclose(out_arr.astype(np.float64), expected, **_tol(dtype))


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@FUZZ
@given(data=inputs())
def test_elementwise_layers(name, data):
    make, f, df = ELEMENTWISE[name]
    value, x, dtype = data
    m = make()
    y = f(x)
    _check(m.forward(value), y, dtype, value)
    g = np.cos(np.arange(x.size, dtype=np.float64)).reshape(x.shape)
    grad = Tensor.from_numpy(g.astype(dtype)) if isinstance(value, Tensor) else g.astype(dtype)
    _check(m.backward(value, grad), df(x, y, g.astype(dtype).astype(np.float64)), dtype,
           value)


@pytest.mark.parametrize("make,oracle", [(SoftMax, _softmax), (LogSoftMax, _logsoftmax)],
                         ids=["SoftMax", "LogSoftMax"])
@FUZZ
@given(data=inputs(max_dims=2, min_side=1))
def test_softmax_family(make, oracle, data):
    value, x, dtype = data
    _check(make().forward(value), oracle(x), dtype, value)


@FUZZ
@given(data=inputs(min_dims=2, max_dims=2, last=3), out=st.integers(1, 4),
       bias=st.booleans())
def test_linear(data, out, bias):
    value, x, dtype = data
    m = Linear(3, out, with_bias=bias, dtype=np.dtype(dtype).name)
    w = m.weight.astype(np.float64)
    y = x @ w.T + (m.bias.astype(np.float64) if bias else 0)
    _check(m.forward(value), y, dtype, value)
    g = np.ones(y.shape)
    m.zero_grad_parameters()
    grad = Tensor.from_numpy(g.astype(dtype)) if isinstance(value, Tensor) else g
    _check(m.backward(value, grad), g @ w, dtype, value)
    np.testing.assert_allclose(m.grad_weight, g.T @ x, **_tol(dtype))


@FUZZ
@given(data=inputs(min_dims=3, max_dims=4, min_side=0), out=st.integers(1, 3),
       nhwc=st.booleans())
def test_nin(data, out, nhwc):
    value, x, dtype = data
    c = x.shape[-1] if nhwc else x.shape[1]
    if c == 0:
        return  # NIN needs at least one input channel
    m = NIN(c, out, data_format="NHWC" if nhwc else "NCHW", dtype=np.dtype(dtype).name)
    w, b = m.weight.astype(np.float64), m.bias.astype(np.float64)
    xl = x if nhwc else np.moveaxis(x, 1, -1)
    y = xl @ w.T + b
    _check(m.forward(value), y if nhwc else np.moveaxis(y, -1, 1), dtype, value)


@FUZZ
@given(data=inputs(), p=st.sampled_from([0.0, 0.25, 0.5, 1.0]))
def test_dropout_values_and_evaluation(data, p):
    value, x, dtype = data
    m = Dropout(p)
    out = m.forward(value)
    arr = (out.numpy() if isinstance(out, Tensor) else out).astype(np.float64)
    assert arr.shape == x.shape
    if p < 1:  # every element is dropped or kept and scaled (exact value sets)
        kept = np.isclose(arr, x / (1 - p), rtol=1e-6, atol=0)
        assert np.all(kept | (arr == 0))
    else:
        assert not arr.any()
    _check(m.evaluate().forward(value), x, dtype, value)
    _check(GaussianNoise(0.0).forward(value), x, dtype, value)


@FUZZ
@given(data=inputs(min_dims=2, max_dims=2, last=3))
def test_sequential_equals_its_children(data):
    value, x, dtype = data
    fc = Linear(3, 2, dtype=np.dtype(dtype).name)
    seq = Sequential(fc, Tanh(), SoftMax())
    w, b = fc.weight.astype(np.float64), fc.bias.astype(np.float64)
    _check(seq.forward(value), _softmax(np.tanh(x @ w.T + b)), dtype, value)


@pytest.mark.parametrize("value", [[], [[]], [[], []], [[[]]]])
def test_empty_nested_lists(value):
    for m in (ReLU(), Tanh(), Identity(), Dropout(0.5), Sequential(Sigmoid())):
        out = m.forward(value)
        assert out.dtype == np.float32 and out.shape == np.asarray(value).shape
