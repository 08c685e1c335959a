"""Fused dropout kernels (float32/float64, OpenMP).

Philox mode: element (or mask entry) i is kept when word i%4 of Philox block i/4 of the
stream (key, offset) is below ``bigdl_threshold(q)`` (q = keep probability), so the
result never depends on the thread count.  Keep decisions are packed 64 to a uint64
(bit i%64 of word i/64): that is all a layer keeps for backward (1 bit per element).
A dropped element is written as +0.0 whatever its value (select, not multiply).

Modes for the kept value: 0 ``x``, 1 ``x / (T)factor``, 2 ``x * (T)factor``.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport uint32_t, uint64_t, int64_t, uintptr_t
from libc.math cimport frexp, isfinite
from libc.string cimport memset
from philox cimport bigdl_threshold
from threads cimport team

cdef extern from "bigdl_dropout.h" nogil:
    ctypedef struct bdr_geom:
        int64_t rows, len, inner_shared
        int ng
        int64_t dims[64]
        int64_t mstr[64]
    int64_t bdr_units(const bdr_geom *g, int64_t ch)
    void bdr_fwd_unit_f32(const float *x, float *out, uint64_t *bits, int64_t n, int64_t u,
                          int64_t ch, uint32_t tmax, float s, int mode, uint64_t offset,
                          uint64_t key, int simd)
    void bdr_fwd_unit_f64(const double *x, double *out, uint64_t *bits, int64_t n, int64_t u,
                          int64_t ch, uint32_t tmax, double s, int mode, uint64_t offset,
                          uint64_t key, int simd)
    void bdr_apply_unit_f32(const float *x, float *out, const uint64_t *bits,
                            const bdr_geom *g, int64_t u, int64_t ch, float s, int mode,
                            int simd)
    void bdr_apply_unit_f64(const double *x, double *out, const uint64_t *bits,
                            const bdr_geom *g, int64_t u, int64_t ch, double s, int mode,
                            int simd)

DEF CH = 8192          # elements per work unit (a multiple of 64)
# Elements below which a kernel runs on one thread (threads.pxd's team()).  Measured
# (forward, float32, best of 150 interleaved runs, 2 cores of a shared machine, with the
# threshold lowered): 2 vs 1 threads 2**13 7.7 vs 5.3 us, 2**14 8.0 vs 10.6 us, 2**16
# 20.4 vs 31.9 us: two threads pay from 2**14.
DEF PAR_MIN = 1 << 14
DEF MAXG = 64

include "simd_switch.pxi"
include "stream_threshold.pxi"


cdef inline int _level(const void *out, int64_t nbytes) noexcept nogil:
    """0 portable, 1 AVX2, 2 AVX2 with streaming stores (large and 16-byte aligned)."""
    if not bigdl_simd_avx2():
        return 0
    return 2 if nbytes >= _stream_min and (<uintptr_t>out & 15) == 0 else 1



cdef inline int _fast_mode(int mode, floating *s) noexcept nogil:
    """x / s equals x * (1/s) bit for bit when s is a power of two with a finite
    reciprocal (both are the exact x * 2**-k, rounded once): use the multiply."""
    cdef int e
    cdef floating r
    if mode != 1 or s[0] <= 0:
        return mode
    r = 1 / s[0]
    if frexp(s[0], &e) == 0.5 and isfinite(r) and r * s[0] == 1:
        s[0] = r
        return 2
    return mode


cdef int _check_mode(int mode, str name) except -1:
    if mode < 0 or mode > 2:
        raise ValueError(f"{name}: expected mode 0, 1 or 2, got {mode}")
    return 0


cdef int _check_q(double q, str name) except -1:
    if not (0.0 < q <= 1.0):
        raise ValueError(f"{name}: expected a keep probability q in (0, 1], got {q}")
    return 0


# ---- fused Philox mask + apply ----------------------------------------------------------

cdef void _fwd_work(const floating *x, floating *out, uint64_t *bits, int64_t n,
                    uint32_t tmax, floating s, int mode, uint64_t offset, uint64_t key,
                    int nt, int simd) noexcept nogil:
    cdef int64_t u, nu = (n + CH - 1) // CH
    mode = _fast_mode(mode, &s)
    for u in prange(nu, schedule='static', num_threads=nt):
        if floating is float:
            bdr_fwd_unit_f32(x, out, bits, n, u, CH, tmax, s, mode, offset, key, simd)
        else:
            bdr_fwd_unit_f64(x, out, bits, n, u, CH, tmax, s, mode, offset, key, simd)


def forward(const floating[::1] x, floating[::1] out, uint64_t[::1] bits, double q, int mode,
            double factor, uint64_t key, uint64_t offset, int n_threads):
    """One pass: keep element i with probability q (Philox word i), write the kept value
    (by ``mode``, scaled by (T)factor) or +0.0 to ``out`` and the keep bit to ``bits``.
    ``out`` may be ``x`` (in place)."""
    cdef int64_t n = x.shape[0]
    cdef uint64_t thr = bigdl_threshold(q)
    if out.shape[0] != n or bits.shape[0] != (n + 63) // 64:
        raise ValueError(f"dropout.forward: expected out of length {n} and {(n + 63) // 64} "
                         f"mask words, got {out.shape[0]} and {bits.shape[0]}")
    _check_q(q, "dropout.forward")
    _check_mode(mode, "dropout.forward")
    if n == 0:
        return
    if thr == 0:  # q below 2**-32: nothing is kept
        with nogil:
            memset(&out[0], 0, n * sizeof(floating))
            memset(&bits[0], 0, bits.shape[0] * sizeof(uint64_t))
        return
    with nogil:
        _fwd_work(&x[0], &out[0], &bits[0], n, <uint32_t>(thr - 1), <floating>factor, mode,
                  offset, key, team(n, PAR_MIN, n_threads),
                  _level(&out[0], n * sizeof(floating)))


def mask_bits(uint64_t[::1] bits, int64_t m, double q, uint64_t key, uint64_t offset,
              int n_threads):
    """Keep bits only, for m mask entries (one Philox word each)."""
    cdef uint64_t thr = bigdl_threshold(q)
    if m < 0 or bits.shape[0] != (m + 63) // 64:
        raise ValueError(f"dropout.mask_bits: expected {(m + 63) // 64} mask words for "
                         f"m={m}, got {bits.shape[0]}")
    _check_q(q, "dropout.mask_bits")
    if m == 0:
        return
    if thr == 0:
        with nogil:
            memset(&bits[0], 0, bits.shape[0] * sizeof(uint64_t))
        return
    with nogil:
        _fwd_work[float](NULL, NULL, &bits[0], m, <uint32_t>(thr - 1), 1.0, 0, offset, key,
                         team(m, PAR_MIN, n_threads), bigdl_simd_avx2())


def mt_bits(uint64_t[::1] bits, const uint64_t[::1] raw, double q):
    """BigDL's Bernoulli on MT19937 raw draws: keep i when raw[i] * 2**-32 <= q."""
    cdef int64_t i, m = raw.shape[0]
    if bits.shape[0] != (m + 63) // 64:
        raise ValueError(f"dropout.mt_bits: expected {(m + 63) // 64} mask words for "
                         f"{m} draws, got {bits.shape[0]}")
    with nogil:
        if bits.shape[0]:
            memset(&bits[0], 0, bits.shape[0] * sizeof(uint64_t))
        for i in range(m):
            if <double>raw[i] * (1.0 / 4294967296.0) <= q:
                bits[i >> 6] |= (<uint64_t>1) << (i & 63)


