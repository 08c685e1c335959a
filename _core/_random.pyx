"""Random fills: stateless Philox4x32-10 (parallel, thread-count independent) and the
conversions of MT19937 raw draws that reproduce BigDL's generator (serial)."""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport uint32_t, uint64_t, int64_t
from libc.math cimport sqrt, log, cos, sin, M_PI
from philox cimport *
from threads cimport team

cdef enum:
    # Elements below which a fill runs on one thread (threads.pxd's team()).  Measured
    # (float32, best of 150 interleaved runs, 2 cores of a shared machine, with the
    # threshold lowered), 2 vs 1 threads: uniform 2**13 (one CHUNK) 6.2 vs 5.1 us, 2**14
    # 6.1 vs 8.8 us; normal 2**14 12.9 vs 24.3 us.
    PAR_MIN = 1 << 14
    CHUNK = 1 << 13     # elements per parallel work item: whole 32-block batches


include "simd_switch.pxi"

cdef dict _KIND = {"uniform": 0, "normal": 1, "bernoulli": 2}   # a fill's kind -> kernels'
KINDS = tuple(_KIND)


cdef int _kind(str name, kind) except -1:
    k = _KIND.get(kind)
    if k is None:
        raise ValueError(f"{name}: expected a kind in {KINDS}, got {kind!r}")
    return k


def philox4x32_10(counter, key):
    """The raw block function: 4 uint32 counter words and 2 key words -> 4 uint32."""
    c = [int(v) for v in counter]
    k = [int(v) for v in key]
    if len(c) != 4 or len(k) != 2 or any(not 0 <= v < 2 ** 32 for v in c + k):
        raise ValueError(f"philox4x32_10: expected 4 counter and 2 key words in [0, 2**32), "
                         f"got counter={tuple(counter)!r}, key={tuple(key)!r}")
    cdef bigdl_u32x4 r = bigdl_philox4x32_10(c[0], c[1], c[2], c[3], k[0], k[1])
    return (r.v[0], r.v[1], r.v[2], r.v[3])


def _words(uint32_t[::1] out, int64_t start, uint64_t key, uint64_t offset):
    """Raw words: out[j] = word (start + j) % 4 of block (start + j) // 4 (serial)."""
    cdef int64_t n = out.shape[0]
    if start < 0 or start > 0x7FFFFFFFFFFFFFFF - n:
        raise ValueError(f"words: expected 0 <= start <= 2**63 - 1 - len(out), got {start}")
    if n:
        with nogil:
            bigdl_words_chunk(&out[0], start, n, offset, key)


cdef void _fill(int kind, floating *out, int64_t start, int64_t count, uint64_t key,
                uint64_t offset, double a, double b, uint64_t thr) noexcept nogil:
    """Elements [start, start + count) of fill ``kind`` (0 uniform on [a, a + b),
    1 normal (mean a, std b), 2 Bernoulli with threshold thr) into out[0:count]."""
    if floating is float:
        bigdl_fill_chunk_f32(kind, out, start, count, offset, key, <float>a, <float>b, thr)
    else:
        bigdl_fill_chunk_f64(kind, out, start, count, offset, key, a, b, thr)


cdef void _par_fill(int kind, floating[::1] out, uint64_t key, uint64_t offset, double a,
                    double b, uint64_t thr, int n_threads) noexcept nogil:
    cdef int64_t n = out.shape[0], c, s, nch = (out.shape[0] + CHUNK - 1) // CHUNK
    for c in prange(nch, schedule='static', num_threads=team(n, PAR_MIN, n_threads)):
        s = c * CHUNK
        _fill(kind, &out[s], s, min(<int64_t>CHUNK, n - s), key, offset, a, b, thr)


def fill(kind, floating[::1] out, double a, double b, uint64_t key, uint64_t offset,
         int n_threads):
    """Fill ``out`` from the Philox stream (key, offset): ``kind`` "uniform" U[a, b),
    "normal" N(a, b**2) (Box-Muller with u in (0, 1]: no log(0)), "bernoulli" 1 with
    probability a, else 0 (b unused)."""
    cdef int k = _kind("fill", kind)
    if out.shape[0]:
        with nogil:
            _par_fill(k, out, key, offset, a, b - a if k == 0 else b,
                      bigdl_threshold(a) if k == 2 else 0, n_threads)


