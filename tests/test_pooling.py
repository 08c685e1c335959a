"""SpatialMaxPooling / SpatialAveragePooling: torch max_pool2d / avg_pool2d as oracle over
kernels, strides, pads, ceil mode, dtypes and both layouts; BigDL's output sizes, NaN,
first-maximum rule, gradient checks, str() and the error paths."""
import numpy as np
import pytest
from gradcheck import check_module_grads

import bigdl_py
from bigdl_py.nn import SpatialAveragePooling, SpatialMaxPooling

torch = pytest.importorskip("torch")
F = torch.nn.functional


def to_fmt(a, fmt):
    return np.ascontiguousarray(np.moveaxis(a, -3, -1)) if fmt == "NHWC" else a


def from_fmt(a, fmt):
    return np.moveaxis(a, -1, -3) if fmt == "NHWC" else a


# (k (w, h), stride (w, h), pad (w, h), ceil, (N, C, H, W))
CASES = [
    ((2, 2), (2, 2), (0, 0), False, (2, 3, 6, 6)),
    ((3, 3), (2, 2), (1, 1), False, (2, 2, 7, 8)),
    ((3, 2), (2, 1), (1, 0), True, (1, 3, 6, 7)),
    ((3, 3), (2, 2), (0, 0), True, (2, 2, 6, 6)),
    ((2, 2), (3, 3), (0, 0), True, (2, 2, 7, 7)),   # stride > kernel: last window dropped
    ((3, 3), (3, 3), (1, 1), True, (1, 3, 5, 5)),
    ((4, 3), (1, 2), (2, 1), False, (2, 1, 4, 5)),
]


def torch_pool(kind, case, x, g, count_include_pad=True):
    k, s, p, ceil, _ = case
    xt = torch.tensor(x, requires_grad=True)
    args = ((k[1], k[0]), (s[1], s[0]), (p[1], p[0]))
    y = F.max_pool2d(xt, *args, ceil_mode=ceil) if kind == "max" else \
        F.avg_pool2d(xt, *args, ceil_mode=ceil, count_include_pad=count_include_pad)
    if g is None:
        return y.detach().numpy(), None
    y.backward(torch.tensor(g))
    return y.detach().numpy(), xt.grad.numpy()


def make(kind, case, fmt, **kw):
    k, s, p, ceil, _ = case
    if kind == "max":
        return SpatialMaxPooling(*k, *s, *p, to_ceil=ceil, format=fmt)
    return SpatialAveragePooling(*k, *s, *p, ceil_mode=ceil, format=fmt, **kw)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", CASES, ids=[f"c{i}" for i in range(len(CASES))])
def test_matches_torch(dtype, threads, parallel_passes, fmt, kind, case):
    rng = np.random.default_rng(len(case[4]) + sum(case[4]))
    x = rng.standard_normal(case[4]).astype(dtype)
    y0, _ = torch_pool(kind, case, x, None)
    g = rng.standard_normal(y0.shape).astype(dtype)
    y, gx = torch_pool(kind, case, x, g)
    for cip in ((True, False) if kind == "avg" else (True,)):
        m = make(kind, case, fmt, **({} if kind == "max" else dict(count_include_pad=cip)))
        y, gx = torch_pool(kind, case, x, g, cip)
        out = m.forward(to_fmt(x, fmt))
        gi = m.backward(to_fmt(x, fmt), to_fmt(g, fmt))
        assert out.dtype == dtype and gi.dtype == dtype
        tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=0)
        if kind == "max":
            np.testing.assert_array_equal(from_fmt(out, fmt), y)
        np.testing.assert_allclose(from_fmt(out, fmt), y, **tol)
        np.testing.assert_allclose(from_fmt(gi, fmt), gx, **tol)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_unbatched_large_and_one_vs_two_threads_bitwise(parallel_passes, fmt):
    x = np.random.default_rng(0).standard_normal((4, 8, 24, 24)).astype(np.float32)
    res = []
    for nt in (1, 2):
        bigdl_py.set_num_threads(nt)
        for m in (SpatialMaxPooling(3, 3, 2, 2, 1, 1, format=fmt),
                  SpatialAveragePooling(3, 3, 2, 2, 1, 1, format=fmt)):
            y = m.forward(to_fmt(x, fmt))
            res.append((y, m.backward(to_fmt(x, fmt), np.ones_like(y))))
            one = m.forward(to_fmt(x, fmt)[0])
            np.testing.assert_array_equal(one, y[0])
    for a, b in zip(res[:2], res[2:]):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_first_maximum_wins_overlaps_accumulate_and_nan_propagates():
    m = SpatialMaxPooling(2, 2, 1, 1)
    x = np.array([[[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]]])
    assert m.forward(x).tolist() == [[[3.0, 3.0]]]
    assert m.backward(x, np.array([[[1.0, 10.0]]])).tolist() == [[[0, 11, 0], [0, 0, 0]]]
    x = np.array([[[1.0, np.nan, 5.0], [2.0, 0.0, 4.0]]])
    y = m.forward(x)
    assert np.isnan(y).all()   # BigDL ignores NaN; torch and we propagate it
    assert m.backward(x, np.ones((1, 1, 2))).tolist() == [[[0, 2, 0], [0, 0, 0]]]
    assert SpatialMaxPooling(2, 1, 2, 1).forward(np.full((1, 1, 2), -np.inf)).tolist() \
        == [[[-np.inf]]]


