# Pool geometry and the max-pooling inline kernels of _pooling.pyx: one (sample, channel)
# plane (NCHW) or one output row of a sample (NHWC) per call, so a prange over the calls
# writes disjoint memory.  The running maximum m takes v where v > m, or where v is NaN and
# m is not (NaN propagates; the first NaN stays), so the first maximum in row-major window
# order wins.  NCHW rows take four outputs at a time in vector registers (bigdl_pool.h),
# the rest as selects.
from cython cimport floating
from libc.string cimport memset
from libc.stdint cimport int32_t

cdef extern from "bigdl_pool.h" nogil:
    Py_ssize_t bdp_max_row_f32(const float *x, Py_ssize_t W, float *y, int32_t *idx,
                               Py_ssize_t h0, Py_ssize_t h1, Py_ssize_t c0, Py_ssize_t kw,
                               Py_ssize_t sw, Py_ssize_t j0, Py_ssize_t j1)
    Py_ssize_t bdp_max_channels_f32(const float *x, Py_ssize_t W, Py_ssize_t C, Py_ssize_t h0,
                                    Py_ssize_t h1, Py_ssize_t w0, Py_ssize_t w1, float *y,
                                    int32_t *idx)
    Py_ssize_t bdp_max_row_f64(const double *x, Py_ssize_t W, double *y, int32_t *idx,
                               Py_ssize_t h0, Py_ssize_t h1, Py_ssize_t c0, Py_ssize_t kw,
                               Py_ssize_t sw, Py_ssize_t j0, Py_ssize_t j1)


cdef struct Pool:
    Py_ssize_t N, C, H, W, OH, OW, KH, KW, SH, SW, PT, PL, PB, PR


cdef inline void _window(Pool *p, Py_ssize_t i, Py_ssize_t j, Py_ssize_t *h0, Py_ssize_t *h1,
                         Py_ssize_t *w0, Py_ssize_t *w1, Py_ssize_t *padded) noexcept nogil:
    # window of output (i, j) clipped to the input, and its size clipped to the padded input
    cdef Py_ssize_t hs = i * p.SH - p.PT, ws = j * p.SW - p.PL
    cdef Py_ssize_t he = min(hs + p.KH, p.H + p.PB), we = min(ws + p.KW, p.W + p.PR)
    padded[0] = (he - hs) * (we - ws)
    h0[0], h1[0] = max(hs, 0), min(he, p.H)
    w0[0], w1[0] = max(ws, 0), min(we, p.W)


# ---- max ----------------------------------------------------------------------------------
cdef inline void _max_cols(const floating *x, floating *yr, int32_t *ir, Py_ssize_t base,
                           Py_ssize_t j0, Py_ssize_t j1, Py_ssize_t sw) noexcept nogil:
    # outputs j0 <= j < j1 of one row against the input element base + j*sw of each
    cdef Py_ssize_t j
    cdef floating v, m
    cdef bint take
    for j in range(j0, j1):
        v, m = x[base + j * sw], yr[j]
        take = (v > m) | ((v != v) & (m == m))
        yr[j] = v if take else m
        ir[j] = <int32_t>(base + j * sw) if take else ir[j]


cdef inline void _max_sweep(const floating *x, floating *yr, int32_t *ir, Pool *p,
                            Py_ssize_t h0, Py_ssize_t h1, Py_ssize_t j0,
                            Py_ssize_t j1) noexcept nogil:
    # outputs j0 <= j < j1 of a row whose windows lie inside the input columns, rows h0..h1:
    # four at a time in registers (bigdl_pool.h), the rest seeded with each window's first
    # element, then one sweep along the row per window position, in row-major order (the
    # seed again changes nothing)
    cdef Py_ssize_t h, b, j, sw = p.SW, base
    cdef int32_t pos
    if floating is float:
        j0 += bdp_max_row_f32(x, p.W, yr, ir, h0, h1, -p.PL, p.KW, sw, j0, j1)
    else:
        j0 += bdp_max_row_f64(x, p.W, yr, ir, h0, h1, -p.PL, p.KW, sw, j0, j1)
    for j in range(j0, j1):
        pos = <int32_t>(h0 * p.W - p.PL + j * sw)
        yr[j], ir[j] = x[pos], pos
    for h in range(h0, h1):
        for b in range(p.KW):
            base = h * p.W - p.PL + b
            if sw == 2:  # the usual stride, as a constant the compiler can use
                _max_cols(x, yr, ir, base, j0, j1, 2)
            else:
                _max_cols(x, yr, ir, base, j0, j1, sw)


