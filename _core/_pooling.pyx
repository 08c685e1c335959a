"""Kernels of SpatialMaxPooling and SpatialAveragePooling, NCHW and NHWC.

One OpenMP pass over the data: NCHW splits the (sample, channel) planes across threads,
NHWC the (sample, output row) pairs, each window read once with the channels as the inner
vector.  Max pooling keeps the first maximum in row-major window order (NaN wins: it
propagates, as in torch) and records its position ``h*W + w`` in an int32 map; backward
scatter-adds through that map, each plane (NCHW) or sample (NHWC) owned by one thread, so
results do not depend on the thread count.  Windows are clipped to the input; average
pooling divides by the window clipped to the padded input (``count_include_pad``) or to
the input.

``kernel`` = (kh, kw, sh, sw, pad_top, pad_left, pad_bottom, pad_right).  Every ``def``
validates with the GIL held, then makes one ``nogil`` call into work that cannot fail.
"""
from cython cimport floating
from cython.parallel cimport prange
from threads cimport team
from libc.string cimport memset
from libc.stdint cimport int32_t


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
cdef inline void _max_plane(const floating *x, floating *y, int32_t *idx, Pool *p,
                            Py_ssize_t cs) noexcept nogil:
    # one channel: x (H, W) with element stride cs, y and idx (OH, OW) with stride cs
    cdef Py_ssize_t i, j, h, w, h0, h1, w0, w1, pad, best
    cdef floating m, v
    for i in range(p.OH):
        for j in range(p.OW):
            _window(p, i, j, &h0, &h1, &w0, &w1, &pad)
            best = h0 * p.W + w0
            m = x[best * cs]
            for h in range(h0, h1):
                for w in range(w0, w1):
                    v = x[(h * p.W + w) * cs]
                    if v > m or v != v:
                        if m == m:  # once NaN, the first NaN stays
                            m, best = v, h * p.W + w
            y[(i * p.OW + j) * cs] = m
            idx[(i * p.OW + j) * cs] = <int32_t>best


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
    # output row (n, i) = divmod(t, OH): every (j, c), the channels as the inner loop.  The
    # window's first position seeds the maxima; comparing it again changes nothing.
    cdef Py_ssize_t n = t // p.OH, i = t % p.OH, j, h, w, c, h0, h1, w0, w1, pad
    cdef const floating *xs = x + n * p.H * p.W * p.C
    cdef floating *yo
    cdef int32_t *io
    cdef int32_t pos
    for j in range(p.OW):
        _window(p, i, j, &h0, &h1, &w0, &w1, &pad)
        yo = y + (t * p.OW + j) * p.C
        io = idx + (t * p.OW + j) * p.C
        pos = <int32_t>(h0 * p.W + w0)
        for c in range(p.C):
            yo[c] = xs[pos * p.C + c]
            io[c] = pos
        for h in range(h0, h1):
            for w in range(w0, w1):
                pos = <int32_t>(h * p.W + w)
                _max_step(xs + pos * p.C, yo, io, pos, p.C)


cdef inline void _max_back_plane(const floating *g, const int32_t *idx, floating *gi,
                                 Py_ssize_t n_out, Py_ssize_t n_in, Py_ssize_t cs,
                                 Py_ssize_t C) noexcept nogil:
    # gi (n_in positions x cs) zeroed, then gi[idx[k]] += g[k] for the cs channels
    cdef Py_ssize_t k, c
    memset(gi, 0, n_in * cs * sizeof(floating))
    for k in range(n_out):
        for c in range(C):
            gi[idx[k * cs + c] * cs + c] += g[k * cs + c]


