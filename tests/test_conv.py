"""SpatialConvolution: torch conv2d as oracle over shapes, strides, pads (SAME too), groups,
dtypes and both layouts; gradient checks; BigDL's mt19937 init; str(); the error paths."""
import numpy as np
import pytest
from gradcheck import check_module_grads

import bigdl_py
import bigdl_py.nn.conv as conv_module
from bigdl_py import RNG, Tensor, _conv
from bigdl_py.nn import Model, SpatialConvolution, Xavier, Zeros
from bigdl_py.nn._spatial import out_size
from bigdl_py.optim import L1L2Regularizer

torch = pytest.importorskip("torch")
F = torch.nn.functional


def tol(dtype):
    return dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


def tw(m, w):
    """BigDL's layout -> torch's (O, I/g, kh, kw) for the weight or its gradient."""
    w = w if m.data_format == "NCHW" else w.transpose(0, 4, 3, 1, 2)
    return w.reshape(m.n_output_plane, m.n_input_plane // m.n_group, m.kernel_h, m.kernel_w)


def sizes(m, h, w):
    """(oh, ow, pad top, bottom, left, right) by BigDL's rules."""
    oh, pt = out_size(h, m.kernel_h, m.stride_h, m.pad_h)
    ow, pl = out_size(w, m.kernel_w, m.stride_w, m.pad_w)
    return (oh, ow, pt, (oh - 1) * m.stride_h + m.kernel_h - h - pt,
            pl, (ow - 1) * m.stride_w + m.kernel_w - w - pl)


def oracle(m, x, g):
    """(out, grad_input, grad_weight, grad_bias) in float64 by torch; NCHW x and g."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(tw(m, m.weight), dtype=torch.float64, requires_grad=True)
    bt = None if m.bias is None else torch.tensor(m.bias, dtype=torch.float64,
                                                  requires_grad=True)
    _, _, pt, pb, pl, pr = sizes(m, *x.shape[2:])
    xp = F.pad(xt, (pl, pr, pt, pb))  # negative = crop (rows no window reaches)
    y = F.conv2d(xp, wt, bt, (m.stride_h, m.stride_w), 0, 1, m.n_group)
    y.backward(torch.tensor(g, dtype=torch.float64))
    return (y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(),
            None if bt is None else bt.grad.numpy())


@pytest.fixture(params=["gemm", "direct"])
def path(request):
    """Run the case on the patch-matrix + GEMM kernels and on the direct ones."""
    old = _conv._set_path(request.param)
    yield request.param
    _conv._set_path(old)


def to_fmt(a, fmt):
    return np.ascontiguousarray(np.moveaxis(a, -3, -1)) if fmt == "NHWC" else a


def from_fmt(a, fmt):
    return np.moveaxis(a, -1, -3) if fmt == "NHWC" else a


# (I, O, kw, kh, sw, sh, pw, ph, groups, N, H, W)
CASES = [
    (2, 3, 3, 3, 1, 1, 0, 0, 1, 3, 7, 6),
    (4, 6, 3, 2, 2, 1, 1, 1, 2, 2, 9, 8),
    (3, 5, 5, 5, 2, 3, 2, 1, 1, 2, 11, 9),
    (3, 4, 1, 1, 1, 1, 0, 0, 1, 3, 5, 4),      # NIN path (NCHW) / input rows (NHWC)
    (4, 4, 1, 1, 1, 1, 0, 0, 4, 2, 3, 5),      # depthwise 1x1
    (2, 4, 4, 3, 3, 2, -1, -1, 2, 2, 7, 8),    # SAME, odd padding bottom/right
    (6, 3, 2, 3, 1, 2, 0, 1, 3, 1, 4, 3),
    (1, 2, 5, 5, 1, 1, 1, 1, 1, 2, 3, 3),      # kernel larger than input, not than padded
    (2, 2, 2, 2, 3, 3, 0, 0, 1, 2, 7, 7),      # stride > kernel: skipped rows
    (4, 6, 3, 3, 1, 1, 1, 1, 2, 2, 16, 17),    # NCHW: >= 256 positions, a GEMM per sample
    (2, 16, 3, 3, 1, 2, 1, 1, 2, 2, 13, 60),   # direct grad_input in blocks of input rows
    (6, 12, 5, 5, 1, 1, 0, 0, 1, 10, 12, 12),  # LeNet's conv2: direct grad_weight in place
    (2, 4, 3, 3, 1, 2, 0, 0, 2, 2, 9, 18),     # in place, groups, row stride 2, 2 chunks
    (1, 3, 7, 2, 2, 1, 3, 0, 1, 2, 5, 20),     # grad_weight: 7 taps in 2 pieces, 2 phases
    (3, 5, 3, 3, 1, 1, 0, 0, 1, 1, 6, 13),     # rows of 11: copied, zero-padded to 16
]
LENET2 = CASES[11]


def run_case(case, fmt, dtype, with_bias=True, batched=True):
    i, o, kw, kh, sw, sh, pw, ph, grp, n, h, w = case
    m = SpatialConvolution(i, o, kw, kh, sw, sh, pw, ph, grp, with_bias=with_bias,
                           data_format=fmt, dtype=dtype)
    rng = np.random.default_rng(sum(case))
    x = rng.standard_normal((n, i, h, w)).astype(dtype)
    oh, ow = sizes(m, h, w)[:2]
    g = rng.standard_normal((n, o, oh, ow)).astype(dtype)
    if not batched:
        x, g = x[:1], g[:1]
    ref = oracle(m, x, g)
    xin, gin = to_fmt(x, fmt), to_fmt(g, fmt)
    if not batched:
        xin, gin = xin[0], gin[0]
        ref = [r[0] if k < 2 else r for k, r in enumerate(ref)]
    out = m.forward(xin)
    gi = m.backward(xin, gin)
    assert out.dtype == dtype and gi.dtype == dtype
    np.testing.assert_allclose(from_fmt(out, fmt), ref[0], **tol(dtype))
    np.testing.assert_allclose(from_fmt(gi, fmt), ref[1], **tol(dtype))
    np.testing.assert_allclose(tw(m, m.grad_weight), ref[2], **tol(dtype))
    if with_bias:
        np.testing.assert_allclose(m.grad_bias, ref[3], **tol(dtype))
    return m, out, gi


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("case", CASES, ids=[f"c{i}" for i in range(len(CASES))])
def test_matches_torch(dtype, threads, parallel_passes, path, fmt, case):
    run_case(case, fmt, dtype)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_one_sample_blocks_unbatched_and_no_bias(parallel_passes, monkeypatch, path, fmt):
    monkeypatch.setattr(conv_module, "SCRATCH_ELEMENTS", 1)  # one sample per block
    for case in CASES[:3] + CASES[5:6]:
        run_case(case, fmt, np.float64)
        run_case(case, fmt, np.float64, with_bias=False)
        run_case(case, fmt, np.float32, batched=False)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_random_shapes(path, fmt):
    rng = np.random.default_rng(7)
    for _ in range(12):
        grp = int(rng.integers(1, 4))
        i, o = grp * int(rng.integers(1, 4)), grp * int(rng.integers(1, 4))
        kw, kh, sw, sh = (int(v) for v in rng.integers(1, 5, 4))
        pw, ph = (-1, -1) if rng.random() < 0.3 else (int(rng.integers(0, kw)),
                                                       int(rng.integers(0, kh)))
        case = (i, o, kw, kh, sw, sh, pw, ph, grp, int(rng.integers(1, 4)),
                int(rng.integers(kh, 12)), int(rng.integers(kw, 12)))
        run_case(case, fmt, np.float64)


@pytest.mark.parametrize("case", [CASES[1], LENET2], ids=["strided", "lenet2"])
def test_one_thread_equals_two_threads_bitwise(dtype, parallel_passes, path, case):
    res = []
    for nt in (1, 2):
        bigdl_py.set_num_threads(nt)
        for fmt in ("NCHW", "NHWC"):
            RNG.set_seed(3)
            m, out, gi = run_case(case, fmt, dtype)
            res.append((out, gi, m.grad_weight.copy(), m.grad_bias.copy()))
    for a, b in zip(res[:2], res[2:]):
        for u, v in zip(a, b):
            assert np.array_equal(u, v)


def test_scratch_only_on_the_patch_matrix_path():
    """LeNet's first layer runs the direct kernels, which take no patch scratch; a layer
    with many weights per group keeps one."""
    for m, shape, kept in ((SpatialConvolution(1, 6, 5, 5), (2, 1, 28, 28), False),
                           (SpatialConvolution(6, 12, 5, 5), (2, 6, 12, 12), True)):
        x = Tensor.from_numpy(np.ones(shape, np.float32))
        y = m.forward(x)
        m.backward(x, Tensor.from_numpy(np.ones(y.numpy().shape, np.float32)))
        assert ("_conv_scratch" in m._buffers) == kept


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("case", [(2, 4, 5, 3, 1, 1, 1, 2, 2, 2, 14, 21), LENET2],
                         ids=["padded", "lenet2"])
def test_direct_kernels_baseline_build_equals_avx2(dtype, fmt, simd, case):
    """The direct kernels' AVX2 and baseline builds do the same arithmetic (bitwise)."""
    old = _conv._set_path("direct")
    res = []
    try:
        for on in (True, False):
            assert simd(on) == on
            RNG.set_seed(5)
            m, out, gi = run_case(case, fmt, dtype)
            res.append((out, gi, m.grad_weight.copy(), m.grad_bias.copy()))
    finally:
        _conv._set_path(old)
    for u, v in zip(*res):
        assert np.array_equal(u, v)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_lenet_conv2_chooses_kernels_per_phase(dtype, threads, fmt):
    """LeNet's second layer (batch 10): forward, grad_input (samples in lanes) and, NCHW,
    grad_weight on the direct kernels (no scratch); NHWC grad_weight on patches + GEMM (its
    scratch kept); the mixed backward matches torch, batched or not."""
    assert _conv._set_path("auto") == "auto"
    m = run_case(LENET2, fmt, dtype)[0]
    assert ("_conv_scratch" in m._buffers) == (fmt == "NHWC")
    run_case(LENET2, fmt, dtype, batched=False)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_bias_backward_alone(dtype, threads, parallel_passes, fmt):
    """_conv.bias_backward (the Winograd path's bias term) adds what backward's bias term
    adds, bit for bit; an empty batch or a zero scale adds nothing."""
    rng = np.random.default_rng(4)
    g = to_fmt(rng.standard_normal((5, 3, 4, 7)).astype(dtype), fmt)
    x = to_fmt(np.zeros((5, 2, 4, 7), dtype), fmt)
    w, kernel = np.zeros(6, dtype), (1, 1, 1, 1, 0, 0)
    want, got = np.full(3, 0.5, dtype), np.full(3, 0.5, dtype)
    _conv.backward(x, g, w, None, np.zeros(6, dtype), want, 0.0, 0.25, kernel, fmt == "NHWC",
                   1, None, threads)
    _conv.bias_backward(g, got, 0.25, fmt == "NHWC", threads)
    assert np.array_equal(got, want)
    np.testing.assert_allclose(got, 0.5 + 0.25 * from_fmt(g, fmt).sum(axis=(0, 2, 3)),
                               **tol(dtype))
    _conv.bias_backward(g[:0], got, 1.0, fmt == "NHWC", threads)
    _conv.bias_backward(g, got, 0.0, fmt == "NHWC", threads)
    assert np.array_equal(got, want)
    with pytest.raises(ValueError, match="conv: expected grad_bias of 3 values, got 2"):
        _conv.bias_backward(g, got[:2], 1.0, fmt == "NHWC", threads)


def test_nhwc_is_nchw_transposed(dtype):
    a = SpatialConvolution(4, 6, 3, 2, 2, 1, 1, 0, n_group=2, dtype=dtype)
    b = SpatialConvolution(4, 6, 3, 2, 2, 1, 1, 0, n_group=2, data_format="NHWC",
                           dtype=dtype)
    b.set_weights([a.weight.transpose(0, 3, 4, 2, 1), a.bias])
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 7)).astype(dtype)
    np.testing.assert_allclose(b.forward(to_fmt(x, "NHWC")), to_fmt(a.forward(x), "NHWC"),
                               **tol(dtype))