# ---- broadcast apply of packed keep bits --------------------------------------------------

cdef void _apply_work(const floating *x, floating *out, const uint64_t *bits,
                      const bdr_geom *g, floating s, int mode, int nt,
                      int simd) noexcept nogil:
    cdef int64_t u, nu = bdr_units(g, CH)
    mode = _fast_mode(mode, &s)
    for u in prange(nu, schedule='static', num_threads=nt):
        if floating is float:
            bdr_apply_unit_f32(x, out, bits, g, u, CH, s, mode, simd)
        else:
            bdr_apply_unit_f64(x, out, bits, g, u, CH, s, mode, simd)


def apply(const floating[::1] x, floating[::1] out, const uint64_t[::1] bits, groups,
          double factor, int mode, int n_threads):
    """out = keep ? op(x) : +0.0 with the mask broadcast over shared axes.

    ``groups``: the array's axes collapsed into ``(size, shared)`` pairs (adjacent axes
    with the same flag merged, size-1 axes dropped); the mask has one entry per index of
    the non-shared groups, in row-major order.  ``out`` may be ``x``.
    """
    cdef bdr_geom g
    cdef int64_t n = x.shape[0], total = 1, m = 1, stride = 1, size
    cdef int k, ng = len(groups)
    if out.shape[0] != n:
        raise ValueError(f"dropout.apply: expected out of length {n}, got {out.shape[0]}")
    if ng > MAXG:
        raise ValueError(f"dropout.apply: expected at most {MAXG} groups, got {ng}")
    _check_mode(mode, "dropout.apply")
    if n == 0:
        return
    for size, shared in groups:
        if size < 1:
            raise ValueError(f"dropout.apply: expected group sizes >= 1, got {groups!r}")
        total *= size
        if not shared:
            m *= size
    if total != n:
        raise ValueError(f"dropout.apply: expected groups covering {n} elements, got "
                         f"{groups!r}")
    if bits.shape[0] != (m + 63) // 64:
        raise ValueError(f"dropout.apply: expected {(m + 63) // 64} mask words for {m} "
                         f"mask entries, got {bits.shape[0]}")
    if ng == 0:
        raise ValueError("dropout.apply: expected at least one group for a non-empty array")
    g.ng = ng - 1
    size, shared = groups[ng - 1]
    g.len = size
    g.inner_shared = 1 if shared else 0
    if not shared:
        stride = g.len
    g.rows = n // g.len
    for k in range(ng - 2, -1, -1):
        size, shared = groups[k]
        g.dims[k] = size
        g.mstr[k] = 0 if shared else stride
        if not shared:
            stride *= size
    with nogil:
        _apply_work(&x[0], &out[0], &bits[0], &g, <floating>factor, mode,
                    team(n, PAR_MIN, n_threads), _level(&out[0], n * sizeof(floating)))


# ---- evaluation-mode scaling ---------------------------------------------------------------

def scale(const floating[::1] x, floating[::1] out, double factor, int n_threads):
    """out = x * (T)factor (the evaluation forward of the non-rescaling layers)."""
    cdef int64_t i, n = x.shape[0]
    cdef floating s = <floating>factor
    if out.shape[0] != n:
        raise ValueError(f"dropout.scale: expected out of length {n}, got {out.shape[0]}")
    if n == 0:
        return
    with nogil:
        for i in prange(n, schedule='static', num_threads=team(n, PAR_MIN, n_threads)):
            out[i] = x[i] * s
