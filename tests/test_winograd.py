"""SpatialConvolution on the Winograd F(4x4, 3x3) kernels (bigdl_py._winograd): torch and
the patch-matrix path as oracles over shapes, pads (SAME too), both layouts and dtypes;
gradient check in float64; 1 thread == 2 threads bitwise; the routing rule; error paths.

float32 tolerance: the transforms scale values by up to 5 (B^T), 8 (A^T) and 1/24 (G)
before the sums, so an output can lose a few more bits than a direct sum does, and the
loss is relative to the magnitude of the tile, not of the one output.  The bound is
|ours - torch (float64)| <= 5e-5 * max|torch| per array (measured <= 4e-6 on these cases,
about 8 float32 ulps of the largest value, against 1e-6 for the patch-matrix path)."""
import numpy as np
import pytest
from gradcheck import check_module_grads
from helpers import bitwise

import bigdl_py
from bigdl_py import _testing, _winograd
from bigdl_py.nn import SpatialConvolution
from bigdl_py.nn._spatial import out_size

torch = pytest.importorskip("torch")
F = torch.nn.functional

F32_BOUND = 5e-5


def close(ours, ref, dtype):
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    assert ours.shape == ref.shape
    scale = max(np.abs(ref).max(initial=0.0), 1e-30)
    bound = F32_BOUND if dtype == np.float32 else 1e-11
    assert np.abs(ours - ref).max(initial=0.0) <= bound * scale


def nhwc(a):
    return np.ascontiguousarray(np.moveaxis(a, -3, -1))


def nchw(a):
    return np.moveaxis(a, -1, -3)


def pads(m, h, w):
    """(oh, ow, top, bottom, left, right) by BigDL's rules (negative: rows no window reads)."""
    oh, pt = out_size(h, 3, 1, m.pad_h)
    ow, pl = out_size(w, 3, 1, m.pad_w)
    return oh, ow, pt, oh + 2 - h - pt, pl, ow + 2 - w - pl


def torch_ref(m, x, g):
    """(out, grad_input, grad_weight (K, C, 3, 3), grad_bias) in float64, NCHW x and g."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    w = m.weight if m.data_format == "NCHW" else m.weight.transpose(0, 4, 3, 1, 2)
    wt = torch.tensor(w.reshape(m.n_output_plane, m.n_input_plane, 3, 3),
                      dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(m.bias, dtype=torch.float64, requires_grad=True)
    _, _, pt, pb, pl, pr = pads(m, *x.shape[2:])
    y = F.conv2d(F.pad(xt, (pl, pr, pt, pb)), wt, bt)
    y.backward(torch.tensor(g, dtype=torch.float64))
    return y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def grad_weight_kc(m):
    w = m.grad_weight if m.data_format == "NCHW" else m.grad_weight.transpose(0, 4, 3, 1, 2)
    return w.reshape(m.n_output_plane, m.n_input_plane, 3, 3)


def run(case, fmt, dtype, on=True):
    """forward + backward of a fresh layer on the Winograd path (on=True) or not."""
    c, k, n, h, w, pad = case
    bigdl_py.RNG.set_seed(sum(case))
    m = SpatialConvolution(c, k, 3, 3, 1, 1, pad, pad, data_format=fmt, dtype=dtype)
    rng = np.random.default_rng(sum(case))
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    oh, ow = pads(m, h, w)[:2]
    g = rng.standard_normal((n, k, oh, ow)).astype(dtype)
    xin, gin = (x, g) if fmt == "NCHW" else (nhwc(x), nhwc(g))
    with _testing.winograd(on):
        out = m.forward(xin).copy()
        gi = m.backward(xin, gin).copy()
    if fmt == "NHWC":
        out, gi = nchw(out), nchw(gi)
    return m, x, g, out, gi


# (C, K, N, H, W, pad): pad -1 is SAME
CASES = [
    (3, 5, 2, 9, 11, 1),
    (4, 2, 1, 5, 5, 0),
    (2, 3, 3, 8, 7, -1),
    (3, 4, 2, 6, 9, 3),       # pads past the kernel: grad input reads from inside
    (70, 66, 1, 7, 70, 1),    # planes past a 64-channel step, rows past a 16-tile step
    (16, 16, 2, 4, 4, 1),     # one tile per sample
]


@pytest.fixture
def passes():
    old = _winograd._set_parallel_threshold(0)
    yield
    _winograd._set_parallel_threshold(old)


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
@pytest.mark.parametrize("case", CASES, ids=[f"c{i}" for i in range(len(CASES))])
def test_matches_torch_and_patch_path(dtype, passes, fmt, case):
    m, x, g, out, gi = run(case, fmt, dtype)
    ref = torch_ref(m, x, g)
    close(out, ref[0], dtype)
    close(gi, ref[1], dtype)
    close(grad_weight_kc(m), ref[2], dtype)
    close(m.grad_bias, ref[3], dtype)
    m2, _, _, out2, gi2 = run(case, fmt, dtype, on=False)
    close(out, out2, dtype)
    close(gi, gi2, dtype)
    close(grad_weight_kc(m), grad_weight_kc(m2), dtype)


@pytest.mark.parametrize("case, gemm_threads", [
    ((20, 24, 3, 13, 10, 1), 1),
    ((32, 32, 4, 32, 32, 1), 2),     # 36 x 32 x 32 x 256 tiles: the positions' GEMMs shared
])
def test_threads_bitwise(passes, case, gemm_threads):
    results = []
    for t in (1, 2):
        bigdl_py.set_num_threads(t)
        for fmt in ("NCHW", "NHWC"):
            m, _, _, out, gi = run(case, fmt, np.float32)
            assert _testing.gemm_threads_seen() == min(t, gemm_threads)
            results.append((out, gi, m.grad_weight.copy(), m.grad_bias.copy()))
    for a, b in zip(results[:2], results[2:]):
        assert all(bitwise(u, v) for u, v in zip(a, b))


def test_simd_paths_bitwise(passes, simd):
    """The AVX2 and baseline builds of the transforms give the same bits."""
    results = []
    for on in (True, False):
        simd(on)
        for fmt in ("NCHW", "NHWC"):
            m, _, _, out, gi = run((9, 10, 2, 11, 13, 1), fmt, np.float64)
            results.append((out, gi, m.grad_weight.copy()))
    for a, b in zip(results[:2], results[2:]):
        assert all(bitwise(u, v) for u, v in zip(a, b))


def test_small_scratch_blocks(dtype):
    """A scratch of one row of tiles per block gives the whole-batch answer."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 5, 10, 9)).astype(dtype)
    w = rng.standard_normal(9 * 5 * 4).astype(dtype)
    g = rng.standard_normal((3, 4, 10, 9)).astype(dtype)
    res = []
    one_row = 36 * (20 + 2 * (5 * 3 + 16))   # U, then V and M of 3 tiles (+ the skew)
    for size in (_winograd.scratch_elements(3, 5, 10, 9, 4, 10, 9), one_row):
        sc = np.empty(size, dtype)
        out, gi, gw = np.empty_like(g), np.empty_like(x), np.zeros_like(w)
        _winograd.forward(x, w, None, out, 1, 1, False, sc, 2)
        _winograd.backward(x, g, w, gi, gw, 1.0, 1, 1, False, sc, 2)
        res.append((out, gi, gw))
    for a, b in zip(*res):
        close(a, b, dtype)