def _fill_chunked(kind, floating[::1] out, Py_ssize_t chunk, double a, double b, uint64_t key,
                 uint64_t offset):
    """Test helper: ``uniform``/``normal``/``bernoulli`` (a = lo/mean/p, b = hi/std) made
    serially in chunks of ``chunk`` elements; must equal the one-call fill."""
    cdef int64_t s = 0, n = out.shape[0]
    cdef int k = _kind("fill_chunked", kind)
    cdef uint64_t thr = bigdl_threshold(a)
    if chunk < 1:
        raise ValueError(f"fill_chunked: expected chunk >= 1, got {chunk}")
    if k == 0:
        b -= a
    with nogil:
        while s < n:
            _fill(k, &out[s], s, min(<int64_t>chunk, n - s), key, offset, a, b, thr)
            s += chunk


# ---- BigDL's MT19937 conventions, applied to raw 32-bit draws (serial, exact) ----

def mt_fill(kind, floating[::1] out, src, double a, double b):
    """BigDL's conversions of MT19937 draws ``src``, in double and then cast to the output's
    type: "uniform" out[i] = u * (b - a) + a and "bernoulli" out[i] = 1 when u <= a (BigDL's
    ``<=``), else 0, with u = raw[i] * 2**-32 (``src`` the uint64 raw draws); "normal"
    out[i] = z[i] * b + a (``src`` float64 normals in BigDL's order)."""
    cdef int k = _kind("mt_fill", kind)
    cdef Py_ssize_t i, n = out.shape[0], got = -1
    cdef const uint64_t[::1] raw
    cdef const double[::1] z
    try:
        if k == 1:
            z = src
            got = z.shape[0]
        else:
            raw = src
            got = raw.shape[0]
    except (TypeError, ValueError):   # not a 1-d contiguous array of that type
        pass
    if got != n:
        raise ValueError(f"mt_fill: expected {out.shape[0]} "
                         f"{'float64 normals' if k == 1 else 'uint64 raw draws'} for {kind}, "
                         f"got {getattr(src, 'shape', None)} {getattr(src, 'dtype', type(src))}")
    with nogil:
        if k == 1:
            for i in range(n):
                out[i] = <floating>(z[i] * b + a)
        elif k == 0:
            for i in range(n):
                out[i] = <floating>((<double>raw[i] * (1.0 / 4294967296.0)) * (b - a) + a)
        else:
            for i in range(n):
                out[i] = 1 if <double>raw[i] * (1.0 / 4294967296.0) <= a else 0


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


# ---- test helpers: the per-block functions and the Box-Muller pair on given words ----

def _fill_blocks(kind, floating[::1] out, double a, double b, uint64_t key, uint64_t offset):
    """Test helper: the fill made serially with the one-block functions of bigdl_philox.h
    (a = lo/mean/p, b = hi/std); must equal the chunked fills."""
    cdef int k = _kind("fill_blocks", kind)
    cdef int64_t blk, n = out.shape[0], per = 4 if floating is float or k == 2 else 2
    cdef uint64_t thr = bigdl_threshold(a)
    if k == 0:
        b -= a
    with nogil:
        for blk in range((n + per - 1) // per):
            if floating is float:
                bigdl_fill_block_f32(k, &out[0], n, blk, offset, key, <float>a, <float>b, thr)
            else:
                bigdl_fill_block_f64(k, &out[0], n, blk, offset, key, a, b, thr)


def _gauss_pairs(const uint32_t[::1] w, floating[::1] out):
    """Test helper: standard normal pairs from raw words, as the normal fill makes them:
    float32 pair k from w[2k], w[2k+1]; float64 pair k from w[4k:4k+4]."""
    cdef Py_ssize_t k, per = 1 if floating is float else 2
    if w.shape[0] != per * out.shape[0] or out.shape[0] % 2:
        raise ValueError(f"gauss_pairs: expected an even-length output and {per} words per "
                         f"element, got {out.shape[0]} and {w.shape[0]}")
    with nogil:
        for k in range(out.shape[0] // 2):
            if floating is float:
                bigdl_gauss_pair_f32(w[2 * k], w[2 * k + 1], &out[2 * k], &out[2 * k + 1])
            else:
                bigdl_gauss_pair_f64(w[4 * k], w[4 * k + 1], w[4 * k + 2], w[4 * k + 3],
                                     &out[2 * k], &out[2 * k + 1])