def test_non_contiguous_and_empty_batch_and_tensor_io():
    m = SpatialConvolution(3, 2, 2, 2)
    x = np.random.default_rng(0).standard_normal((2, 5, 5, 3)).astype(np.float32)
    xt = x.transpose(0, 3, 1, 2)  # NCHW view, not contiguous
    np.testing.assert_array_equal(m.forward(xt), m.forward(np.ascontiguousarray(xt)))
    e = m.forward(np.zeros((0, 3, 5, 5), np.float32))
    assert e.shape == (0, 2, 4, 4)
    assert m.backward(np.zeros((0, 3, 5, 5)), np.zeros((0, 2, 4, 4))).shape == (0, 3, 5, 5)
    assert not m.grad_weight.any()
    t = bigdl_py.Tensor(np.ones((1, 3, 4, 4), np.float32))
    out = m.forward(t)
    assert isinstance(out, bigdl_py.Tensor) and out.shape == (1, 2, 3, 3)
    assert m.forward(t) is out


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("case", [(2, 4, 3, 2, 2, 1, 1, 0, 2, 2, 5, 4),
                                  (2, 3, 2, 2, 1, 1, -1, -1, 1, 2, 3, 4),
                                  (3, 2, 1, 1, 1, 1, 0, 0, 1, 2, 2, 3)])
