"""bigdl_py._blas.gemm against numpy: row-major c = alpha op(a) op(b) + beta c."""
import numpy as np
import pytest

from bigdl_py import _blas


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _operands(rng, m, n, k, ta, tb, dtype):
    a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(dtype)
    b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(dtype)
    c = rng.uniform(-1, 1, (m, n)).astype(dtype)
    return a, b, c


def _oracle(ta, tb, alpha, a, b, beta, c):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    op_a = a64.T if ta else a64
    op_b = b64.T if tb else b64
    base = 0.0 if beta == 0 else beta * c.astype(np.float64)
    return alpha * (op_a @ op_b) + base


@pytest.mark.parametrize("ta", [False, True], ids=["N", "T"])
@pytest.mark.parametrize("tb", [False, True], ids=["N", "T"])
@pytest.mark.parametrize("mnk", [(1, 1, 1), (7, 13, 5), (1, 9, 4), (6, 1, 3), (4, 5, 1),
                                 (33, 17, 65)])
def test_gemm_matches_numpy(dtype, ta, tb, mnk, threads):
    m, n, k = mnk
    rng = np.random.default_rng(m * 100 + n * 10 + k)
    a, b, c = _operands(rng, m, n, k, ta, tb, dtype)
    expected = _oracle(ta, tb, 0.75, a, b, -1.5, c)
    out = c.copy()
    assert _blas.gemm(ta, tb, 0.75, a, b, -1.5, out, threads) is None
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, **_tol(dtype))


@pytest.mark.parametrize("alpha, beta", [(1.0, 0.0), (1.0, 1.0), (0.0, 2.0), (-2.0, 0.5)])
def test_alpha_beta(dtype, alpha, beta):
    rng = np.random.default_rng(3)
    a, b, c = _operands(rng, 4, 6, 3, False, False, dtype)
    out = c.copy()
    _blas.gemm(False, False, alpha, a, b, beta, out, 1)
    np.testing.assert_allclose(out, _oracle(False, False, alpha, a, b, beta, c), **_tol(dtype))


def test_beta_zero_ignores_nan_in_c(dtype):
    rng = np.random.default_rng(4)
    a, b, _ = _operands(rng, 3, 4, 5, False, False, dtype)
    c = np.full((3, 4), np.nan, dtype=dtype)
    _blas.gemm(False, False, 1.0, a, b, 0.0, c, 1)
    assert np.isfinite(c).all()
    np.testing.assert_allclose(c, a.astype(np.float64) @ b, **_tol(dtype))


@pytest.mark.parametrize("m, n", [(0, 3), (3, 0), (0, 0)])
def test_empty_m_or_n_is_a_no_op(dtype, m, n):
    a = np.ones((m, 2), dtype)
    b = np.ones((2, n), dtype)
    c = np.ones((m, n), dtype)
    _blas.gemm(False, False, 1.0, a, b, 0.0, c, 1)
    assert c.shape == (m, n)


@pytest.mark.parametrize("ta, tb", [(False, False), (True, True)])
def test_k_zero_scales_c_by_beta(dtype, ta, tb):
    a = np.ones((0, 3) if ta else (3, 0), dtype)
    b = np.ones((4, 0) if tb else (0, 4), dtype)
    c = np.arange(12, dtype=dtype).reshape(3, 4)
    _blas.gemm(ta, tb, 1.0, a, b, 2.0, c, 1)
    np.testing.assert_array_equal(c, 2 * np.arange(12).reshape(3, 4))
    c[0, 0] = np.nan
    _blas.gemm(ta, tb, 1.0, a, b, 0.0, c, 1)
    np.testing.assert_array_equal(c, np.zeros((3, 4)))


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_strided_row_views(dtype, ta, tb):
    """Operands and output may be column slices of bigger arrays (contiguous rows only)."""
    rng = np.random.default_rng(5)
    m, n, k = 5, 4, 3
    big_a = rng.uniform(-1, 1, (k + 2, m + 7) if ta else (m + 2, k + 7)).astype(dtype)
    big_b = rng.uniform(-1, 1, (n + 1, k + 4) if tb else (k + 1, n + 4)).astype(dtype)
    big_c = rng.uniform(-1, 1, (m + 3, n + 6)).astype(dtype)
    a = big_a[1:1 + (k if ta else m), 2:2 + (m if ta else k)]
    b = big_b[:(n if tb else k), 1:1 + (k if tb else n)]
    c_before = big_c.copy()
    c = big_c[2:2 + m, 3:3 + n]
    expected = _oracle(ta, tb, 1.25, a, b, 0.5, c)
    _blas.gemm(ta, tb, 1.25, a, b, 0.5, c, 1)
    np.testing.assert_allclose(c, expected, **_tol(dtype))
    outside = np.ones(big_c.shape, bool)
    outside[2:2 + m, 3:3 + n] = False
    np.testing.assert_array_equal(big_c[outside], c_before[outside])  # nothing else touched


