"""Row-major GEMM over scipy's BLAS (sgemm/dgemm), by swapping operands."""
from cython cimport floating
from rowgemm cimport rowmajor_gemm, set_gemm_block
from threads cimport attach_blas

import numpy as np

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


cdef void _scale(floating[:, :] c, floating beta) noexcept nogil:
    # k == 0: c = beta * c, where beta == 0 writes zeros (NaN in c ignored, as BLAS does)
    cdef Py_ssize_t i, j
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            c[i, j] = 0 if beta == 0 else beta * c[i, j]


def _leading_dim(str name, arr):
    """BLAS leading dimension (elements) of a row-major operand with contiguous rows."""
    rows, cols = arr.shape
    isz = arr.itemsize
    s0, s1 = arr.strides
    if arr.size == 0:
        return max(cols, 1)
    if cols > 1 and s1 != isz:
        raise ValueError(f"gemm: expected {name} with contiguous rows (column stride "
                         f"{isz} bytes), got strides {arr.strides}")
    if rows <= 1:
        return max(cols, 1)
    if s0 % isz or s0 // isz < max(cols, 1):
        raise ValueError(f"gemm: expected {name} with a row stride that is a multiple of "
                         f"{isz} bytes and >= its {cols} columns, got strides {arr.strides}")
    return s0 // isz


def gemm(bint trans_a, bint trans_b, alpha, a, b, beta, c, int n_threads):
    """``c = alpha * op(a) @ op(b) + beta * c`` in place; op transposes when asked.

    Parameters
    ----------
    trans_a, trans_b : bool
        Use ``a.T`` / ``b.T`` instead of ``a`` / ``b``.
    alpha, beta : float
        Scalars (cast to the operands' dtype).
    a, b : ndarray
        2-D, one dtype (float32 or float64) with ``c``; rows contiguous, any row stride
        (e.g. ``big[:, :5]``).
    c : ndarray
        Writable 2-D output, ``(m, n)`` for ``op(a)`` ``(m, k)`` and ``op(b)`` ``(k, n)``.
    n_threads : int
        BLAS threads at most (``bigdl_py.get_num_threads()``); one below ``GEMM_PAR_MIN``
        multiply-adds (``rowgemm.pxd``).

    ``beta == 0`` ignores the old contents of ``c`` (NaN included), as BLAS does;
    ``k == 0`` gives ``beta * c``.  Everything is checked before BLAS runs.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.zeros((2, 2))
    >>> gemm(False, True, 1.0, np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]), 0.0, c, 1)
    >>> c.tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    for name, arr in (("a", a), ("b", b), ("c", c)):
        if not isinstance(arr, np.ndarray) or arr.ndim != 2:
            raise TypeError(f"gemm: expected {name} as a 2-D ndarray, got "
                            f"{type(arr).__name__} of ndim {getattr(arr, 'ndim', '?')}")
    if a.dtype not in _FLOATS or b.dtype != a.dtype or c.dtype != a.dtype:
        raise TypeError(f"gemm: expected a, b and c of one dtype, float32 or float64, got "
                        f"{a.dtype}, {b.dtype}, {c.dtype}")
    if not c.flags.writeable:
        raise ValueError("gemm: expected a writable c, got a read-only array")
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    kb, n = (b.shape[1], b.shape[0]) if trans_b else b.shape
    if kb != k or c.shape != (m, n):
        raise ValueError(
            f"gemm: expected op(a) (m x k) @ op(b) (k x n) -> c (m x n), got op(a) {m}x{k}, "
            f"op(b) {kb}x{n}, c {c.shape[0]}x{c.shape[1]}")
    lda, ldb, ldc = _leading_dim("a", a), _leading_dim("b", b), _leading_dim("c", c)
    if max(lda, ldb, ldc) >= 2 ** 31:  # m, n, k past 2**31 are blocked, row strides cannot be
        raise ValueError(f"gemm: expected row strides < 2**31 elements (BLAS leading "
                         f"dimensions), got {lda}, {ldb}, {ldc}")
    attach_blas()
    if a.dtype == np.float32:
        _run[float](trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, n_threads)
    else:
        _run[double](trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, n_threads)


cdef _run(bint ta, bint tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, floating alpha,
          const floating[:, :] a, Py_ssize_t lda, const floating[:, :] b, Py_ssize_t ldb,
          floating beta, floating[:, :] c, Py_ssize_t ldc, int n_threads):
    if m == 0 or n == 0:
        return
    with nogil:
        if k == 0:
            _scale(c, beta)
        else:
            rowmajor_gemm(ta, tb, m, n, k, alpha, &a[0, 0], lda, &b[0, 0], ldb, beta, &c[0, 0],
                          ldc, n_threads)


def _set_gemm_block(Py_ssize_t block):
    """Set the largest m, n or k per BLAS call in this module (tests lower it to check the
    blocking of sizes past 2**31); returns the old one.  ``block < 1`` restores it."""
    return set_gemm_block(block)