def first_max_reference(x, case):
    """(output, grad_input for grad_output = 1, 2, 3, ...) of max pooling NCHW by loops:
    each window clipped to the input, its first maximum in row-major order (the first NaN
    when it holds one, as np.argmax)."""
    (kw, kh), (sw, sh), (pw, ph), ceil, _ = case
    n, c, h, w = x.shape
    oh = bigdl_py.nn._spatial.out_size(h, kh, sh, ph, ceil)[0]
    ow = bigdl_py.nn._spatial.out_size(w, kw, sw, pw, ceil)[0]
    y, gi = np.empty((n, c, oh, ow), x.dtype), np.zeros_like(x)
    g = np.arange(1, y.size + 1, dtype=x.dtype).reshape(y.shape)
    for i in range(oh):
        h0, h1 = max(i * sh - ph, 0), min(i * sh - ph + kh, h)
        for j in range(ow):
            w0, w1 = max(j * sw - pw, 0), min(j * sw - pw + kw, w)
            win = x[:, :, h0:h1, w0:w1].reshape(n, c, -1)
            k = np.argmax(win, axis=-1)
            y[:, :, i, j] = np.take_along_axis(win, k[..., None], -1)[..., 0]
            a, b = np.unravel_index(k, (h1 - h0, w1 - w0))
            for s in np.ndindex(n, c):
                gi[s + (h0 + a[s], w0 + b[s])] += g[s + (i, j)]
    return y, g, gi


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("case", CASES + [((2, 2), (2, 2), (1, 1), False, (1, 2, 9, 21)),
                                          ((3, 3), (1, 1), (1, 1), True, (1, 2, 6, 13))],
                         ids=[f"c{i}" for i in range(len(CASES) + 2)])
def test_ties_and_nan_first_maximum_as_reference(dtype, threads, parallel_passes, fmt, case):
    rng = np.random.default_rng(7)
    x = rng.integers(0, 3, case[4]).astype(dtype)   # ties everywhere
    x[rng.random(x.shape) < 0.05] = np.nan
    y, g, gi = first_max_reference(x, case)
    m = make("max", case, fmt)
    out = m.forward(to_fmt(x, fmt))
    np.testing.assert_array_equal(from_fmt(out, fmt), y)
    np.testing.assert_array_equal(from_fmt(m.backward(to_fmt(x, fmt), to_fmt(g, fmt)), fmt),
                                  gi)


def test_output_sizes_ceil_same_and_global():
    x = np.zeros((1, 1, 7, 7))
    assert SpatialMaxPooling(3, 3, 2, 2, to_ceil=True).forward(x).shape == (1, 1, 3, 3)
    m = SpatialMaxPooling(3, 3, 2, 2, to_ceil=True)   # BigDL switches to floor for good
    m.forward(x)
    assert m.forward(np.zeros((1, 1, 6, 6))).shape == (1, 1, 3, 3)
    assert SpatialMaxPooling(3, 3, 2, 2).forward(np.zeros((1, 6, 6))).shape == (1, 2, 2)
    same = SpatialMaxPooling(3, 3, 2, 2, -1, -1, format="NHWC")
    assert same.forward(np.zeros((2, 7, 8, 3))).shape == (2, 4, 4, 3)
    a = SpatialAveragePooling(2, 2, 1, 1, -1, -1, count_include_pad=False)
    np.testing.assert_allclose(a.forward(np.ones((1, 3, 3))), np.ones((1, 3, 3)))
    g = SpatialAveragePooling(4, 3, global_pooling=True, format="nhwc")
    xs = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(g.forward(xs)[:, 0, 0], xs.mean(axis=(1, 2)))
    assert str(g) == f"SpatialAveragePooling[{g._hex}](4, 3, 1, 1, 0, 0)"


def test_average_divide_false_multiplies_by_window():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    s = SpatialAveragePooling(2, 2, 2, 2, divide=False)
    assert s.forward(x).tolist() == [[[[10.0, 18.0], [42.0, 50.0]]]]
    assert s.backward(x, np.ones((1, 1, 2, 2))).sum() == 16.0
    p = SpatialAveragePooling(3, 3, 2, 2, 1, 1, divide=False, count_include_pad=False)
    ref = F.avg_pool2d(torch.tensor(x), 3, 2, 1, count_include_pad=False).numpy() * 9
    np.testing.assert_allclose(p.forward(x), ref)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_gradcheck(kind, fmt):
    case = ((3, 2), (2, 1), (1, 1), True, (2, 2, 5, 4))
    m = make(kind, case, fmt)
    x = np.random.default_rng(3).permutation(80).reshape(2, 2, 5, 4) / 7.0  # distinct
    check_module_grads(m, to_fmt(x, fmt))


