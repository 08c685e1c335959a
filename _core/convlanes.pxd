# Grad-input with 8 samples in the vector lanes (bigdl_conv.h's bdc_gin) for layers with
# several input planes per group, such as LeNet's second layer: every product sums a real
# tap, where convdirect.pxd's row kernels also sum the zero padding of a full correlation
# (2.25x the multiply-adds for 8x8 gradients and 5x5 kernels) and the GEMM path writes and
# scatters a patch matrix.  One task = 8 samples x (group, up to 8 of its input planes): the
# group's gradient planes transposed into lanes and its weights into (a, b, o, c) order, in
# thread-private buffers.  A lane's sums do not depend on the other lanes, so each sample's
# result is the same in whatever block it falls, at any thread count.
from cython cimport floating
from libc.string cimport memset
from im2col cimport Geo
from convdirect cimport Lay, _wo

cdef extern from "bigdl_conv.h" nogil:
    int bdc_gin_f32(const float *gt, const float *wt, Py_ssize_t nc, Py_ssize_t og,
                    Py_ssize_t oh, Py_ssize_t ow, Py_ssize_t H, Py_ssize_t W, Py_ssize_t kh,
                    Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl,
                    float *dst, Py_ssize_t dn, Py_ssize_t dc, Py_ssize_t dh, Py_ssize_t dw,
                    Py_ssize_t nk)
    int bdc_gin_f64(const double *gt, const double *wt, Py_ssize_t nc, Py_ssize_t og,
                    Py_ssize_t oh, Py_ssize_t ow, Py_ssize_t H, Py_ssize_t W, Py_ssize_t kh,
                    Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t pt, Py_ssize_t pl,
                    double *dst, Py_ssize_t dn, Py_ssize_t dc, Py_ssize_t dh, Py_ssize_t dw,
                    Py_ssize_t nk)

cdef enum:
    LANES = 8            # samples of a task, one a lane
    LANE_G = 8192        # most transposed gradient values of a task (Og * oh * ow * LANES)
    LANE_W = 4096        # most transposed weights of a task (Og * kh * kw * its planes)


cdef inline Py_ssize_t _lane_blocks(Geo *q) noexcept nogil:
    # a group's input planes in nearly equal blocks of at most LANES
    return (q.Ig + LANES - 1) // LANES


cdef inline bint lanes_fit(Geo *q) noexcept nogil:
    return (q.Og * q.S * LANES <= LANE_G
            and q.Og * q.KH * q.KW * ((q.Ig + _lane_blocks(q) - 1) // _lane_blocks(q))
            <= LANE_W)


cdef inline Py_ssize_t lane_tasks(Geo *q, Py_ssize_t N) noexcept nogil:
    return (N + LANES - 1) // LANES * q.G * _lane_blocks(q)


cdef inline void lane_gin_task(const floating *go, const floating *w, floating *gi,
                               Py_ssize_t N, Py_ssize_t t, Geo *q, Lay *l) noexcept nogil:
    # grad_input of samples n0 .. n0 + nk - 1, planes c0 .. c0 + nc - 1 of group g,
    # t = (block * G + g) * blocks of planes + k
    cdef floating gt[LANE_G]
    cdef floating wt[LANE_W]
    cdef Py_ssize_t cb = _lane_blocks(q), kb = t % cb, g = (t // cb) % q.G
    cdef Py_ssize_t n0 = t // (cb * q.G) * LANES, nk = min(LANES, N - n0)
    cdef Py_ssize_t c0 = kb * q.Ig // cb, nc = (kb + 1) * q.Ig // cb - c0
    cdef Py_ssize_t k, o, i, j, a, b, c, ih, iw, ry, rx
    cdef const floating *src
    cdef floating *dst = gi + n0 * l.xn + (g * q.Ig + c0) * l.xc
    cdef floating v
    if nk < LANES:
        memset(gt, 0, q.Og * q.S * LANES * sizeof(floating))
    for k in range(nk):
        for o in range(q.Og):
            src = go + (n0 + k) * l.yn + (g * q.Og + o) * l.yo
            for i in range(q.OH):
                for j in range(q.OW):
                    gt[((i * q.OW + j) * q.Og + o) * LANES + k] = src[i * l.yh + j * l.yw]
    for a in range(q.KH):
        for b in range(q.KW):
            for o in range(q.Og):
                for c in range(nc):
                    wt[((a * q.KW + b) * q.Og + o) * nc + c] = w[
                        _wo(q, l, g * q.Og + o) + (c0 + c) * l.wc + a * l.wa + b * l.wb]
    if floating is float:
        if bdc_gin_f32(gt, wt, nc, q.Og, q.OH, q.OW, q.H, q.W, q.KH, q.KW, q.SH, q.SW, q.PT,
                       q.PL, dst, l.xn, l.xc, l.xh, l.xw, nk):
            return
    else:
        if bdc_gin_f64(gt, wt, nc, q.Og, q.OH, q.OW, q.H, q.W, q.KH, q.KW, q.SH, q.SW, q.PT,
                       q.PL, dst, l.xn, l.xc, l.xh, l.xw, nk):
            return
    # no vector build: the same sums lane by lane
    for k in range(nk):
        for c in range(nc):
            for ih in range(q.H):
                for iw in range(q.W):
                    v = 0
                    for a in range(q.KH):
                        ry = ih + q.PT - a
                        if ry < 0 or ry % q.SH != 0 or ry // q.SH >= q.OH:
                            continue
                        for b in range(q.KW):
                            rx = iw + q.PL - b
                            if rx < 0 or rx % q.SW != 0 or rx // q.SW >= q.OW:
                                continue
                            for o in range(q.Og):
                                v += (wt[((a * q.KW + b) * q.Og + o) * nc + c] * gt[
                                    ((ry // q.SH * q.OW + rx // q.SW) * q.Og + o) * LANES + k])
                    dst[k * l.xn + c * l.xc + ih * l.xh + iw * l.xw] = v