# ---- average ------------------------------------------------------------------------------
cdef inline void _avg_plane(const floating *x, floating *y, Pool *p, Py_ssize_t cs,
                            Py_ssize_t C, bint include_pad, double mult,
                            bint back) noexcept nogil:
    # forward: y[o] = mult * sum(window) / divisor; back (x = grad_output, y = grad_input):
    # y[window] += mult * x[o] / divisor.  C channels at stride 1, positions at stride cs.
    cdef Py_ssize_t i, j, h, w, c, h0, h1, w0, w1, pad, cnt
    cdef floating f
    cdef floating *o
    cdef const floating *src
    if back:
        memset(y, 0, p.H * p.W * cs * sizeof(floating))
    for i in range(p.OH):
        for j in range(p.OW):
            _window(p, i, j, &h0, &h1, &w0, &w1, &pad)
            cnt = pad if include_pad else (h1 - h0) * (w1 - w0)
            f = <floating>(mult / cnt)
            if back:
                src = x + (i * p.OW + j) * cs
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        o = y + (h * p.W + w) * cs
                        for c in range(C):
                            o[c] += src[c] * f
                continue
            o = y + (i * p.OW + j) * cs
            for c in range(C):
                o[c] = 0
            for h in range(h0, h1):
                for w in range(w0, w1):
                    src = x + (h * p.W + w) * cs
                    for c in range(C):
                        o[c] += src[c]
            for c in range(C):
                o[c] = o[c] * f


# ---- drivers ------------------------------------------------------------------------------
cdef void _max_fwd(const floating *x, floating *y, int32_t *idx, Pool *p, bint nhwc,
                   int nt) noexcept nogil:
    cdef Py_ssize_t t, hw = p.H * p.W, ohw = p.OH * p.OW
    if nhwc:
        for t in prange(p.N * p.OH, schedule='static', num_threads=nt):
            _max_row_nhwc(x, y, idx, p, t)
    else:
        for t in prange(p.N * p.C, schedule='static', num_threads=nt):
            _max_plane(x + t * hw, y + t * ohw, idx + t * ohw, p, 1)


cdef void _max_bwd(const floating *g, const int32_t *idx, floating *gi, Pool *p, bint nhwc,
                   int nt) noexcept nogil:
    cdef Py_ssize_t t, hw = p.H * p.W, ohw = p.OH * p.OW
    if nhwc:
        for t in prange(p.N, schedule='static', num_threads=nt):
            _max_back_plane(g + t * ohw * p.C, idx + t * ohw * p.C, gi + t * hw * p.C, ohw,
                            hw, p.C, p.C)
    else:
        for t in prange(p.N * p.C, schedule='static', num_threads=nt):
            _max_back_plane(g + t * ohw, idx + t * ohw, gi + t * hw, ohw, hw, 1, 1)


cdef void _avg(const floating *x, floating *y, Pool *p, bint nhwc, bint include_pad,
               double mult, bint back, int nt) noexcept nogil:
    # back: x is grad_output (output-sized), y grad_input (input-sized)
    cdef Py_ssize_t t, hw = p.H * p.W, ohw = p.OH * p.OW
    cdef Py_ssize_t xs = ohw if back else hw, ys = hw if back else ohw
    if nhwc:
        for t in prange(p.N, schedule='static', num_threads=nt):
            _avg_plane(x + t * xs * p.C, y + t * ys * p.C, p, p.C, p.C, include_pad, mult,
                       back)
    else:
        for t in prange(p.N * p.C, schedule='static', num_threads=nt):
            _avg_plane(x + t * xs, y + t * ys, p, 1, 1, include_pad, mult, back)


# ---- Python entry points -----------------------------------------------------------------
def _dims(a):
    return tuple(a.shape[:a.ndim])


