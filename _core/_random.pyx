"""Random fills: stateless Philox4x32-10 (parallel, thread-count independent) and the
conversions of MT19937 raw draws that reproduce BigDL's generator (serial)."""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport uint32_t, uint64_t, int64_t
from libc.math cimport sqrt, log, cos, sin, M_PI
from philox cimport *

# Below this many elements a fill runs on one thread (results do not depend on it).
DEF PAR_MIN = 1 << 15


cdef inline int _threads(int64_t n, int n_threads) noexcept nogil:
    return 1 if n < PAR_MIN else n_threads


def philox4x32_10(counter, key):
    """The raw block function: 4 uint32 counter words and 2 key words -> 4 uint32."""
    c = [int(v) for v in counter]
    k = [int(v) for v in key]
    if len(c) != 4 or len(k) != 2 or any(not 0 <= v < 2 ** 32 for v in c + k):
        raise ValueError(f"philox4x32_10: expected 4 counter and 2 key words in [0, 2**32), "
                         f"got counter={tuple(counter)!r}, key={tuple(key)!r}")
    cdef bigdl_u32x4 r = bigdl_philox4x32_10(c[0], c[1], c[2], c[3], k[0], k[1])
    return (r.v[0], r.v[1], r.v[2], r.v[3])


def uniform(floating[::1] out, double lo, double hi, uint64_t key, uint64_t offset,
            int n_threads):
    """Fill ``out`` with U[lo, hi) from the Philox stream (key, offset)."""
    cdef int64_t n = out.shape[0], blk, nblk
    cdef int nt = _threads(n, n_threads)
    if n == 0:
        return
    if floating is float:
        nblk = (n + 3) // 4
        with nogil:
            for blk in prange(nblk, schedule='static', num_threads=nt):
                bigdl_uniform_block_f32(&out[0], n, blk, offset, key, <float>lo, <float>(hi - lo))
    else:
        nblk = (n + 1) // 2
        with nogil:
            for blk in prange(nblk, schedule='static', num_threads=nt):
                bigdl_uniform_block_f64(&out[0], n, blk, offset, key, lo, hi - lo)


def normal(floating[::1] out, double mean, double std, uint64_t key, uint64_t offset,
           int n_threads):
    """Fill ``out`` with N(mean, std**2) (Box-Muller on (0, 1] uniforms: no log(0))."""
    cdef int64_t n = out.shape[0], blk, nblk
    cdef int nt = _threads(n, n_threads)
    if n == 0:
        return
    if floating is float:
        nblk = (n + 3) // 4
        with nogil:
            for blk in prange(nblk, schedule='static', num_threads=nt):
                bigdl_normal_block_f32(&out[0], n, blk, offset, key, <float>mean, <float>std)
    else:
        nblk = (n + 1) // 2
        with nogil:
            for blk in prange(nblk, schedule='static', num_threads=nt):
                bigdl_normal_block_f64(&out[0], n, blk, offset, key, mean, std)


def bernoulli(floating[::1] out, double p, uint64_t key, uint64_t offset, int n_threads):
    """Fill ``out`` with 1 (probability p) or 0."""
    cdef int64_t n = out.shape[0], blk, nblk = (out.shape[0] + 3) // 4
    cdef int nt = _threads(n, n_threads)
    cdef uint64_t thr = bigdl_threshold(p)
    if n == 0:
        return
    with nogil:
        for blk in prange(nblk, schedule='static', num_threads=nt):
            if floating is float:
                bigdl_bernoulli_block_f32(&out[0], n, blk, offset, key, thr)
            else:
                bigdl_bernoulli_block_f64(&out[0], n, blk, offset, key, thr)


# ---- BigDL's MT19937 conventions, applied to raw 32-bit draws (serial, exact) ----

def mt_uniform(floating[::1] out, const uint64_t[::1] raw, double lo, double hi):
    """out[i] = (T)((raw[i] * 2**-32) * (hi - lo) + lo), all in double as BigDL does."""
    cdef Py_ssize_t i, n = out.shape[0]
    if raw.shape[0] != n:
        raise ValueError(f"mt_uniform: expected {n} raw draws, got {raw.shape[0]}")
    with nogil:
        for i in range(n):
            out[i] = <floating>((<double>raw[i] * (1.0 / 4294967296.0)) * (hi - lo) + lo)


def mt_bernoulli(floating[::1] out, const uint64_t[::1] raw, double p):
    """out[i] = 1 when raw[i] * 2**-32 <= p (BigDL's ``<=``), else 0."""
    cdef Py_ssize_t i, n = out.shape[0]
    if raw.shape[0] != n:
        raise ValueError(f"mt_bernoulli: expected {n} raw draws, got {raw.shape[0]}")
    with nogil:
        for i in range(n):
            out[i] = 1 if <double>raw[i] * (1.0 / 4294967296.0) <= p else 0


def mt_box_muller(double[::1] out, const uint64_t[::1] raw):
    """Standard normals in BigDL's order from raw pairs (X, Y):
    rho = sqrt(-2 ln(1 - Y)); out = rho cos(2 pi X), rho sin(2 pi X)."""
    cdef Py_ssize_t i, n = raw.shape[0] // 2
    cdef double x, y, rho
    if raw.shape[0] % 2 or out.shape[0] != raw.shape[0]:
        raise ValueError(f"mt_box_muller: expected an even number of raw draws and an output "
                         f"of the same length, got {raw.shape[0]} and {out.shape[0]}")
    with nogil:
        for i in range(n):
            x = <double>raw[2 * i] * (1.0 / 4294967296.0)
            y = <double>raw[2 * i + 1] * (1.0 / 4294967296.0)
            rho = sqrt(-2.0 * log(1.0 - y))
            out[2 * i] = rho * cos(2.0 * M_PI * x)
            out[2 * i + 1] = rho * sin(2.0 * M_PI * x)


def mt_affine(floating[::1] out, const double[::1] z, double mean, double std):
    """out[i] = (T)(z[i] * std + mean) in double, as BigDL's ``normal(mean, std)``."""
    cdef Py_ssize_t i, n = out.shape[0]
    if z.shape[0] != n:
        raise ValueError(f"mt_affine: expected {n} normals, got {z.shape[0]}")
    with nogil:
        for i in range(n):
            out[i] = <floating>(z[i] * std + mean)


def normal_chunked(floating[::1] out, Py_ssize_t chunk, double mean, double std,
                   uint64_t key, uint64_t offset):
    """Test helper: ``normal`` generated in chunks of ``chunk`` elements (must equal it)."""
    cdef int64_t s, n = out.shape[0]
    if chunk < 1:
        raise ValueError(f"normal_chunked: expected chunk >= 1, got {chunk}")
    with nogil:
        s = 0
        while s < n:
            if floating is float:
                bigdl_normal_chunk_f32(&out[s], s, min(chunk, n - s), offset, key, mean, std)
            else:
                bigdl_normal_chunk_f64(&out[s], s, min(chunk, n - s), offset, key, mean, std)
            s += chunk
