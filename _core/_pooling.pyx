"""Kernels of SpatialMaxPooling and SpatialAveragePooling, NCHW and NHWC.

One OpenMP pass over the data: NCHW splits the (sample, channel) planes across threads,
NHWC the (sample, output row) pairs.  The inner loops are vectorised: along an output row
(NCHW: one sweep per window position over the windows inside the input, the edges one by
one) or over the channels (NHWC).  Max pooling (its kernels in ``maxpool.pxd``) keeps the
first maximum in row-major window order (NaN wins: it propagates, as in torch) and
records its position ``h*W + w`` in an int32 map; backward
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
from maxpool cimport (Pool, _window, _max_plane, _max_row_nhwc, _max_back_plane)


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
            _max_plane(x + t * hw, y + t * ohw, idx + t * ohw, p)


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


cdef Pool _pool(x, y, tuple kernel, bint nhwc, indices=None, str y_name="out") except *:
    """Pool of x and y (input-sized and output-sized, 4-D) checked, with the index map (like
    y) when given."""
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
    if indices is not None and _dims(indices) != _dims(y):
        raise ValueError(f"pooling: expected indices like {y_name} {_dims(y)}, got "
                         f"{_dims(indices)}")
    return p


# Elements from which a pass uses n_threads.  Below it an OpenMP team costs more than it
# saves (a ~100 us pass), and on a busy machine every parallel region waits for a core.
cdef enum:
    PAR_MIN = 1 << 18

include "par_threshold.pxi"
include "simd_switch.pxi"


cdef int _threads(Pool *p, int n_threads) noexcept nogil:
    # 0 for an empty batch (nothing to do), else the team size
    if p.N == 0 or p.C == 0:
        return 0
    return team(p.N * p.C * p.H * p.W, _par_min, n_threads)


def max_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                int32_t[:, :, :, ::1] indices, tuple kernel, bint nhwc, int n_threads):
    """``out`` = window maxima of ``x`` (4-D, NCHW or NHWC), ``indices`` their positions
    ``h*W + w`` (shape of ``out``)."""
    cdef Pool p = _pool(x, out, kernel, nhwc, indices)
    cdef int nt = _threads(&p, n_threads)
    if nt:
        with nogil:
            _max_fwd(&x[0, 0, 0, 0], &out[0, 0, 0, 0], &indices[0, 0, 0, 0], &p, nhwc, nt)


def max_backward(const floating[:, :, :, ::1] grad_output, const int32_t[:, :, :, ::1] indices,
                 floating[:, :, :, ::1] grad_input, tuple kernel, bint nhwc, int n_threads):
    """``grad_input`` = zeros, plus ``grad_output`` scattered (added) through ``indices``."""
    cdef Pool p = _pool(grad_input, grad_output, kernel, nhwc, indices, "grad_output")
    cdef int nt = _threads(&p, n_threads)
    if nt:
        with nogil:
            _max_bwd(&grad_output[0, 0, 0, 0], &indices[0, 0, 0, 0], &grad_input[0, 0, 0, 0],
                     &p, nhwc, nt)


def avg_forward(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out, tuple kernel,
                bint nhwc, bint count_include_pad, double mult, int n_threads):
    """``out`` = ``mult`` * window sums / divisor (``mult`` = 1, or kw*kh for BigDL's
    ``divide=False``)."""
    cdef Pool p = _pool(x, out, kernel, nhwc)
    cdef int nt = _threads(&p, n_threads)
    if nt:
        with nogil:
            _avg(&x[0, 0, 0, 0], &out[0, 0, 0, 0], &p, nhwc, count_include_pad, mult, False,
                 nt)


def avg_backward(const floating[:, :, :, ::1] grad_output, floating[:, :, :, ::1] grad_input,
                 tuple kernel, bint nhwc, bint count_include_pad, double mult,
                 int n_threads):
    """``grad_input`` = zeros, plus ``mult * grad_output / divisor`` over each window."""
    cdef Pool p = _pool(grad_input, grad_output, kernel, nhwc)
    cdef int nt = _threads(&p, n_threads)
    if nt:
        with nogil:
            _avg(&grad_output[0, 0, 0, 0], &grad_input[0, 0, 0, 0], &p, nhwc,
                 count_include_pad, mult, True, nt)
