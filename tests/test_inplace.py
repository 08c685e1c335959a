"""The one in-place mechanism (``Module`` + ``nn._placement``) and the output layout of
element-wise layers: in place writes into the caller's array (strided views included) and
returns it; a fresh ndarray result is laid out as ``np.empty_like(input)``."""
import numpy as np
import pytest

from bigdl_py import RNG, Tensor
from bigdl_py.nn import (CAdd, CMul, Dropout, GaussianDropout, GaussianNoise, Identity,
                         Linear, LogSoftMax, ReLU, Sequential, Sigmoid, SoftMax,
                         SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, Tanh)
from bigdl_py.nn._placement import may_self_overlap
from helpers import bitwise

SEED = 77


# ---- layout cases: an array of logical shape ``s`` and dtype ``d`` in a memory order ---------
def _channels_last(s, d):  # axis 1 fastest in memory (NHWC memory seen as NCHW)
    mem = np.empty((s[0],) + tuple(s[2:]) + (s[1],), d)
    return np.moveaxis(mem, len(s) - 1, 1)


def _grown(s, d, axis, k):
    s = list(s)
    s[axis] *= k
    return np.empty(s, d)


CASES = {
    "c": lambda s, d: np.empty(s, d),
    "fortran": lambda s, d: np.empty(s, d, order="F"),
    "reversed_axes": lambda s, d: np.empty(s[::-1], d).T,
    "channels_last": _channels_last,
    "swapped_leading": lambda s, d: np.empty((s[1], s[0]) + tuple(s[2:]), d).swapaxes(0, 1),
    "sliced_inner": lambda s, d: _grown(s, d, -1, 2)[..., ::2],
    "sliced_outer": lambda s, d: _grown(s, d, 0, 3)[1::3],
    "negative_first": lambda s, d: np.empty(s, d)[::-1],
    "negative_all": lambda s, d: np.empty(s, d)[(slice(None, None, -1),) * len(s)],
    "negative_fortran": lambda s, d: np.empty(s, d, order="F")[::-1],
    "channels_last_sliced": lambda s, d: _channels_last(
        tuple(s[:-1]) + (2 * s[-1],), d)[..., 1::2],
    "zero_size": lambda s, d: np.empty((0,) + tuple(s[1:]), d, order="F"),
    "one_element": lambda s, d: np.empty((2,) * len(s), d)[(slice(None, None, -1),) * len(s)][
        (slice(0, 1),) * len(s)],
}


def _array(case, shape, dtype, seed=0):
    """The case's array, filled with standard normals from a fixed seed."""
    x = CASES[case](tuple(shape), dtype)
    x[...] = np.random.default_rng(seed).standard_normal(x.shape)
    return x


# ---- fresh outputs keep the input's memory order ----------------------------------------------
_NCHW = (2, 3, 4, 5)
#: {name: (factory, input shape, layout cases it cannot take)}
LAYERS = {
    "ReLU": (ReLU, _NCHW, ()),
    "Tanh": (Tanh, _NCHW, ()),
    "Sigmoid": (Sigmoid, _NCHW, ()),
    "Identity": (Identity, _NCHW, ()),
    "SoftMax": (SoftMax, (4, 6), ()),
    "LogSoftMax": (LogSoftMax, (4, 6), ()),
    "Dropout": (lambda: Dropout(0.4), _NCHW, ()),
    "Dropout_shared": (lambda: Dropout(0.4, shared_axes=(2, 3)), _NCHW, ()),
    "Dropout_eval": (lambda: Dropout(0.4).evaluate(), _NCHW, ()),
    "Dropout_eval_noscale": (lambda: Dropout(0.4, scale=False).evaluate(), _NCHW, ()),
    "SpatialDropout1D": (lambda: SpatialDropout1D(0.4), (3, 4, 5), ()),
    "SpatialDropout2D": (lambda: SpatialDropout2D(0.4), _NCHW, ()),
    "SpatialDropout2D_nhwc": (lambda: SpatialDropout2D(0.4, "nhwc", scale=True), _NCHW, ()),
    "SpatialDropout3D": (lambda: SpatialDropout3D(0.4), (2, 3, 2, 3, 4), ()),
    "GaussianDropout": (lambda: GaussianDropout(0.3), _NCHW, ()),
    "GaussianNoise": (lambda: GaussianNoise(0.2), _NCHW, ()),
    "CAdd": (lambda: CAdd([1, 3, 1, 1]), _NCHW, ("one_element",)),
    "CMul": (lambda: CMul([3, 4, 5]), _NCHW, ("one_element",)),
    "CMul_scalar": (lambda: CMul([1]), _NCHW, ()),
}