cdef Pool _pool(x, y, tuple kernel, bint nhwc) except *:
    cdef Pool p
    p.KH, p.KW, p.SH, p.SW, p.PT, p.PL, p.PB, p.PR = kernel
    if nhwc:
        p.N, p.H, p.W, p.C = x.shape[:4]
        _, p.OH, p.OW, c = y.shape[:4]
    else:
        p.N, p.C, p.H, p.W = x.shape[:4]
        _, c, p.OH, p.OW = y.shape[:4]
    # every window must hold at least one input element (the layer's rules guarantee it)
    if not (y.shape[0] == p.N and c == p.C and min(p.KH, p.KW, p.SH, p.SW) >= 1
            and min(p.PT, p.PL) >= 0 and p.PT < p.KH and p.PL < p.KW
            and p.PB >= 0 and p.PR >= 0 and p.OH >= 1 and p.OW >= 1
            and (p.OH - 1) * p.SH - p.PT < p.H and (p.OW - 1) * p.SW - p.PL < p.W
            and p.H * p.W < 2 ** 31):
        raise ValueError(f"pooling: expected x {_dims(x)} and out {_dims(y)} of one batch and "
                         f"channels, windows starting inside the input, kernel {kernel}")
    return p


# Elements from which a pass uses n_threads.  Below it an OpenMP team costs more than it
# saves (a ~100 us pass), and on a busy machine every parallel region waits for a core.
cdef enum:
    PAR_MIN = 1 << 18

include "par_threshold.pxi"


cdef int _threads(Pool *p, int n_threads) noexcept nogil:
    return team(p.N * p.C * p.H * p.W, _par_min, n_threads)


def max_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                int32_t[:, :, :, ::1] indices, tuple kernel, bint nhwc, int n_threads):
    """``out`` = window maxima of ``x`` (4-D, NCHW or NHWC), ``indices`` their positions
    ``h*W + w`` (shape of ``out``)."""
    cdef Pool p = _pool(x, out, kernel, nhwc)
    if _dims(indices) != _dims(out):
        raise ValueError(f"pooling: expected indices like out {_dims(out)}, got "
                         f"{_dims(indices)}")
    if p.N == 0 or p.C == 0:
        return
    cdef int nt = _threads(&p, n_threads)
    with nogil:
        _max_fwd(&x[0, 0, 0, 0], &out[0, 0, 0, 0], &indices[0, 0, 0, 0], &p, nhwc, nt)


def max_backward(const floating[:, :, :, ::1] grad_output, const int32_t[:, :, :, ::1] indices,
                 floating[:, :, :, ::1] grad_input, tuple kernel, bint nhwc, int n_threads):
    """``grad_input`` = zeros, plus ``grad_output`` scattered (added) through ``indices``."""
    cdef Pool p = _pool(grad_input, grad_output, kernel, nhwc)
    if _dims(indices) != _dims(grad_output):
        raise ValueError(f"pooling: expected indices like grad_output {_dims(grad_output)}, "
                         f"got {_dims(indices)}")
    if p.N == 0 or p.C == 0:
        return
    cdef int nt = _threads(&p, n_threads)
    with nogil:
        _max_bwd(&grad_output[0, 0, 0, 0], &indices[0, 0, 0, 0], &grad_input[0, 0, 0, 0],
                 &p, nhwc, nt)


def avg_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out, tuple kernel,
                bint nhwc, bint count_include_pad, double mult, int n_threads):
    """``out`` = ``mult`` * window sums / divisor (``mult`` = 1, or kw*kh for BigDL's
    ``divide=False``)."""
    cdef Pool p = _pool(x, out, kernel, nhwc)
    if p.N == 0 or p.C == 0:
        return
    cdef int nt = _threads(&p, n_threads)
    with nogil:
        _avg(&x[0, 0, 0, 0], &out[0, 0, 0, 0], &p, nhwc, count_include_pad, mult, False, nt)


def avg_backward(const floating[:, :, :, ::1] grad_output, floating[:, :, :, ::1] grad_input,
                 tuple kernel, bint nhwc, bint count_include_pad, double mult,
                 int n_threads):
    """``grad_input`` = zeros, plus ``mult * grad_output / divisor`` over each window."""
    cdef Pool p = _pool(grad_input, grad_output, kernel, nhwc)
    if p.N == 0 or p.C == 0:
        return
    cdef int nt = _threads(&p, n_threads)
    with nogil:
        _avg(&grad_output[0, 0, 0, 0], &grad_input[0, 0, 0, 0], &p, nhwc, count_include_pad,
             mult, True, nt)
