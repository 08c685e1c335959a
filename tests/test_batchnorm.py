"""BatchNormalization / SpatialBatchNormalization: torch batch_norm as oracle (training and
evaluation, both layouts, dtypes, threads), BigDL's init and running-statistics probes,
gradient checks, parameters(), persistence, str() and the error paths."""
import numpy as np
import pytest
from gradcheck import check_module_grads
from helpers import assert_same_at_1_and_2_threads, bitwise

import bigdl_py
from bigdl_py import RNG, _testing
from bigdl_py.nn import BatchNormalization, Model, Ones, Sequential, SpatialBatchNormalization

torch = pytest.importorskip("torch")
F = torch.nn.functional


def to_fmt(a, fmt):
    return np.ascontiguousarray(np.moveaxis(a, 1, -1)) if fmt == "NHWC" else a


def from_fmt(a, fmt):
    return np.moveaxis(a, -1, 1) if fmt == "NHWC" else a


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


def torch_bn(m, x, g, training):
    """(y, grad_input, grad_weight, grad_bias, running_mean, running_var) in float64."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(m.weight, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(m.bias, dtype=torch.float64, requires_grad=True)
    rm = torch.tensor(m.running_mean, dtype=torch.float64)
    rv = torch.tensor(m.running_var, dtype=torch.float64)
    y = F.batch_norm(xt, rm, rv, w, b, training, m.momentum, m.eps)
    y.backward(torch.tensor(g, dtype=torch.float64))
    return [a.detach().numpy() for a in (y, xt.grad, w.grad, b.grad, rm, rv)]


# NCHW shapes; the later ones reach the kernels' lane paths (bigdl_bn.h).  Channels last:
# W = lcm(C, 16) lanes (C 3: 48, 20: 80, partial last rows), or C (17: 16 vector lanes and
# one scalar lane), and several row tasks with a partial last one (C 3, 17, 64).  NCHW:
# planes of 1, 4 and 16 lanes, with partial last rows.
SHAPES = [(4, 3, 5, 6), (300, 2, 1, 1), (2, 5, 3, 1), (26, 3, 21, 21), (3, 20, 7, 13),
          (5, 17, 20, 20), (7, 64, 9, 9), (2, 3, 19, 17)]


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("shape", SHAPES)
def test_spatial_matches_torch(dtype, threads, parallel_passes, fmt, shape):
    rng = np.random.default_rng(sum(shape))
    m = SpatialBatchNormalization(shape[1], 1e-3, 0.3, data_format=fmt, dtype=dtype)
    m.bias[:] = rng.standard_normal(shape[1])
    for step in range(2):   # the running statistics after two steps, then evaluation
        x = (rng.standard_normal(shape) * 3 + 5).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        ref = torch_bn(m, x, g, True)
        m.zero_grad_parameters()
        y = m.forward(to_fmt(x, fmt))
        gi = m.backward(to_fmt(x, fmt), to_fmt(g, fmt))
        got = [from_fmt(y, fmt), from_fmt(gi, fmt), m.grad_weight, m.grad_bias,
               m.running_mean, m.running_var]
        for a, r in zip(got, ref):
            assert a.dtype == dtype
            np.testing.assert_allclose(a, r, **tol(dtype))
    m.evaluate()
    m.zero_grad_parameters()
    ref = torch_bn(m, x, g, False)
    y = m.forward(to_fmt(x, fmt))
    gi = m.backward(to_fmt(x, fmt), to_fmt(g, fmt))
    for a, r in zip([from_fmt(y, fmt), from_fmt(gi, fmt), m.grad_weight, m.grad_bias], ref):
        np.testing.assert_allclose(a, r, **tol(dtype))


def test_batchnorm_2d_matches_torch_and_1d_eval(dtype):
    rng = np.random.default_rng(1)
    m = BatchNormalization(4, dtype=dtype)
    x, g = rng.standard_normal((6, 4)).astype(dtype), rng.standard_normal((6, 4)).astype(dtype)
    ref = torch_bn(m, x, g, True)
    got = [m.forward(x), m.backward(x, g), m.grad_weight, m.grad_bias, m.running_mean,
           m.running_var]
    for a, r in zip(got, ref):
        np.testing.assert_allclose(a, r, **tol(dtype))
    m.evaluate()
    np.testing.assert_allclose(m.forward(x[1]), m.forward(x)[1], **tol(dtype))


@pytest.mark.parametrize("shape", [(16, 4, 33, 33), (5, 17, 20, 20)])
def test_one_vs_two_threads_bitwise_and_large_shift(parallel_passes, shape):
    c = shape[1]
    x = (np.random.default_rng(0).standard_normal(shape) + 1000).astype(np.float32)
    res = []
    for nt in (1, 2):
        bigdl_py.set_num_threads(nt)
        for fmt in ("NCHW", "NHWC"):
            m = SpatialBatchNormalization(c, data_format=fmt, init_weight=np.ones(c))
            y = m.forward(to_fmt(x, fmt))
            res.append((y, m.backward(to_fmt(x, fmt), np.cos(y)), m.grad_weight.copy(),
                        m.running_var.copy()))
    for a, b in zip(res[:2], res[2:]):
        for u, v in zip(a, b):
            assert np.array_equal(u, v)
    y = from_fmt(res[1][0], "NHWC")
    assert np.abs(y.mean(axis=(0, 2, 3))).max() < 1e-4   # one pass, no cancellation
    assert np.abs(y.std(axis=(0, 2, 3)) - 1).max() < 1e-3


def _train_and_eval(shape, fmt, dtype):
    """Outputs, input gradients and parameter gradients of a training and an evaluation
    step of a SpatialBatchNormalization on fixed data."""
    rng = np.random.default_rng(shape[1])
    x = to_fmt((rng.standard_normal(shape) * 2 + 3).astype(dtype), fmt)
    g = to_fmt(rng.standard_normal(shape).astype(dtype), fmt)
    RNG.set_seed(1)
    m = SpatialBatchNormalization(shape[1], data_format=fmt, dtype=dtype)
    out = []
    for _ in range(2):
        m.zero_grad_parameters()
        out += [m.forward(x).copy(), m.backward(x, g).copy(), m.grad_weight.copy(),
                m.grad_bias.copy(), m.running_mean.copy(), m.running_var.copy()]
        m.evaluate()
    return out


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_baseline_avx2_avx512_and_streaming_paths_bitwise(dtype, fmt, simd, parallel_passes):
    """bigdl_bn.h's baseline build, its AVX2 build, the AVX-512 lane sums (where the CPU has
    them) and the AVX2 maps with streaming stores (threshold 0: every output) give the same
    bits."""
    shapes = [(26, 3, 21, 21), (3, 20, 7, 13), (5, 17, 20, 20), (2, 3, 19, 17)]
    old, res = _testing.stream_threshold(), []
    try:
        for on, wide, threshold in ((False, False, old), (True, False, old), (True, True, old),
                                    (True, True, 0)):
            assert simd(on) == on
            _testing.batchnorm_avx512(wide)
            _testing.stream_threshold(threshold)
            res.append([a for shape in shapes for a in _train_and_eval(shape, fmt, dtype)])
    finally:
        _testing.stream_threshold(old)
        _testing.batchnorm_avx512(True)
    for other in res[1:]:
        assert all(bitwise(a, b) for a, b in zip(res[0], other))


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_streaming_stores_at_1_and_2_threads(fmt, parallel_passes):
    old = _testing.stream_threshold(0)
    try:
        assert_same_at_1_and_2_threads(lambda: _train_and_eval((7, 64, 9, 9), fmt, "float32"))
    finally:
        _testing.stream_threshold(old)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_non_contiguous_input_and_empty_batch(dtype, fmt):
    rng = np.random.default_rng(7)
    x = to_fmt(rng.standard_normal((6, 5, 4, 3)).astype(dtype), fmt)
    views = [x[::2], x[:, ::-1], np.asfortranarray(x)]
    for v in views:
        got, want = [SpatialBatchNormalization(5, data_format=fmt, dtype=dtype,
                                               init_weight=np.ones(5)) for _ in range(2)]
        y = got.forward(v)
        assert bitwise(y, want.forward(np.ascontiguousarray(v)))
        assert bitwise(got.backward(v, np.cos(y)),
                       want.backward(np.ascontiguousarray(v), np.cos(y)))
    m = SpatialBatchNormalization(5, data_format=fmt, dtype=dtype).evaluate()
    empty = x[:0]
    assert m.forward(empty).shape == empty.shape
    assert m.backward(empty, empty).shape == empty.shape
    m.training()
    with pytest.raises(ValueError, match="expected more than one value per channel"):
        m.forward(empty)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("training", [True, False])
def test_gradcheck(fmt, training):
    m = SpatialBatchNormalization(3, data_format=fmt, dtype="float64")
    m.running_mean[:] = [0.5, -1, 2]
    m.running_var[:] = [2, 0.5, 1]
    m.bias[:] = [0.1, 0.2, -0.3]
    if not training:
        m.evaluate()
    x = np.random.default_rng(4).standard_normal((3, 3, 2, 3))
    check_module_grads(m, to_fmt(x, fmt), atol=1e-5)
    # 17 channels: vector and scalar lanes (NHWC); 40-value planes: 4 lanes (NCHW)
    m = SpatialBatchNormalization(17, data_format=fmt, dtype="float64")
    check_module_grads(m if training else m.evaluate(),
                       to_fmt(np.random.default_rng(6).standard_normal((2, 17, 5, 8)), fmt),
                       atol=1e-5)
    b = BatchNormalization(2, dtype="float64")
    check_module_grads(b if training else b.evaluate(),
                       np.random.default_rng(5).standard_normal((4, 2)), atol=1e-5)


# ---- BigDL's numbers and API -------------------------------------------------------------
def test_mt19937_init_is_bigdl():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(5)
    m = SpatialBatchNormalization(3)
    u = np.random.RandomState(5)._bit_generator.random_raw(3) * 2.0 ** -32
    assert np.array_equal(m.weight, u.astype(np.float32))   # gamma ~ U[0, 1), not 1
    assert np.all(m.bias == 0) and np.all(m.running_mean == 0) and np.all(m.running_var == 1)
    BatchNormalization(2, affine=False)   # draws nothing
    assert np.array_equal(SpatialBatchNormalization(1).weight,
                          (np.random.RandomState(5)._bit_generator.random_raw(4)[3:]
                           * 2.0 ** -32).astype(np.float32))


def test_bigdl_running_statistics_probe_and_momentum():
    m = BatchNormalization(1, momentum=1.0)
    m.forward(np.array([[1.0], [3.0]], np.float32))
    assert m.running_mean.tolist() == [2.0] and m.running_var.tolist() == [2.0]
    m = BatchNormalization(1, momentum=0.0)
    m.forward(np.array([[1.0], [3.0]], np.float32))
    assert m.running_mean.tolist() == [0.0] and m.running_var.tolist() == [1.0]


def test_eval_backward_is_derivative_of_eval_forward():
    m = BatchNormalization(2, init_weight=[2.0, 3.0], init_bias=[0.5, 0.0]).evaluate()
    gi = m.backward(np.zeros((1, 2), np.float32), np.ones((1, 2), np.float32))
    np.testing.assert_allclose(gi, [[2 / np.sqrt(1 + 1e-5), 3 / np.sqrt(1 + 1e-5)]])
    # BigDL gives gamma * beta * g = [1.0, 0.0] here


def test_affine_false_parameters_and_get_weights():
    m = SpatialBatchNormalization(2, affine=False).set_name("bn")
    assert m.get_weights() is None
    assert set(m.parameters()["bn"]) == {"runningMean", "runningVar"}
    y = m.forward(np.random.default_rng(0).standard_normal((3, 2, 2, 2)))
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-6)  # float32 layer
    a = SpatialBatchNormalization(2).set_name("a")
    assert set(a.parameters()["a"]) == {"weight", "bias", "gradWeight", "gradBias",
                                        "runningMean", "runningVar"}
    assert [w.shape for w in a.get_weights()] == [(2,), (2,)]
    a.set_init_method(Ones())
    assert np.all(a.weight == 1)


def test_str_forms():
    assert str(SpatialBatchNormalization(3).set_name("bn1")) \
        == "SpatialBatchNormalization[bn1](3, 1.0E-5, 0.1, true)"
    b = BatchNormalization(4, 1e-3, 0.5, False)
    assert str(b) == f"BatchNormalization[{b._hex}](4, 0.001, 0.5, false)"


def test_running_statistics_persist(tmp_path):
    m = Sequential().add(SpatialBatchNormalization(3, data_format="NHWC").set_name("bn"))
    m.forward(np.random.default_rng(0).standard_normal((4, 2, 2, 3)).astype(np.float32))
    m.evaluate()
    m.save_model(tmp_path / "bn.bigdl")
    r = Model.load_model(tmp_path / "bn.bigdl")
    bn, rb = m.modules[0], r.modules[0]
    assert np.array_equal(bn.running_mean, rb.running_mean) and bn.running_mean.any()
    assert np.array_equal(bn.running_var, rb.running_var)
    x = np.ones((1, 2, 2, 3), np.float32)
    assert np.array_equal(m.forward(x), r.forward(x)) and not r.is_training()


def test_given_parameters_stay_given_after_reload(tmp_path):
    # init_weight / init_bias are not configuration (no arrays in a model file's JSON):
    # the file says which were given, so reset() of the reloaded layer keeps them too
    m = Sequential().add(SpatialBatchNormalization(3, init_weight=[1.0, 2.0, 3.0]))
    m.add(BatchNormalization(2, init_bias=[0.5, -0.5]))
    m.save_model(tmp_path / "bn.bigdl")
    r = Model.load_model(tmp_path / "bn.bigdl")
    for a, b in zip(m.modules, r.modules):
        assert (b._fixed_w, b._fixed_b) == (a._fixed_w, a._fixed_b)
        a.reset()
        b.reset()
    assert r.modules[0].weight.tolist() == [1.0, 2.0, 3.0]
    assert r.modules[1].bias.tolist() == [0.5, -0.5]
    assert not np.array_equal(r.modules[1].weight, m.modules[1].weight)  # re-drawn


# ---- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("make,err,msg", [
    (lambda: BatchNormalization(0), ValueError, "BatchNormalization: expected n_output >= 1"),
    (lambda: BatchNormalization(2, eps=-1.0), ValueError, "expected eps to be a finite"),
    (lambda: BatchNormalization(2, momentum=1.5), ValueError,
     r"BatchNormalization: expected momentum in \[0.0, 1.0\], got 1.5"),
    (lambda: BatchNormalization(2, affine="yes"), TypeError, "affine to be a bool"),
    (lambda: BatchNormalization(2, init_weight=np.ones(3)), ValueError,
     r"init_weight of shape \(2,\), got \(3,\)"),
    (lambda: BatchNormalization(2, affine=False, init_bias=[1, 2]), ValueError,
     "no initial weight/bias with affine=False"),
    (lambda: SpatialBatchNormalization(2, data_format="HWC"), ValueError,
     "SpatialBatchNormalization: expected data_format"),
    (lambda: SpatialBatchNormalization(2, dtype="float16"), ValueError, "expected dtype"),
])
def test_constructor_errors(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


def test_input_errors_change_nothing():
    m = SpatialBatchNormalization(3)
    state = [a.copy() for a in (m.weight, m.running_mean, m.running_var)]
    with pytest.raises(ValueError, match=r"SpatialBatchNormalization: expected a 4-D "
                                         r"\(N, C, H, W\) input \(NCHW\) with C=3, got shape "
                                         r"\(3, 4, 4\)"):
        m.forward(np.ones((3, 4, 4)))
    with pytest.raises(ValueError, match="with C=3, got shape"):
        m.forward(np.ones((2, 4, 4, 3)))
    with pytest.raises(ValueError, match="SpatialBatchNormalization: expected more than one "
                                         "value per channel in training"):
        m.forward(np.ones((1, 3, 1, 1)))
    with pytest.raises(ValueError, match="BatchNormalization: expected more than one value"):
        BatchNormalization(2).forward(np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"BatchNormalization: expected \(N, C\) input"):
        BatchNormalization(2).forward(np.ones(2))
    for a, b in zip(state, (m.weight, m.running_mean, m.running_var)):
        assert np.array_equal(a, b)
    m.evaluate()
    assert m.forward(np.ones((3, 4, 4))).shape == (3, 4, 4)
    assert m.forward(np.ones((0, 3, 4, 4))).shape == (0, 3, 4, 4)
    m.training()
    m.forward(np.ones((2, 3, 2, 2)))
    with pytest.raises(ValueError, match="expected grad_output of shape"):
        m.backward(np.ones((2, 3, 2, 2)), np.ones((2, 3, 2, 1)))


@pytest.mark.parametrize("make,grads", [
    (lambda: BatchNormalization(10 ** 12), True),
    (lambda: SpatialBatchNormalization(10 ** 12, affine=False, dtype="float64"), False)])
def test_parameters_larger_than_memory_are_a_value_error(make, grads):
    # nn._params.allocate checks the size first: no raw MemoryError
    with pytest.raises(ValueError, match=r"BatchNormalization: expected parameters that fit in "
                       r"memory, got \d+ float(32|64) values needing [\d.]+ TB" +
                       (" with their gradients" if grads else r" \(this machine")):
        make()
