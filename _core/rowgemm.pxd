# Row-major GEMM over scipy's BLAS (sgemm/dgemm): the one place the operand swap, the
# blocking of sizes past BLAS's int and the splitting over threads live.
# Shared by _blas.pyx (the Python-facing wrapper) and the layer kernels that call BLAS from
# a serial C loop; inline, so no extension imports another's C API.  A caller runs
# threads.attach_blas() with the GIL before its first GEMM (each ``def`` that reaches one).
#
# One thread pool: BLAS always runs single-threaded inside bigdl_py's GEMMs, and a large
# GEMM is split over bigdl_py's own OpenMP team instead (rows or columns of C, one BLAS call
# per part).  With BLAS's pool in use too, two pools spin on two cores: OpenBLAS's worker
# yields in a loop for ~0.1 s after each threaded GEMM and libgomp's spins after each
# parallel pass, so a training loop alternating the two had three busy threads on two
# cores (examples/train_digits.py, quiet, 2 cores: MLP 0.6 s and CNN 1.5 s with BLAS's
# pool, 0.4 s and 0.6 s with BLAS held at one thread and the passes still parallel).
from cython cimport floating
from cython.parallel cimport prange
from scipy.linalg.cython_blas cimport sgemm, dgemm
from threads cimport blas_enter, blas_leave, blas_team, gemm_parts_max, team, in_parallel

cdef enum:
    # Multiply-adds (m*n*k) below which a GEMM is one BLAS call on one thread: a split costs
    # a parallel region and another packing of the shared operand.  Measured with OpenBLAS's
    # pool: a batch-32 MLP's GEMMs (2**19..2**21) were slower on 2 threads (32x64x256 32 vs
    # 167 us, 32x256x128 87 vs 121 us); from 64x256x256 (2**22) 2 threads won when quiet but
    # lost whenever another process held a core.  2**23 (~0.3 ms on one core) keeps the
    # small GEMMs of training loops whole and splits layers of 128x256x256 and up.
    GEMM_PAR_MIN = 1 << 23
    # A split GEMM's parts: a power of two, at most the machine's (threads.pxd's
    # gemm_parts_max: its CPU count rounded up, fixed for the process), each of at least
    # GEMM_PAR_MIN / 2 multiply-adds and GEMM_PART_MIN rows (columns) of C, starting at
    # multiples of GEMM_PART_ALIGN (whole register tiles).  Each part re-packs the operand
    # the parts share, ~10 / rows-per-part of the work (a copied float ~ 10 multiply-adds):
    # 1 thread, float32, 512x1024 @ 1024x1024 fwd+bwd: 8 parts 8% slower than one call.
    GEMM_PART_MIN = 128
    GEMM_PART_ALIGN = 16


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


cdef inline void gemm_blocked(bint ta, bint tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                              floating alpha, const floating *a, Py_ssize_t lda,
                              const floating *b, Py_ssize_t ldb, floating beta, floating *c,
                              Py_ssize_t ldc) noexcept nogil:
    # C (m x n, row-major) = alpha op(A) op(B) + beta C for any m, n, k: sizes past
    # bigdl_gemm_block are split into blocks (rows of C, columns of C, and the sum over k,
    # where beta applies to the first block only), so >= 2**31 rows get the right answer.
    # The leading dimensions must fit a C int (callers check).  The blocking depends only
    # on the sizes, never on the thread count.  On the calling thread, BLAS as the caller
    # set it: a kernel running GEMMs from its own parallel loop holds BLAS at one thread
    # (blas_enter(1) / blas_leave) around the loop.
    cdef Py_ssize_t blk = bigdl_gemm_block
    cdef Py_ssize_t i0, j0, p0, mb, nb, kb
    cdef floating bt
    if m <= blk and n <= blk and k <= blk:
        _blas_gemm(ta, tb, <int>m, <int>n, <int>k, alpha, a, <int>lda, b, <int>ldb, beta, c,
                   <int>ldc)
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


cdef inline int gemm_parts(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k) noexcept nogil:
    # how many parts a GEMM is cut into: from its sizes and the machine, never from the
    # thread budget, so every element of C comes from the same BLAS call shape at any
    # thread count (OpenBLAS's sums depend on the call's shape, not only on k).  m*n*k
    # overflows 64 bits past 2**21 each: counted in double.
    cdef double work = <double>m * n * k
    cdef Py_ssize_t cap = max(m, n) // GEMM_PART_MIN
    cdef int parts = 1, most = gemm_parts_max()
    if work < GEMM_PAR_MIN:
        return 1
    while (parts * 2 <= most and parts * 2 <= cap
           and work / (parts * 2) >= GEMM_PAR_MIN // 2):
        parts *= 2
    return parts


cdef inline void _gemm_part(bint ta, bint tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                            floating alpha, const floating *a, Py_ssize_t lda,
                            const floating *b, Py_ssize_t ldb, floating beta, floating *c,
                            Py_ssize_t ldc, bint rows, Py_ssize_t lo,
                            Py_ssize_t hi) noexcept nogil:
    # rows lo..hi of C (rows of op(A)) or its columns lo..hi (columns of op(B))
    if lo >= hi:
        return
    if rows:
        gemm_blocked(ta, tb, hi - lo, n, k, alpha, a + (lo if ta else lo * lda), lda,
                     b, ldb, beta, c + lo * ldc, ldc)
    else:
        gemm_blocked(ta, tb, m, hi - lo, k, alpha, a, lda, b + (lo * ldb if tb else lo),
                     ldb, beta, c + lo, ldc)


cdef inline void rowmajor_gemm(bint ta, bint tb, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k,
                               floating alpha, const floating *a, Py_ssize_t lda,
                               const floating *b, Py_ssize_t ldb, floating beta, floating *c,
                               Py_ssize_t ldc, int n_threads) noexcept nogil:
    # C (m x n, row-major) = alpha op(A) op(B) + beta C for any sizes (see gemm_blocked):
    # the larger of C's sizes cut into gemm_parts() parts, one single-threaded BLAS call
    # each, run by up to n_threads threads of bigdl_py's OpenMP team (one inside another
    # parallel region).  BLAS is held at one thread throughout.
    cdef int parts = gemm_parts(m, n, k), p
    cdef int nt = 1 if in_parallel() else min(parts, team(parts, 2, n_threads))
    cdef bint rows = m >= n
    cdef Py_ssize_t size = m if rows else n, step, lo
    cdef int old = blas_enter(1)
    blas_team(nt)
    step = (size + parts - 1) // parts
    step = (step + GEMM_PART_ALIGN - 1) // GEMM_PART_ALIGN * GEMM_PART_ALIGN
    if nt == 1:
        for p in range(parts):
            _gemm_part(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, rows,
                       p * step, min(p * step + step, size))
    else:
        for p in prange(parts, schedule='static', num_threads=nt):
            lo = p * step
            _gemm_part(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, rows, lo,
                       min(lo + step, size))
    blas_leave(old)