# every (layer, case) pair but those a layer cannot take (its parameter's shape fixes the input's)
PAIRS = [(layer, case) for layer in LAYERS for case in CASES if case not in LAYERS[layer][2]]


@pytest.mark.parametrize("layer, case", PAIRS)
def test_fresh_output_keeps_the_input_layout(layer, case, dtype):
    make, shape, _ = LAYERS[layer]
    x, g = _array(case, shape, dtype), _array(case, shape, dtype, seed=1)
    xc, gc = np.ascontiguousarray(x), np.ascontiguousarray(g)
    m = make()
    RNG.set_seed(SEED)
    y, gx = m.forward(x), m.backward(x, g)
    RNG.set_seed(SEED)
    yc, gxc = m.forward(xc), m.backward(xc, gc)
    assert bitwise(y, yc) and bitwise(gx, gxc)  # the values of the C-ordered computation
    like = np.empty_like(x, dtype=y.dtype)  # CAdd/CMul: their parameters' dtype
    assert y.strides == like.strides and gx.strides == like.strides
    assert bitwise(x, xc) and not np.shares_memory(y, x)  # out of place: x untouched


def test_integer_fortran_input_gives_float32_in_its_order():
    x = np.asfortranarray(np.arange(-6, 6).reshape(3, 4))
    y = ReLU().forward(x)
    assert y.dtype == np.float32 and y.flags.f_contiguous and not y.flags.c_contiguous
    assert bitwise(y, np.maximum(x, 0).astype(np.float32))


def test_tensor_input_keeps_the_reused_output_tensor():
    m = ReLU()
    t = Tensor.from_numpy(np.asfortranarray(-np.ones((3, 4))))
    out = m.forward(t)
    assert out is not t and out is m.forward(t) and bitwise(out.numpy(), np.zeros((3, 4)))


# ---- in place ------------------------------------------------------------------------------------
#: {name: (factory(inplace) -> module, input shape)}
INPLACE = {
    "ReLU": (lambda ip: ReLU(ip), _NCHW),
    "Dropout": (lambda ip: Dropout(0.4, ip), _NCHW),
    "Dropout_shared": (lambda ip: Dropout(0.4, ip, shared_axes=(1,)), _NCHW),
    "Dropout_noscale": (lambda ip: Dropout(0.4, ip, False), _NCHW),
    "Dropout_eval_noscale": (lambda ip: Dropout(0.4, ip, False).evaluate(), _NCHW),
    "SpatialDropout1D": (lambda ip: SpatialDropout1D(0.4, inplace=ip), (3, 4, 5)),
    "SpatialDropout2D": (lambda ip: SpatialDropout2D(0.4, inplace=ip), _NCHW),
    "SpatialDropout2D_nhwc": (lambda ip: SpatialDropout2D(0.4, "NHWC", inplace=ip), _NCHW),
    "SpatialDropout2D_eval": (lambda ip: SpatialDropout2D(0.4, inplace=ip).evaluate(), _NCHW),
    "SpatialDropout3D": (lambda ip: SpatialDropout3D(0.4, scale=True, inplace=ip),
                         (2, 3, 2, 3, 4)),
}


def _raw(x):
    """(memory of the array ``x`` views, in memory order; a bool mask of the elements of it
    that ``x`` covers)."""
    base = x
    while base.base is not None:
        base = base.base
    raw = base.reshape(-1, order="A")
    assert raw.size == 0 or np.shares_memory(raw, base)
    marker = np.zeros(raw.size, x.dtype)
    off = x.__array_interface__["data"][0] - raw.__array_interface__["data"][0]
    np.ndarray(x.shape, x.dtype, buffer=marker, offset=off, strides=x.strides)[...] = 1
    return raw, marker == 1


