"""Row-major GEMM over scipy's BLAS (sgemm/dgemm), by swapping operands."""
from cython cimport floating
from rowgemm cimport rowmajor_gemm

import numpy as np


cdef inline int _ld(Py_ssize_t stride, Py_ssize_t itemsize, Py_ssize_t cols) noexcept:
    cdef Py_ssize_t ld = stride // itemsize
    if ld < cols:
        ld = cols
    return <int>(ld if ld > 1 else 1)


cdef void _scale_rows(floating[:, ::1] c, floating beta) noexcept nogil:
    cdef Py_ssize_t i, j
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            c[i, j] = 0 if beta == 0 else beta * c[i, j]


def gemm(bint trans_a, bint trans_b, floating alpha, const floating[:, ::1] a,
         const floating[:, ::1] b, floating beta, floating[:, ::1] c):
    """``c = alpha * op(a) @ op(b) + beta * c`` in place; op transposes when asked.

    Row-major operands whose rows are contiguous (any row stride); ``beta == 0``
    ignores the old contents of ``c`` (NaN included), as BLAS does.
    """
    cdef Py_ssize_t m = a.shape[1] if trans_a else a.shape[0]
    cdef Py_ssize_t k = a.shape[0] if trans_a else a.shape[1]
    cdef Py_ssize_t kb = b.shape[1] if trans_b else b.shape[0]
    cdef Py_ssize_t n = b.shape[0] if trans_b else b.shape[1]
    if kb != k or c.shape[0] != m or c.shape[1] != n:
        raise ValueError(
            f"gemm: expected op(a) (m x k) @ op(b) (k x n) -> c (m x n), got op(a) {m}x{k}, "
            f"op(b) {kb}x{n}, c {c.shape[0]}x{c.shape[1]}")
    if max(m, n, k) >= 2 ** 31:
        raise ValueError(f"gemm: expected every dimension < 2**31 (BLAS int), got {m}, {n}, {k}")
    cdef Py_ssize_t isz = sizeof(floating)
    cdef int lda = _ld(a.strides[0], isz, a.shape[1])
    cdef int ldb = _ld(b.strides[0], isz, b.shape[1])
    cdef int ldc = _ld(c.strides[0], isz, c.shape[1])
    if m == 0 or n == 0:
        return
    with nogil:
        if k == 0:
            _scale_rows(c, beta)
        else:
            rowmajor_gemm(trans_a, trans_b, <int>m, <int>n, <int>k, alpha, &a[0, 0], lda,
                          &b[0, 0], ldb, beta, &c[0, 0], ldc)