def test_str_dtype_and_empty_batch():
    assert str(SpatialMaxPooling(2, 2, 2, 2).set_name("pool1")) \
        == "SpatialMaxPooling[pool1](2, 2, 2, 2, 0, 0)"
    assert str(SpatialAveragePooling(3, 2, 1, 2, 1, 1).set_name("a")) \
        == "SpatialAveragePooling[a](3, 2, 1, 2, 1, 1)"
    m = SpatialMaxPooling(2, 2, 2, 2)
    assert m.forward(np.zeros((2, 1, 4, 4), np.int64)).dtype == np.float32
    assert m.forward(np.zeros((0, 3, 4, 4))).shape == (0, 3, 2, 2)
    assert m.backward(np.zeros((0, 3, 4, 4)), np.zeros((0, 3, 2, 2))).shape == (0, 3, 4, 4)
    t = bigdl_py.Tensor(np.ones((1, 2, 4, 4), np.float32))
    out = m.forward(t)
    assert isinstance(out, bigdl_py.Tensor) and m.forward(t) is out


@pytest.mark.parametrize("make_layer,err,msg", [
    (lambda: SpatialMaxPooling(2, 2, 0, 2), ValueError, "SpatialMaxPooling: expected dw >= 1"),
    (lambda: SpatialMaxPooling(2, 2, 2, 2, 2, 0), ValueError,
     r"SpatialMaxPooling: expected pads at most half the kernel \(pad_w <= 1"),
    (lambda: SpatialMaxPooling(2, 2, 2, 2, -1, 0), ValueError, "both -1"),
    (lambda: SpatialMaxPooling(2, 2, 2, 2, format="CHW"), ValueError,
     "SpatialMaxPooling: expected format to be one of 'NCHW', 'NHWC'"),
    (lambda: SpatialMaxPooling(2, 2, 2, 2, to_ceil=1), TypeError, "to_ceil to be a bool"),
    (lambda: SpatialAveragePooling(2, 2.5), TypeError, "kh to be an int"),
    (lambda: SpatialAveragePooling(2, 2, divide=None), TypeError, "divide to be a bool"),
])
def test_constructor_errors(make_layer, err, msg):
    with pytest.raises(err, match=msg):
        make_layer()


def test_input_errors():
    m = SpatialMaxPooling(3, 3, 1, 1)
    with pytest.raises(ValueError, match=r"SpatialMaxPooling: expected a 4-D \(N, C, H, W\)"):
        m.forward(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"SpatialMaxPooling: expected an input of at least "
                                         r"the kernel's size 3x3 .* got 2x5"):
        m.forward(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match=r"SpatialAveragePooling: expected an input of at "
                                         r"least the kernel's size"):
        SpatialAveragePooling(4, 4).forward(np.zeros((1, 1, 3, 5)))
    m.forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"SpatialMaxPooling: expected grad_output of shape "
                                         r"\(1, 1, 2, 2\)"):
        m.backward(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(RuntimeError, match="SpatialMaxPooling: expected backward after a "
                                           "forward of the same input shape"):
        m.backward(np.zeros((2, 1, 4, 4)), np.zeros((2, 1, 2, 2)))


@pytest.mark.parametrize("case", [((3, 3), (2, 2), (1, 1), False, (2, 43, 7, 9)),
                                  ((2, 2), (2, 2), (0, 0), True, (1, 8, 5, 6))],
                         ids=["c43-pad", "c8-ceil"])
def test_nhwc_channel_lanes_match_reference_and_baseline(threads, parallel_passes, case, simd):
    """float32 NHWC takes channels in AVX2 registers, 32 then 8 at a time (43 channels: one
    block of each and a scalar tail): ties, NaN and -inf as the loop reference, and the
    same bits as the baseline path."""
    rng = np.random.default_rng(11)
    x = rng.integers(0, 3, case[4]).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan
    x[rng.random(x.shape) < 0.05] = -np.inf
    y, g, gi = first_max_reference(x, case)
    results = []
    for on in (True, False):
        simd(on)
        m = make("max", case, "NHWC")
        out = from_fmt(m.forward(to_fmt(x, "NHWC")), "NHWC")
        grad = from_fmt(m.backward(to_fmt(x, "NHWC"), to_fmt(g, "NHWC")), "NHWC")
        np.testing.assert_array_equal(out, y)
        np.testing.assert_array_equal(grad, gi)
        results.append((out.tobytes(), grad.tobytes()))
    assert results[0] == results[1]