def _reference(make, x0, g):
    """(output, grad_input) of the out-of-place layer on a C copy, from the test's seed."""
    ref = make(False)
    RNG.set_seed(SEED)
    return ref.forward(x0), ref.backward(x0, g)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("layer", INPLACE)
def test_inplace_writes_into_the_callers_array(layer, case, dtype):
    make, shape = INPLACE[layer]
    x = _array(case, shape, dtype)
    g = np.random.default_rng(2).standard_normal(x.shape).astype(dtype)
    yref, gref = _reference(make, np.ascontiguousarray(x), g)
    raw, inside = _raw(x)
    outside = raw[~inside].copy()
    m = make(True)
    RNG.set_seed(SEED)
    assert m.forward(x) is x
    assert bitwise(x, yref) and bitwise(raw[~inside], outside)
    assert bitwise(m.backward(x, g), gref)  # backward after an in-place forward


@pytest.mark.parametrize("case", ["c", "channels_last", "negative_fortran"])
def test_inplace_on_a_tensor_returns_that_tensor(case, dtype):
    make, shape = INPLACE["Dropout"]
    x = _array(case, shape, dtype)
    yref, _ = _reference(make, np.ascontiguousarray(x), np.ones(shape, dtype))
    t = Tensor.from_numpy(x)
    RNG.set_seed(SEED)
    assert make(True).forward(t) is t and bitwise(t.numpy(), yref) and t.numpy() is x


@pytest.mark.parametrize("layer", ["ReLU", "Dropout", "SpatialDropout2D_nhwc"])
def test_inplace_on_a_large_strided_view_matches_at_each_thread_count(layer, threads):
    make, _ = INPLACE[layer]
    base = np.random.default_rng(3).standard_normal((4, 3, 64, 128)).astype(np.float32)
    x = base.transpose(0, 2, 3, 1)[:, :, ::2]  # 24576 elements (> one thread's share)
    keep = base[:, :, :, 1::2].copy()
    yref, _ = _reference(make, np.ascontiguousarray(x), np.ones(x.shape, np.float32))
    RNG.set_seed(SEED)
    assert make(True).forward(x) is x
    assert bitwise(x, yref) and bitwise(base[:, :, :, 1::2], keep)


@pytest.mark.parametrize("value", [
    np.arange(-3, 3).reshape(2, 3),                      # integers: a float32 result
    np.array([[True, False, True], [False, True, True]]),
    np.linspace(-1, 1, 6).reshape(2, 3).astype(np.float16),
    [[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]],               # a list cannot be written
], ids=["int64", "bool", "float16", "list"])
@pytest.mark.parametrize("layer", ["ReLU", "Dropout", "SpatialDropout1D"])
def test_input_that_cannot_be_written_in_place_gets_a_fresh_result(layer, value):
    make, _ = INPLACE[layer]
    before = np.array(value)
    yref, _ = _reference(make, np.asarray(value, np.float32), np.ones((2, 3), np.float32))
    RNG.set_seed(SEED)
    y = make(True).forward(value)
    assert y is not value and isinstance(y, np.ndarray) and bitwise(y, yref)
    assert bitwise(np.array(value), before)


@pytest.mark.parametrize("layer", ["ReLU", "Dropout", "SpatialDropout2D"])
def test_read_only_input_gets_a_fresh_result(layer, dtype):
    make, shape = INPLACE[layer]
    x = _array("channels_last", shape, dtype)
    keep = x.copy()
    x.flags.writeable = False
    yref, _ = _reference(make, np.ascontiguousarray(x), np.ones(shape, dtype))
    RNG.set_seed(SEED)
    y = make(True).forward(x)
    assert y is not x and bitwise(y, yref) and bitwise(x, keep)
    assert y.strides == np.empty_like(x).strides  # a fresh result keeps the order
    b = np.broadcast_to(np.float32(-1.0), (3, 4))  # read-only and self-overlapping
    assert bitwise(ReLU(True).forward(b), np.zeros((3, 4), np.float32))


@pytest.mark.parametrize("layer, flag", [("ReLU", "ip"), ("Dropout", "inplace"),
                                         ("SpatialDropout1D", "inplace")])
