# Row-major GEMM over scipy's BLAS (sgemm/dgemm): the one place the operand swap and the
# blocking of sizes past BLAS's int live.
# Shared by _blas.pyx (the Python-facing wrapper) and the layer kernels that call BLAS from
# a serial C loop; inline, so no extension imports another's C API.  A caller runs
# threads.attach_blas() with the GIL before its first GEMM (each ``def`` that reaches one).
from cython cimport floating
from scipy.linalg.cython_blas cimport sgemm, dgemm
from threads cimport blas_enter, blas_leave, team

cdef enum:
    # Multiply-adds (m*n*k) below which a GEMM runs BLAS single-threaded.  OpenBLAS's own
    # switch is 2**18, so a batch-32 MLP's GEMMs (2**19..2**21) woke its second thread
    # on every call: 2-core machine, float32, best of 15 interleaved runs, 1 vs 2 threads:
    # 32x64x256 32 vs 167 us, 32x256x128 87 vs 121 us; from 64x256x256 (2**22) 2 threads
    # won (77 vs 47 us) when quiet, but with another process on one core every 2-thread
    # call waits for that core (examples/train_digits.py: 110 s vs 5.8 s single-threaded,
    # issue 15).  2**23 (~0.3 ms on one core) keeps the small GEMMs of training loops off
    # the pool and leaves layers of 128x256x256 and up parallel.
    GEMM_PAR_MIN = 1 << 23


cdef extern from *:
    """
    /* Largest m, n or k handed to one BLAS call (BLAS sizes are C int).  Per extension
       (static); tests lower it through each module's _set_gemm_block to check blocking. */
    static Py_ssize_t bigdl_gemm_block = 2147483647;
    """
    Py_ssize_t bigdl_gemm_block


cdef inline Py_ssize_t set_gemm_block(Py_ssize_t block) noexcept nogil:
    # returns the old block; block < 1 restores the default (2**31 - 1)
    global bigdl_gemm_block
    cdef Py_ssize_t old = bigdl_gemm_block
    bigdl_gemm_block = block if block >= 1 else 2147483647
    return old


cdef inline void _blas_gemm(bint ta, bint tb, int m, int n, int k, floating alpha,
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


cdef inline void rowmajor_gemm(bint ta, bint tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                               floating alpha, const floating *a, Py_ssize_t lda,
                               const floating *b, Py_ssize_t ldb, floating beta, floating *c,
                               Py_ssize_t ldc, int n_threads) noexcept nogil:
    # C (m x n, row-major) = alpha op(A) op(B) + beta C for any m, n, k: sizes past
    # bigdl_gemm_block are split into blocks (rows of C, columns of C, and the sum over k,
    # where beta applies to the first block only), so >= 2**31 rows get the right answer.
    # The leading dimensions must fit a C int (callers check).  The blocking depends only
    # on the sizes, never on the thread count.  BLAS runs with at most n_threads threads
    # (1 below GEMM_PAR_MIN multiply-adds).
    cdef Py_ssize_t blk = bigdl_gemm_block
    cdef Py_ssize_t i0, j0, p0, mb, nb, kb
    cdef floating bt
    cdef double work = <double>m * n * k   # m*n*k overflows 64 bits past 2**21 each
    cdef int old = blas_enter(team(GEMM_PAR_MIN if work >= GEMM_PAR_MIN else 0,
                                   GEMM_PAR_MIN, n_threads))
    if m <= blk and n <= blk and k <= blk:
        _blas_gemm(ta, tb, <int>m, <int>n, <int>k, alpha, a, <int>lda, b, <int>ldb, beta, c,
                   <int>ldc)
        blas_leave(old)
        return
    i0 = 0
    while i0 < m:
        mb = min(blk, m - i0)
        j0 = 0
        while j0 < n:
            nb = min(blk, n - j0)
            p0 = 0
            bt = beta
            while True:  # at least once: k == 0 still scales C by beta
                kb = min(blk, k - p0)
                _blas_gemm(ta, tb, <int>mb, <int>nb, <int>kb, alpha,
                           a + (p0 * lda + i0 if ta else i0 * lda + p0), <int>lda,
                           b + (j0 * ldb + p0 if tb else p0 * ldb + j0), <int>ldb,
                           bt, c + i0 * ldc + j0, <int>ldc)
                bt = 1
                p0 += kb
                if p0 >= k:
                    break
            j0 += nb
        i0 += mb
    blas_leave(old)