def test_gradcheck_float64():
    m = SpatialConvolution(3, 2, 3, 3, 1, 1, 1, 1, dtype="float64")
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 6))
    with _testing.winograd(True):
        check_module_grads(m, x)
    m = SpatialConvolution(2, 3, 3, 3, 1, 1, -1, -1, data_format="NHWC", dtype="float64")
    with _testing.winograd(True):
        check_module_grads(m, np.random.default_rng(3).standard_normal((5, 4, 2)))


@pytest.mark.parametrize("fmt", ["NCHW", "NHWC"])
def test_empty_unbatched_noncontiguous(fmt):
    m = SpatialConvolution(3, 4, 3, 3, 1, 1, 1, 1, data_format=fmt, dtype="float64")
    shape = (0, 3, 6, 5) if fmt == "NCHW" else (0, 6, 5, 3)
    with _testing.winograd(True):
        assert m.forward(np.zeros(shape)).shape[0] == 0
        x = np.random.default_rng(4).standard_normal((2,) + shape[1:])
        full = m.forward(x).copy()
        np.testing.assert_array_equal(m.forward(x[1]), full[1])
        wide = np.zeros(x.shape[:-1] + (2 * x.shape[-1],))
        wide[..., ::2] = x
        np.testing.assert_array_equal(m.forward(wide[..., ::2]), full)


def test_routing(monkeypatch):
    calls = []
    fwd = _winograd.forward
    monkeypatch.setattr(_winograd, "forward", lambda *a: calls.append(1) or fwd(*a))
    x = np.zeros((1, 8, 20, 20), np.float32)
    SpatialConvolution(8, 8, 3, 3, 1, 1, 1, 1).forward(x)
    assert len(calls) == 1
    SpatialConvolution(8, 4, 3, 3, 1, 1, 1, 1).forward(x)                # few planes
    SpatialConvolution(8, 8, 3, 3, 1, 1, 1, 1).forward(x[..., :19])      # small planes
    SpatialConvolution(8, 8, 3, 3, 2, 2, 1, 1).forward(x)                # stride 2
    SpatialConvolution(8, 8, 3, 3, 1, 1, 1, 1, n_group=2).forward(x)     # groups
    with _testing.winograd(False):
        SpatialConvolution(8, 8, 3, 3, 1, 1, 1, 1).forward(x)
    assert len(calls) == 1


def test_errors():
    x = np.zeros((1, 2, 4, 4), np.float32)
    out = np.zeros((1, 1, 4, 4), np.float32)
    w = np.zeros(18, np.float32)
    sc = np.zeros(_winograd.scratch_elements(1, 2, 4, 4, 1, 4, 4), np.float32)
    with pytest.raises(ValueError, match="winograd: expected a weight of 18 values, got 5"):
        _winograd.forward(x, w[:5], None, out, 1, 1, False, sc, 1)
    with pytest.raises(ValueError, match="winograd: expected scratch of at least"):
        _winograd.forward(x, w, None, out, 1, 1, False, sc[:10], 1)
    with pytest.raises(ValueError, match="winograd: expected a 3x3 stride-1 geometry"):
        _winograd.forward(x, w, None, np.zeros((1, 1, 9, 4), np.float32), 1, 1, False, sc, 1)
    with pytest.raises(ValueError, match="winograd: expected bias of 1 values"):
        _winograd.forward(x, w, np.zeros(3, np.float32), out, 1, 1, False, sc, 1)
    with pytest.raises(ValueError, match="winograd: expected grad_input like x"):
        _winograd.backward(x, out, w, out, None, 1.0, 1, 1, False, sc, 1)
    with pytest.raises(ValueError, match="winograd: expected grad_weight of 18 values"):
        _winograd.backward(x, out, w, None, w[:3], 1.0, 1, 1, False, sc, 1)