def test_self_overlapping_writable_input_is_a_value_error(layer, flag):
    m = INPLACE[layer][0](True)
    mem = np.arange(-4.0, 4.0)
    x = np.lib.stride_tricks.as_strided(mem, (3, 2, 4), (0, 0, 8), writeable=True)
    RNG.set_seed(SEED)
    with pytest.raises(ValueError, match=rf"{type(m).__name__}: expected an input whose "
                       rf"elements do not share memory for {flag}=True \(in place\), got "
                       r"shape \(3, 2, 4\) with strides \(0, 0, 8\)"):
        m.forward(x)
    assert bitwise(mem, np.arange(-4.0, 4.0)) and RNG.philox_stream() == (SEED, 0)
    y = INPLACE[layer][0](False).forward(x)  # out of place it is ordinary input
    assert y.strides == np.empty_like(x).strides and bitwise(mem, np.arange(-4.0, 4.0))


def test_may_self_overlap():
    a = np.empty((4, 6))
    assert not any(may_self_overlap(v) for v in (a, a.T, a[:, ::2], a[::-1, ::-3],
                                                 a[:0], a[:1, :1], np.empty((2, 3), order="F")))
    strided = np.lib.stride_tricks.as_strided
    assert may_self_overlap(np.broadcast_to(a[0], (3, 6)))
    assert may_self_overlap(strided(a, (3, 3), (8, 8)))       # rows overlap by 2 values
    assert not may_self_overlap(strided(a, (3, 2), (8, 24)))  # interleaved, disjoint


def test_failed_inplace_call_leaves_a_strided_view_untouched():
    base = np.random.default_rng(4).standard_normal((4, 10))
    keep = base.copy()
    with pytest.raises(ValueError, match=r"SpatialDropout2D: expected a 4-D \(N, C, H, W\) "
                                         r"or 3-D \(C, H, W\) input"):
        SpatialDropout2D(0.5, inplace=True).forward(base[:, ::2])
    assert bitwise(base, keep) and RNG.philox_stream() == (1234, 0)


def test_inplace_relu_in_a_sequential_backward_is_right():
    RNG.set_seed(SEED)
    fc = Linear(4, 3)
    x = np.random.default_rng(5).standard_normal((6, 4)).astype(np.float32)
    g = np.ones((6, 3), np.float32)
    grads = []
    for ip in (False, True):
        fc.zero_grad_parameters()
        seq = Sequential(fc, ReLU(ip))
        y = seq.forward(x)
        grads.append((y.copy(), seq.backward(x, g), fc.grad_weight.copy()))
    assert all(bitwise(a, b) for a, b in zip(*grads))


def test_spatial_dropout_inplace_argument():
    assert SpatialDropout2D(0.5, "NHWC", inplace=True)._config() == {
        "init_p": 0.5, "data_format": "NHWC", "scale": False, "inplace": True}
    assert SpatialDropout1D(0.5)._config() == {"init_p": 0.5, "scale": False,
                                                "inplace": False}
    with pytest.raises(TypeError, match="SpatialDropout3D: expected inplace to be a bool, "
                                        "got 'yes'"):
        SpatialDropout3D(0.5, inplace="yes")
    with pytest.raises(TypeError, match="positional argument"):
        SpatialDropout1D(0.5, True)  # keyword-only: BigDL's has no such argument


def test_inplace_layers_survive_save_and_load(tmp_path):
    from bigdl_py.nn import Model
    seq = Sequential(ReLU(True), Dropout(0.3, True), SpatialDropout2D(0.2, inplace=True))
    seq.save_model(str(tmp_path / "m"))
    r = Model.load_model(str(tmp_path / "m"))
    assert [r.modules[0].ip, r.modules[1].inplace, r.modules[2].inplace] == [True] * 3


@pytest.mark.parametrize("case", ["c", "fortran", "channels_last", "negative_all",
                                  "sliced_inner"])