cdef inline void _max_plane(const floating *x, floating *y, int32_t *idx,
                            Pool *p) noexcept nogil:
    # one channel: x (H, W) -> y, idx (OH, OW).  The columns whose windows lie inside the
    # input, [ja, jb), go by sweeps; the few edge columns one by one.
    cdef Py_ssize_t i, j, h0, h1, w0, w1, pad
    cdef Py_ssize_t span = p.W + p.PL - p.KW   # last window start inside: j*SW <= span
    cdef Py_ssize_t ja = min((p.PL + p.SW - 1) // p.SW, p.OW)
    cdef Py_ssize_t jb = max(min(span // p.SW + 1, p.OW), ja) if span >= 0 else ja
    for i in range(p.OH):
        _window(p, i, 0, &h0, &h1, &w0, &w1, &pad)
        _max_sweep(x, y + i * p.OW, idx + i * p.OW, p, h0, h1, ja, jb)
        for j in range(ja):
            _max_edge(x, y + i * p.OW + j, idx + i * p.OW + j, p, i, j)
        for j in range(jb, p.OW):
            _max_edge(x, y + i * p.OW + j, idx + i * p.OW + j, p, i, j)


cdef inline void _max_edge(const floating *x, floating *y, int32_t *idx, Pool *p,
                           Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    # output (i, j) alone, its window clipped to the input
    cdef Py_ssize_t h, w, h0, h1, w0, w1, pad
    cdef floating v, m
    cdef int32_t pos, best
    _window(p, i, j, &h0, &h1, &w0, &w1, &pad)
    best = <int32_t>(h0 * p.W + w0)
    m = x[best]
    for h in range(h0, h1):
        for w in range(w0, w1):
            pos = <int32_t>(h * p.W + w)
            v = x[pos]
            if (v > m) | ((v != v) & (m == m)):
                m, best = v, pos
    y[0], idx[0] = m, best


cdef inline void _max_step(const floating *src, floating *ym, int32_t *im, int32_t pos,
                           Py_ssize_t C) noexcept nogil:
    # one window position, all channels: take v where it beats the running maximum m (a
    # NaN beats a number; the first NaN stays).  Selects, not branches: the loop vectorises.
    cdef Py_ssize_t c
    cdef floating v, m
    cdef bint take
    for c in range(C):
        v, m = src[c], ym[c]
        take = (v > m) | ((v != v) & (m == m))
        ym[c] = v if take else m
        im[c] = pos if take else im[c]


cdef inline void _max_row_nhwc(const floating *x, floating *y, int32_t *idx, Pool *p,
                               Py_ssize_t t) noexcept nogil:
    # output row (n, i) = divmod(t, OH): every (j, c), the channels as the inner loop (float
    # channels 8 at a time in AVX2 registers, bigdl_pool.h; the rest here).  The window's
    # first position seeds the maxima; comparing it again changes nothing.
    cdef Py_ssize_t n = t // p.OH, i = t % p.OH, j, h, w, c, c0 = 0, h0, h1, w0, w1, pad
    cdef const floating *xs = x + n * p.H * p.W * p.C
    cdef floating *yo
    cdef int32_t *io
    cdef int32_t pos
    for j in range(p.OW):
        _window(p, i, j, &h0, &h1, &w0, &w1, &pad)
        yo = y + (t * p.OW + j) * p.C
        io = idx + (t * p.OW + j) * p.C
        if floating is float:
            c0 = bdp_max_channels_f32(xs, p.W, p.C, h0, h1, w0, w1, yo, io)
        pos = <int32_t>(h0 * p.W + w0)
        for c in range(c0, p.C):
            yo[c] = xs[pos * p.C + c]
            io[c] = pos
        for h in range(h0, h1):
            for w in range(w0, w1):
                pos = <int32_t>(h * p.W + w)
                _max_step(xs + pos * p.C + c0, yo + c0, io + c0, pos, p.C - c0)


cdef inline void _max_back_plane(const floating *g, const int32_t *idx, floating *gi,
                                 Py_ssize_t n_out, Py_ssize_t n_in, Py_ssize_t cs,
                                 Py_ssize_t C) noexcept nogil:
    # gi (n_in positions x cs) zeroed, then gi[idx[k]] += g[k] for the cs channels
    cdef Py_ssize_t k, c
    memset(gi, 0, n_in * cs * sizeof(floating))
    for k in range(n_out):
        for c in range(C):
            gi[idx[k * cs + c] * cs + c] += g[k * cs + c]
