# Row-major GEMM over scipy's BLAS (sgemm/dgemm): the one place the operand swap lives.
# Shared by _blas.pyx (the Python-facing wrapper) and _linear.pyx (layer kernels that call
# BLAS from a serial C loop); inline, so no extension imports another's C API.
from cython cimport floating
from scipy.linalg.cython_blas cimport sgemm, dgemm


cdef inline void rowmajor_gemm(bint ta, bint tb, int m, int n, int k, floating alpha,
                               const floating *a, int lda, const floating *b, int ldb,
                               floating beta, floating *c, int ldc) noexcept nogil:
    # C (m x n, row-major) = alpha op(A) op(B) + beta C
    # == column-major C^T = alpha op(B)^T op(A)^T + beta C^T: swap the operands.
    cdef char opa = b'T' if tb else b'N'
    cdef char opb = b'T' if ta else b'N'
    if floating is float:
        sgemm(&opa, &opb, &n, &m, &k, &alpha, <float *>b, &ldb, <float *>a, &lda, &beta, c,
              &ldc)
    else:
        dgemm(&opa, &opb, &n, &m, &k, &alpha, <double *>b, &ldb, <double *>a, &lda, &beta, c,
              &ldc)