def test_cadd_table_inplace_writes_into_its_first_full_element(case, dtype):
    from bigdl_py.nn import CAddTable
    a, b = _array(case, _NCHW, dtype), _array("c", _NCHW, dtype, seed=1)
    c = np.arange(5, dtype=dtype)  # broadcast over the last axis
    ref = CAddTable().forward([np.ascontiguousarray(a), b, c])
    raw, inside = _raw(a)
    outside = raw[~inside].copy()
    m = CAddTable(True)
    assert m.forward([a, b, c]) is a and bitwise(a, ref) and bitwise(raw[~inside], outside)
    t = Tensor.from_numpy(_array(case, _NCHW, dtype))
    one = np.array(1.0, dtype)  # a 0-d element first: the output has t's shape
    assert m.forward([one, t, c]) is t and bitwise(t.numpy(), _array(case, _NCHW, dtype) + 1 + c)
    # not writable in place: a fresh sum, the table untouched
    ints = np.ones(_NCHW, np.int64)
    y = m.forward([ints, b])
    assert y is not ints and bitwise(ints, np.ones(_NCHW, np.int64)) and y.dtype == dtype
    low = _array(case, _NCHW, np.float32)
    keep = low.copy()
    y = m.forward([low, np.ones(_NCHW)])  # float32 + float64: a float64 result
    assert y.dtype == np.float64 and bitwise(low, keep)


def test_bigdl_reference_in_place_on_a_fortran_array():
    """SPEC §2: set_seed(1); Dropout(0.5) on arange(1, 9).reshape(2, 4) (mt19937) ->
    [[2,0,0,0],[10,12,14,0]], whatever the caller's memory order."""
    RNG.set_algorithm("mt19937")
    RNG.set_seed(1)
    x = np.asfortranarray(np.arange(1, 9, dtype=np.float32).reshape(2, 4))
    m = Dropout(0.5, True)
    assert m.forward(x) is x and x.flags.f_contiguous
    assert bitwise(x, np.array([[2, 0, 0, 0], [10, 12, 14, 0]], np.float32))
    g = m.backward(x, np.asfortranarray(0.5 * np.arange(1, 9, dtype=np.float32).reshape(2, 4)))
    assert bitwise(g, np.array([[1, 0, 0, 0], [5, 6, 7, 0]], np.float32)) and g.flags.f_contiguous


# ---- data methods: the caller's samples are never a layer's scratch space ---------------------
@pytest.mark.parametrize("make", [
    lambda: ReLU(ip=True),
    lambda: Sequential(ReLU(ip=True), Linear(4, 3), LogSoftMax()),
    lambda: Sequential(Identity(), ReLU(ip=True), Linear(4, 3), LogSoftMax()),
], ids=["relu", "first", "behind_identity"])
def test_predict_and_evaluate_leave_the_callers_samples_untouched(make):
    from bigdl_py.optim import Top1Accuracy
    RNG.set_seed(SEED)
    m = make()
    X = np.random.default_rng(5).standard_normal((10, 4)).astype(np.float32)
    given = X.copy()
    out = m.predict(X, batch_size=4)  # each batch a view of X: ReLU(ip=True) would write
    assert bitwise(X, given)
    np.testing.assert_allclose(out, m.evaluate().forward(given.copy()), rtol=1e-6, atol=1e-6)
    assert m.predict_class(X, batch_size=3).shape == (10,) and bitwise(X, given)
    y = np.random.default_rng(6).integers(1, 4, 10)
    m.training().evaluate(X, y, 4, [Top1Accuracy()])
    assert bitwise(X, given) and m.is_training()
    Xt = Tensor.from_numpy(X)  # a Tensor's storage is the caller's too
    m.predict(Xt, batch_size=4)
    assert bitwise(Xt.numpy(), given)


def test_training_and_validation_leave_the_callers_samples_untouched():
    from bigdl_py.nn.criterion import ClassNLLCriterion
    from bigdl_py.optim import SGD, MaxIteration, Optimizer, SeveralIteration, Top1Accuracy
    RNG.set_seed(SEED)
    m = Sequential(ReLU(ip=True), Linear(4, 3), LogSoftMax())
    rng = np.random.default_rng(7)
    X, Xv = (rng.standard_normal((n, 4)).astype(np.float32) for n in (12, 10))
    given, given_v = X.copy(), Xv.copy()
    opt = Optimizer.create(m, (X, rng.integers(1, 4, 12)), ClassNLLCriterion(),
                           MaxIteration(3), 4, SGD(0.1))
    opt.set_validation(4, Xv, rng.integers(1, 4, 10), SeveralIteration(1), [Top1Accuracy()])
    opt.optimize()
    assert bitwise(X, given) and bitwise(Xv, given_v)