def test_single_row_and_column_slices(dtype):
    big = np.arange(60, dtype=dtype).reshape(6, 10)
    a = big[1:2, :5]        # 1 x 5, row of a wider array
    b = big[:4, 2:3].T      # 1 x 4, transpose of a column slice: not row-contiguous
    col = big[:5, 7:8]      # 5 x 1 with row stride 10 elements
    c = np.zeros((1, 1), dtype)
    _blas.gemm(False, False, 1.0, a, col, 0.0, c, 1)
    assert c[0, 0] == (a.astype(np.float64) @ col.astype(np.float64))[0, 0]
    with pytest.raises(ValueError, match="gemm: expected b with contiguous rows"):
        _blas.gemm(False, False, 1.0, np.ones((1, 1), dtype), b, 0.0, np.zeros((1, 4), dtype), 1)


def test_rejects_shape_mismatch(dtype):
    a, b = np.ones((2, 3), dtype), np.ones((4, 5), dtype)
    c = np.zeros((2, 5), dtype)
    with pytest.raises(ValueError, match=r"gemm: expected op\(a\) .* got op\(a\) 2x3, op\(b\) 4x5"):
        _blas.gemm(False, False, 1.0, a, b, 0.0, c, 1)
    with pytest.raises(ValueError, match="c 2x5"):
        _blas.gemm(False, True, 1.0, a, np.ones((4, 3), dtype), 0.0, c, 1)
    np.testing.assert_array_equal(c, 0)


def test_rejects_mixed_dtypes_and_non_float():
    a = np.ones((2, 2), np.float32)
    b = np.ones((2, 2), np.float64)
    with pytest.raises(TypeError, match="gemm: expected a, b and c of one dtype.*float32, float64"):
        _blas.gemm(False, False, 1.0, a, b, 0.0, np.zeros((2, 2), np.float32), 1)
    with pytest.raises(TypeError, match="gemm: expected a, b and c of one dtype"):
        _blas.gemm(False, False, 1.0, a.astype(int), a.astype(int), 0.0, np.zeros((2, 2), int), 1)


def test_rejects_bad_operands():
    x = np.ones((2, 2))
    with pytest.raises(TypeError, match="gemm: expected a as a 2-D ndarray, got ndarray of ndim 1"):
        _blas.gemm(False, False, 1.0, np.ones(2), x, 0.0, x.copy(), 1)
    with pytest.raises(TypeError, match="gemm: expected c as a 2-D ndarray, got list"):
        _blas.gemm(False, False, 1.0, x, x, 0.0, [[0.0, 0.0], [0.0, 0.0]], 1)
    with pytest.raises(ValueError, match="gemm: expected a with contiguous rows"):
        _blas.gemm(False, False, 1.0, np.ones((2, 4))[:, ::2], x, 0.0, x.copy(), 1)
    with pytest.raises(ValueError, match="gemm: expected c with a row stride"):
        _blas.gemm(False, False, 1.0, x, x, 0.0, np.zeros((2, 2))[::-1], 1)
    ro = np.zeros((2, 2))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="gemm: expected a writable c"):
        _blas.gemm(False, False, 1.0, x, x, 0.0, ro, 1)


def test_read_only_inputs_are_fine(dtype):
    a = np.ones((2, 3), dtype)
    a.flags.writeable = False
    c = np.zeros((2, 2), dtype)
    _blas.gemm(False, True, 1.0, a, a, 0.0, c, 1)
    np.testing.assert_array_equal(c, np.full((2, 2), 3.0))
