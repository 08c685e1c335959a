"""Fused Gaussian noise kernels (float32/float64, OpenMP).

Philox mode: the noise of element i is element i of the normal stream (key, offset)
(``bigdl_normal_chunk_*``: e = z * std + mean in T), so it never depends on the thread
count and GaussianDropout's backward regenerates exactly the forward's noise from the
two integers (key, offset): O(1) state.

``mul`` = 1: out = x * e (GaussianDropout, mean 1); ``mul`` = 0: out = x + e
(GaussianNoise, mean 0).  ``out`` may be ``x``.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport uint64_t, int64_t
from philox cimport bigdl_normal_chunk_f32, bigdl_normal_chunk_f64
from threads cimport team

DEF CH = 8192          # elements per work unit
DEF TILE = 256         # normals generated at a time into thread-private scratch
# Elements below which a kernel runs on one thread (threads.pxd's team()).  Measured
# (gauss, float32, best of 150 interleaved runs, 2 cores of a shared machine, with the
# threshold lowered): 2 vs 1 threads 2**13 14.8 vs 13.9 us, 2**14 14.7 vs 25.6 us.
DEF PAR_MIN = 1 << 14

include "simd_switch.pxi"



cdef inline void _tile(const floating *x, floating *out, int64_t i0, int64_t cnt,
                       floating mean, floating std, int mul, uint64_t offset,
                       uint64_t key) noexcept nogil:
    cdef floating e[TILE]
    cdef int64_t j
    if floating is float:
        bigdl_normal_chunk_f32(e, i0, cnt, offset, key, mean, std)
    else:
        bigdl_normal_chunk_f64(e, i0, cnt, offset, key, mean, std)
    if mul:
        for j in range(cnt):
            out[i0 + j] = x[i0 + j] * e[j]
    else:
        for j in range(cnt):
            out[i0 + j] = x[i0 + j] + e[j]


cdef void _gauss_work(const floating *x, floating *out, int64_t n, floating mean,
                      floating std, int mul, uint64_t offset, uint64_t key,
                      int nt) noexcept nogil:
    cdef int64_t u, i, end, nu = (n + CH - 1) // CH
    for u in prange(nu, schedule='static', num_threads=nt):
        end = min(n, (u + 1) * CH)
        i = u * CH
        while i < end:
            _tile(x, out, i, min(<int64_t>TILE, end - i), mean, std, mul, offset, key)
            i = i + TILE


def gauss(const floating[::1] x, floating[::1] out, double mean, double std, bint mul,
          uint64_t key, uint64_t offset, int n_threads):
    """out = x * e (mul) or x + e, e ~ N(mean, std**2) from the Philox stream (key, offset)."""
    cdef int64_t n = x.shape[0]
    if out.shape[0] != n:
        raise ValueError(f"noise.gauss: expected out of length {n}, got {out.shape[0]}")
    if not std >= 0.0:
        raise ValueError(f"noise.gauss: expected std >= 0, got {std}")
    if n == 0:
        return
    with nogil:
        _gauss_work(&x[0], &out[0], n, <floating>mean, <floating>std, mul, offset, key,
                    team(n, PAR_MIN, n_threads))


def gauss_mt(const floating[::1] x, floating[::1] out, const double[::1] z, double mean,
             double std, bint mul):
    """BigDL's noise from standard normals z (MT19937 order): e = (T)(z * std + mean) in
    double, then out = x * e (mul) or x + e in T.  Serial (BigDL's order), exact."""
    cdef int64_t i, n = x.shape[0]
    cdef floating e
    if out.shape[0] != n or z.shape[0] != n:
        raise ValueError(f"noise.gauss_mt: expected out and z of length {n}, got "
                         f"{out.shape[0]} and {z.shape[0]}")
    with nogil:
        for i in range(n):
            e = <floating>(z[i] * std + mean)
            if mul:
                out[i] = x[i] * e
            else:
                out[i] = x[i] + e