def test_gradcheck(path, fmt, case):
    i, o, kw, kh, sw, sh, pw, ph, grp, n, h, w = case
    m = SpatialConvolution(i, o, kw, kh, sw, sh, pw, ph, grp, data_format=fmt,
                           dtype="float64")
    x = np.random.default_rng(2).standard_normal((n, i, h, w))
    check_module_grads(m, to_fmt(x, fmt))


# ---- BigDL's numbers and API -------------------------------------------------------------
def uniforms(seed, n):
    return np.random.RandomState(seed)._bit_generator.random_raw(n) * 2.0 ** -32


@pytest.mark.parametrize("fmt,groups", [("NCHW", 1), ("NCHW", 2), ("NHWC", 1), ("NHWC", 2)])
def test_mt19937_init_is_bigdl(fmt, groups):
    RNG.set_algorithm("mt19937")
    RNG.set_seed(1)
    m = SpatialConvolution(4, 6, 3, 2, n_group=groups, data_format=fmt)
    shape = (groups, 6 // groups, 4 // groups, 2, 3) if fmt == "NCHW"         else (groups, 2, 3, 4 // groups, 6 // groups)
    assert m.weight.shape == shape and m.bias.shape == (6,)
    stdv = 1 / np.sqrt(3 * 2 * 4)  # all input planes, even with groups
    u = uniforms(1, m.weight.size + 6) * (2 * stdv) - stdv
    assert np.array_equal(m.weight.ravel(), u[:m.weight.size].astype(np.float32))
    assert np.array_equal(m.bias, u[m.weight.size:].astype(np.float32))


def test_mt19937_given_weight_means_bias_draws_first():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(1)
    m = SpatialConvolution(1, 2, 2, 2, init_weight=np.ones((2, 1, 2, 2)))
    assert m.weight.shape == (1, 2, 1, 2, 2) and np.all(m.weight == 1)
    assert np.array_equal(m.bias, (uniforms(1, 2) - 0.5).astype(np.float32))  # stdv 1/2
    m.reset()  # redraws only the bias, from the current stream
    assert np.array_equal(m.bias, (uniforms(1, 4)[2:] - 0.5).astype(np.float32))


def test_get_set_weights_shapes_and_torch_layout():
    m = SpatialConvolution(2, 3, 3, 2)
    assert [w.shape for w in m.get_weights()] == [(1, 3, 2, 2, 3), (3,)]
    assert SpatialConvolution(2, 3, 3, 2, with_bias=False).get_weights()[0].shape         == (1, 3, 2, 2, 3)
    assert SpatialConvolution(4, 6, 2, 2, n_group=2).weight.shape == (2, 3, 2, 2, 2)
    assert SpatialConvolution(2, 3, 3, 2, data_format="nhwc").weight.shape == (1, 2, 3, 2, 3)
    wt = np.arange(36, dtype=np.float32).reshape(3, 2, 2, 3)  # torch (O, I, kh, kw)
    m.set_weights([wt, np.zeros(3)])
    assert m.weight.shape == (1, 3, 2, 2, 3) and np.array_equal(m.weight[0], wt)
    with pytest.raises(ValueError, match=r"SpatialConvolution: expected weights of shape "
                                         r"\(1, 3, 2, 2, 3\), got \(3, 2, 3, 2\)"):
        m.set_weights([wt.transpose(0, 1, 3, 2), np.zeros(3)])
    assert np.array_equal(m.weight[0], wt)


def test_str_and_same_padding_sizes():
    assert str(SpatialConvolution(1, 6, 5, 5).set_name("conv1"))         == "SpatialConvolution[conv1](1 -> 6, 5 x 5, 1, 1, 0, 0)"
    m = SpatialConvolution(2, 2, 3, 4, 2, 1, -1, -1)
    assert str(m) == f"SpatialConvolution[{m._hex}](2 -> 2, 3 x 4, 2, 1, -1, -1)"
    # CNN.md's recorded SAME cases: (size, k, s) -> (out, pad before, pad after)
    for size, k, s, want in [(4, 2, 1, (4, 0, 1)), (5, 2, 1, (5, 0, 1)), (7, 4, 3, (3, 1, 2)),
                             (8, 4, 3, (3, 1, 1)), (5, 3, 2, (3, 1, 1)), (6, 3, 2, (3, 0, 1))]:
        o, before = out_size(size, k, s, -1)
        assert (o, before, (o - 1) * s + k - size - before) == want


def test_set_init_method_regularizers_scales_and_accumulation():
    m = SpatialConvolution(3, 4, 2, 2, dtype="float64")
    m.set_init_method(Xavier(), Zeros())
    bound = np.sqrt(6 / (3 * 4 + 4 * 4))  # fans I*kh*kw and O*kh*kw
    assert np.all(np.abs(m.weight) <= bound) and np.abs(m.weight).max() > bound / 2
    assert np.all(m.bias == 0)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    g = np.ones((2, 4, 3, 3))
    m.forward(x)
    m.backward(x, g)
    gw, gb = m.grad_weight.copy(), m.grad_bias.copy()
    m.backward(x, g)
    np.testing.assert_allclose(m.grad_weight, 2 * gw)
    np.testing.assert_allclose(m.grad_bias, 2 * gb)
    r = SpatialConvolution(3, 4, 2, 2, wRegularizer=L1L2Regularizer(0.1, 0.5),
                           bRegularizer=L1L2Regularizer(0.0, 2.0), dtype="float64")
    r.set_weights(m.get_weights())
    r.set_scale_w(0.5).set_scale_b(0.0)
    r.forward(x)
    r.backward(x, g)
    np.testing.assert_allclose(r.grad_weight, 0.5 * gw + 0.05 * np.sign(m.weight)
                               + 0.25 * m.weight)
    assert np.all(r.grad_bias == 0)


def test_update_parameters_then_forward_uses_new_weights():
    m = SpatialConvolution(1, 1, 2, 2, dtype="float64")  # BigDL keeps the old weight here
    x = np.ones((1, 1, 2, 2))
    m.forward(x)
    m.backward(x, np.ones((1, 1, 1, 1)))
    m.update_parameters(0.1)
    np.testing.assert_allclose(m.forward(x), m.weight.sum() + m.bias[0])


def test_unbatched_nhwc_bias_gradient_sums_every_position():
    m = SpatialConvolution(1, 2, 1, 2, data_format="NHWC")  # BigDL sums only oh rows
    m.forward(np.ones((4, 3, 1), np.float32))
    m.backward(np.ones((4, 3, 1), np.float32), np.ones((3, 3, 2), np.float32))
    assert np.array_equal(m.grad_bias, [9, 9])


def test_propagate_back_false_only_accumulates():
    m = SpatialConvolution(2, 3, 2, 2, propagate_back=False)
    x = np.ones((1, 2, 3, 3), np.float32)
    m.forward(x)
    gi = m.backward(x, np.ones((1, 3, 2, 2), np.float32))
    assert gi.shape == (0,) and np.all(m.grad_bias == 4) and np.all(m.grad_weight == 4)


def test_save_load_round_trip(tmp_path):
    m = SpatialConvolution(4, 6, 3, 2, 2, 1, -1, -1, n_group=2, data_format="NHWC",
                           wRegularizer=L1L2Regularizer(0.1, 0.2)).set_name("c")
    m.save_model(tmp_path / "m.bigdl")
    r = Model.load_model(tmp_path / "m.bigdl")
    assert str(r) == str(m) and r.w_regularizer.l1 == 0.1
    assert np.array_equal(r.weight, m.weight) and np.array_equal(r.bias, m.bias)
    x = np.random.default_rng(0).standard_normal((2, 5, 5, 4)).astype(np.float32)
    assert np.array_equal(r.forward(x), m.forward(x))


# ---- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("args,kwargs,err,msg", [
    ((4, 6, 3, 3), dict(n_group=4), ValueError, "multiples of n_group, got 4 and 6"),
    ((3, 6, 3, 3), dict(n_group=2), ValueError, "multiples of n_group, got 3 and 6"),
    ((2, 2, 3, 3), dict(pad_w=-1), ValueError, r"both -1 \(SAME\), got pad_w=-1, pad_h=0"),
    ((2, 2, 3, 3), dict(pad_h=-2, pad_w=-2), ValueError, "both >= 0"),
    ((2, 2, 0, 3), {}, ValueError, "kernel_w >= 1, got 0"),
    ((2, 2, 3, 3), dict(stride_h=0), ValueError, "stride_h >= 1, got 0"),
    ((0, 2, 3, 3), {}, ValueError, "n_input_plane >= 1"),
    ((2, 2, 3.0, 3), {}, TypeError, "kernel_w to be an int"),
    ((2, 2, 3, 3), dict(data_format="NWHC"), ValueError, "data_format to be one of 'NCHW', 'NHWC'"),
    ((2, 2, 3, 3), dict(propagate_back=1), TypeError, "propagate_back to be a bool"),
    ((2, 2, 3, 3), dict(init_weight=np.ones((2, 2, 3, 2))), ValueError, "init_weight of shape"),
    ((2, 2, 3, 3), dict(dtype="int8"), ValueError, "dtype 'float32' or 'float64'"),
])
def test_constructor_errors(args, kwargs, err, msg):
    with pytest.raises(err, match="SpatialConvolution: expected " + ".*" + msg):
        SpatialConvolution(*args, **kwargs)


