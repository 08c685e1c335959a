# Row-major GEMM over scipy's BLAS (sgemm/dgemm): the one place the operand swap lives.
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


cdef inline void rowmajor_gemm(bint ta, bint tb, int m, int n, int k, floating alpha,
                               const floating *a, int lda, const floating *b, int ldb,
                               floating beta, floating *c, int ldc,
                               int n_threads) noexcept nogil:
    # C (m x n, row-major) = alpha op(A) op(B) + beta C
    # == column-major C^T = alpha op(B)^T op(A)^T + beta C^T: swap the operands.
    # BLAS runs with at most n_threads threads (1 below GEMM_PAR_MIN multiply-adds).
    cdef char opa = b'T' if tb else b'N'
    cdef char opb = b'T' if ta else b'N'
    cdef double work = <double>m * n * k   # m*n*k overflows 64 bits past 2**21 each
    cdef int old = blas_enter(team(GEMM_PAR_MIN if work >= GEMM_PAR_MIN else 0,
                                   GEMM_PAR_MIN, n_threads))
    if floating is float:
        sgemm(&opa, &opb, &n, &m, &k, &alpha, <float *>b, &ldb, <float *>a, &lda, &beta, c,
              &ldc)
    else:
        dgemm(&opa, &opb, &n, &m, &k, &alpha, <double *>b, &ldb, <double *>a, &lda, &beta, c,
              &ldc)
    blas_leave(old)
