# Inline passes of the batch-norm kernels (_batchnorm.pyx) over data viewed as (A, C, B)
# (NCHW (N, C, H*W), channels last (N*H*W, C, 1)): the reduction pass (float64 lane sums of
# bigdl_bn.h, fixed tasks with a partial-sum slot each, added in task order) and the affine
# pass (output or input gradient).  Tasks: an NCHW (sample, channel) plane, or R rows of
# the channels-last data; results do not depend on the thread count.
from cython cimport floating
from cython.parallel cimport prange

cdef extern from "bigdl_bn.h" nogil:
    int bdb_avx512()
    int bdb_avx512_set(int on)
    void bdb_sums_f32(const float *x, const float *g, Py_ssize_t L, Py_ssize_t W,
                      const double *sh, double *s0, double *s1)
    void bdb_sums_f64(const double *x, const double *g, Py_ssize_t L, Py_ssize_t W,
                      const double *sh, double *s0, double *s1)
    # nt: streaming stores (AVX2 path, large outputs)
    void bdb_affine_rows_f32(const float *x, const float *g, float *y, Py_ssize_t L,
                             Py_ssize_t W, const float *k, int nt)
    void bdb_affine_rows_f64(const double *x, const double *g, double *y, Py_ssize_t L,
                             Py_ssize_t W, const double *k, int nt)
    void bdb_affine_plane_f32(const float *x, const float *g, float *y, Py_ssize_t n,
                              float m, float k1, float k2, float k3, int nt)
    void bdb_affine_plane_f64(const double *x, const double *g, double *y, Py_ssize_t n,
                              double m, double k1, double k2, double k3, int nt)


cdef struct Shape:
    Py_ssize_t A, C, B
    Py_ssize_t W, R, T   # lanes (C for NCHW); channels last: rows per task, tasks


cdef inline void _lane_sums(const floating *x, const floating *g, Py_ssize_t L, Py_ssize_t W,
                            const double *sh, double *s0, double *s1) noexcept nogil:
    if floating is float:
        bdb_sums_f32(x, g, L, W, sh, s0, s1)
    else:
        bdb_sums_f64(x, g, L, W, sh, s0, s1)


cdef inline void _plane_sums(const floating *x, const floating *g, Py_ssize_t B,
                             double shift, double *s0, double *s1) noexcept nogil:
    # one channel's B values as rows of n lanes (16; 4 or 1 for short planes, where the lane
    # set-up would cost more than it saves), the lanes then added in order:
    # g NULL: (sum (x - shift), sum (x - shift)^2); else (sum g, sum g (x - shift))
    cdef double sh[16]
    cdef double a0[16]
    cdef double a1[16]
    cdef int l, n = 16 if B >= 256 else 4 if B >= 32 else 1
    for l in range(n):
        sh[l] = shift
    _lane_sums(x, g, B, n, sh, a0, a1)
    s0[0], s1[0] = a0[0], a1[0]
    for l in range(1, n):
        s0[0] += a0[l]
        s1[0] += a1[l]


cdef inline void _sums(const floating *x, const floating *g, Shape *s, const double *shift,
                       double *part, double *tot, int nt) noexcept nogil:
    # tot[c], tot[C + c]: the channel's two sums over all (a, b).  shift: W values (lane j
    # has channel j % C's).  Each task writes its own slot of part (sums, then second sums;
    # C values per NCHW sample, W per channels-last task), and the slots are added in task
    # order.
    cdef Py_ssize_t t, c, k, j, C = s.C, W = s.W, R = s.R
    if s.B > 1:
        for t in prange(s.A * C, schedule='static', num_threads=nt):
            _plane_sums(x + t * s.B, g + t * s.B if g != NULL else NULL, s.B, shift[t % C],
                        part + 2 * C * (t // C) + t % C, part + 2 * C * (t // C) + C + t % C)
    else:
        for t in prange(s.T, schedule='static', num_threads=nt):
            _lane_sums(x + t * R * C, g + t * R * C if g != NULL else NULL,
                       (min(t * R + R, s.A) - t * R) * C, W, shift, part + 2 * W * t,
                       part + 2 * W * t + W)
    for c in range(2 * C):
        tot[c] = 0
    for k in range(s.A if s.B > 1 else s.T):
        for j in range(W):
            tot[j % C] += part[2 * W * k + j]
            tot[C + j % C] += part[2 * W * k + W + j]


cdef inline void _map_rows(const floating *x, const floating *g, floating *y, Py_ssize_t L,
                           Py_ssize_t W, const floating *k, int st) noexcept nogil:
    if floating is float:
        bdb_affine_rows_f32(x, g, y, L, W, k, st)
    else:
        bdb_affine_rows_f64(x, g, y, L, W, k, st)


cdef inline void _map_plane(const floating *x, const floating *g, floating *y, Py_ssize_t n,
                            const floating *k, Py_ssize_t W, int st) noexcept nogil:
    # k: the channel's constants, W apart
    if floating is float:
        bdb_affine_plane_f32(x, g, y, n, k[0], k[W], k[2 * W], k[3 * W], st)
    else:
        bdb_affine_plane_f64(x, g, y, n, k[0], k[W], k[2 * W], k[3 * W], st)


cdef inline void _affine_task(const floating *x, const floating *g, floating *y, Shape *s,
                              const floating *k, Py_ssize_t u, int st) noexcept nogil:
    # task u: NCHW plane u, or channels-last rows [u R, (u + 1) R)
    cdef Py_ssize_t o = u * s.B if s.B > 1 else u * s.R * s.C
    if s.B > 1:
        _map_plane(x + o, g + o if g != NULL else NULL, y + o, s.B, k + u % s.C, s.W, st)
    else:
        _map_rows(x + o, g + o if g != NULL else NULL, y + o, min(s.R * s.C, s.A * s.C - o),
                  s.W, k, st)


cdef inline void _affine(const floating *x, const floating *g, floating *y, Shape *s,
                         const floating *k, int nt, int st) noexcept nogil:
    # k = (mean, k1, k2, k3), W values each: g NULL: y = (x - mean) k2 + k3; else
    # y = k1 g + (x - mean) k2 + k3.  The tasks run last to first: the data the reduction
    # pass read last is the likeliest still in cache.  st: streaming stores (AVX2 path;
    # large outputs, which then leave the inputs in cache, too).
    cdef Py_ssize_t t, ntask = s.A * s.C if s.B > 1 else s.T
    for t in prange(ntask, schedule='static', num_threads=nt):
        _affine_task(x, g, y, s, k, ntask - 1 - t, st)


cdef inline void _tile(floating *k, Shape *s) noexcept nogil:
    # the four per-channel vectors of k (C values at the start of each W-slot) repeated
    # over the lanes
    cdef Py_ssize_t q, j
    for q in range(4):
        for j in range(s.C, s.W):
            k[q * s.W + j] = k[q * s.W + j - s.C]