@pytest.mark.parametrize("fmt,shape,msg", [
    ("NCHW", (3, 5), r"a 4-D \(N, C, H, W\) or \(C, H, W\) input \(NCHW\), got a 2-D"),
    ("NCHW", (1, 2, 3, 5, 5), "got a 5-D"),
    ("NCHW", (1, 3, 5, 5), r"2 input channels on axis 1 \(NCHW\), got 3"),
    ("NHWC", (1, 5, 5, 3), r"2 input channels on axis 3 \(NHWC\), got 3"),
    ("NCHW", (1, 2, 2, 5), "kernel's size 3x3 .* got 2x5"),
])
def test_input_errors_change_nothing(fmt, shape, msg):
    m = SpatialConvolution(2, 2, 3, 3, data_format=fmt)
    w = m.weight.copy()
    with pytest.raises(ValueError, match="SpatialConvolution: expected .*" + msg):
        m.forward(np.ones(shape, np.float32))
    ok = np.ones((1, 2, 4, 4) if fmt == "NCHW" else (1, 4, 4, 2), np.float32)
    m.forward(ok)
    with pytest.raises(ValueError, match="expected grad_output of shape"):
        m.backward(ok, np.ones((1, 2, 3, 3), np.float32))
    assert np.array_equal(m.weight, w) and not m.grad_weight.any()
    with pytest.raises(TypeError, match="SpatialConvolution: expected a real numeric"):
        m.forward(np.ones((1, 2, 4, 4), complex))


def test_kernel_checks_its_arguments():
    old = _conv._set_path("gemm")  # the direct kernels need no scratch
    x = np.zeros((1, 2, 4, 4), np.float32)
    with pytest.raises(ValueError, match="conv: expected a weight of 18 values"):
        _conv.forward(x, np.zeros(5, np.float32), None, np.zeros((1, 1, 2, 2), np.float32),
                      (3, 3, 1, 1, 0, 0), False, 1, np.zeros(1000, np.float32), 1)
    with pytest.raises(ValueError, match="conv: expected scratch of at least"):
        _conv.forward(x, np.zeros(18, np.float32), None, np.zeros((1, 1, 2, 2), np.float32),
                      (3, 3, 1, 1, 0, 0), False, 1, np.zeros(3, np.float32), 1)
    _conv._set_path(old)
    with pytest.raises(KeyError):
        _conv._set_path("fast")


def test_parameters_larger_than_memory_are_a_value_error():
    with pytest.raises(ValueError, match=r"SpatialConvolution: expected parameters that fit in "
                                         r"memory, got \d+ float32 values needing [\d.]+ TB"):
        SpatialConvolution(10 ** 6, 10 ** 6, 100, 100)
