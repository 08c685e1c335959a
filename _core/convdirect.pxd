# Direct convolution (no patch matrix, no BLAS) for layers with few weights per group, such as
# LeNet's first layer (1 -> 6 planes, 5x5): there im2col + GEMM streams a patch matrix K times
# the input through memory for GEMMs too thin to run BLAS well.  One task = one output row
# (forward), one input row (grad_input) or one (output plane, input plane) pair
# (grad_weight); each owns its outputs and sums them in a fixed order, so results do not
# depend on the thread count.  Rows are copied into zero-padded, contiguous thread-private
# buffers (arrays local to these inline task functions), so the inner loops are unit-stride
# axpys the compiler vectorises; both layouts differ only in the strides of Lay.
from cython cimport floating
from libc.string cimport memcpy, memset
from im2col cimport Geo

cdef enum:
    DIRECT_ROW = 512     # longest padded input row / output row
    DIRECT_ACC = 4096    # accumulators of one task (O*OW, C*padded row, kh*kw*OW)
    DIRECT_TAPS = 512    # most kernel taps (kh*kw)
    DIRECT_WEIGHTS = 512 # most weights per group (Og*Kg) for which the path is chosen
    DIRECT_MIN_OW = 8    # shortest output row worth the row-wise vector loops


cdef struct Lay:
    # element strides: input (n, c, h, w), output (n, o, h, w), weight (c, a, b) within a
    # plane o, whose first weight is at wo(o) (BigDL's layouts), nhwc for wo
    Py_ssize_t xn, xc, xh, xw, yn, yo, yh, yw, wc, wa, wb
    bint nhwc


cdef inline Lay _lay(Geo *q, bint nhwc) noexcept nogil:
    cdef Lay l
    l.nhwc = nhwc
    if nhwc:
        l.xn, l.xc, l.xh, l.xw = q.H * q.W * q.C, 1, q.W * q.C, q.C
        l.yn, l.yo, l.yh, l.yw = q.S * q.O, 1, q.OW * q.O, q.O
        l.wc, l.wa, l.wb = q.Og, q.KW * q.Ig * q.Og, q.Ig * q.Og
    else:
        l.xn, l.xc, l.xh, l.xw = q.C * q.H * q.W, q.H * q.W, q.W, 1
        l.yn, l.yo, l.yh, l.yw = q.O * q.S, q.S, q.OW, 1
        l.wc, l.wa, l.wb = q.KH * q.KW, q.KW, 1
    return l


cdef inline Py_ssize_t _wo(Geo *q, Lay *l, Py_ssize_t o) noexcept nogil:
    if l.nhwc:
        return (o // q.Og) * q.Kg * q.Og + o % q.Og
    return o * q.Kg


cdef inline Py_ssize_t _padded(Geo *q) noexcept nogil:
    # length of a zero-padded input row covering every window: (OW - 1) * SW + KW
    return (q.OW - 1) * q.SW + q.KW


cdef inline bint direct_fits(Geo *q) noexcept nogil:
    cdef Py_ssize_t wp = _padded(q)
    return (wp <= DIRECT_ROW and q.OW <= DIRECT_ROW and q.O * q.OW <= DIRECT_ACC
            and q.C * wp <= DIRECT_ACC and q.KH * q.KW * q.OW <= DIRECT_ACC
            and q.KH * q.KW <= DIRECT_TAPS)


cdef inline bint direct_pays(Geo *q) noexcept nogil:
    return q.Og * q.Kg <= DIRECT_WEIGHTS and q.OW >= DIRECT_MIN_OW


cdef inline void _load_row(const floating *src, Py_ssize_t xw, floating *buf, Py_ssize_t W,
                           Py_ssize_t PL, Py_ssize_t wp) noexcept nogil:
    # buf[p] = src[(p - PL) * xw] for 0 <= p - PL < W, else 0, p in [0, wp)
    cdef Py_ssize_t p, lo = min(PL, wp), hi = min(PL + W, wp)
    for p in range(lo):
        buf[p] = 0
    if xw == 1:
        memcpy(buf + lo, src + lo - PL, (hi - lo) * sizeof(floating))
    else:
        for p in range(lo, hi):
            buf[p] = src[(p - PL) * xw]
    for p in range(hi, wp):
        buf[p] = 0


cdef inline void _axpy(floating *acc, floating v, const floating *src, Py_ssize_t n,
                       Py_ssize_t stride) noexcept nogil:
    # acc[j] += v * src[j * stride], j < n
    cdef Py_ssize_t j
    if stride == 1:
        for j in range(n):
            acc[j] += v * src[j]
    else:
        for j in range(n):
            acc[j] += v * src[j * stride]


cdef inline void direct_fwd_row(const floating *x, const floating *w, const floating *bias,
                                floating *out, Py_ssize_t t, Geo *q,
                                Lay *l) noexcept nogil:
    # output row (n, i) = divmod(t, OH) of every plane o; sums over (c, a, b) in order
    cdef floating xr[DIRECT_ROW]
    cdef floating acc[DIRECT_ACC]
    cdef Py_ssize_t n = t // q.OH, i = t % q.OH, wp = _padded(q)
    cdef Py_ssize_t o, c, a, b, j, ih, o0
    cdef const floating *wp_o
    cdef floating *dst
    for o in range(q.O):
        for j in range(q.OW):
            acc[o * q.OW + j] = bias[o] if bias != NULL else 0
    for c in range(q.C):
        o0 = (c // q.Ig) * q.Og
        for a in range(q.KH):
            ih = i * q.SH - q.PT + a
            if ih < 0 or ih >= q.H:
                continue
            _load_row(x + n * l.xn + c * l.xc + ih * l.xh, l.xw, xr, q.W, q.PL, wp)
            for o in range(o0, o0 + q.Og):
                wp_o = w + _wo(q, l, o) + (c % q.Ig) * l.wc + a * l.wa
                for b in range(q.KW):
                    _axpy(acc + o * q.OW, wp_o[b * l.wb], xr + b, q.OW, q.SW)
    for o in range(q.O):
        dst = out + n * l.yn + o * l.yo + i * l.yh
        if l.yw == 1:
            memcpy(dst, acc + o * q.OW, q.OW * sizeof(floating))
        else:
            for j in range(q.OW):
                dst[j * l.yw] = acc[o * q.OW + j]


cdef inline void direct_gin_row(const floating *go, const floating *w, floating *gi,
                                Py_ssize_t t, Geo *q, Lay *l) noexcept nogil:
    # grad_input row (n, ih) = divmod(t, H) of every plane c, accumulated in padded rows
    # over (a, o, b) in order
    cdef floating gr[DIRECT_ROW]
    cdef floating acc[DIRECT_ACC]
    cdef Py_ssize_t n = t // q.H, ih = t % q.H, wp = _padded(q)
    cdef Py_ssize_t o, c, c0, a, b, j, i, r, iw
    cdef const floating *src
    cdef const floating *w_c
    cdef floating *ap
    cdef floating *dst
    cdef floating v
    memset(acc, 0, q.C * wp * sizeof(floating))
    for a in range(q.KH):
        r = ih + q.PT - a
        if r < 0 or r % q.SH != 0 or r // q.SH >= q.OH:
            continue
        i = r // q.SH
        for o in range(q.O):
            src = go + n * l.yn + o * l.yo + i * l.yh
            if l.yw != 1:
                for j in range(q.OW):
                    gr[j] = src[j * l.yw]
                src = gr
            c0 = (o // q.Og) * q.Ig
            for c in range(c0, c0 + q.Ig):
                w_c = w + _wo(q, l, o) + (c - c0) * l.wc + a * l.wa
                ap = acc + c * wp
                for b in range(q.KW):
                    v = w_c[b * l.wb]
                    if q.SW == 1:
                        for j in range(q.OW):
                            ap[j + b] += v * src[j]
                    else:
                        for j in range(q.OW):
                            ap[j * q.SW + b] += v * src[j]
    for c in range(q.C):
        dst = gi + n * l.xn + c * l.xc + ih * l.xh
        ap = acc + c * wp
        for iw in range(q.W):
            dst[iw * l.xw] = ap[iw + q.PL] if iw + q.PL < wp else 0


cdef inline void direct_gw_pair(const floating *x, const floating *go, floating *gw,
                                floating scale, Py_ssize_t N, Py_ssize_t t, Geo *q,
                                Lay *l) noexcept nogil:
    # grad_weight of (plane o, its input plane c) = divmod(t, Ig): per sample, vector
    # partial sums over the output rows (in the data type), then into doubles per sample
    cdef floating xr[DIRECT_ROW]
    cdef floating gr[DIRECT_ROW]
    cdef floating acc[DIRECT_ACC]
    cdef double s[DIRECT_TAPS]
    cdef Py_ssize_t o = t // q.Ig, ci = t % q.Ig, c = (o // q.Og) * q.Ig + ci
    cdef Py_ssize_t wp = _padded(q), nt = q.KH * q.KW
    cdef Py_ssize_t n, i, a, b, j, ih
    cdef const floating *src
    cdef floating *w_c
    cdef floating *ap
    cdef double d
    for j in range(nt):
        s[j] = 0
    for n in range(N):
        memset(acc, 0, nt * q.OW * sizeof(floating))
        for i in range(q.OH):
            src = go + n * l.yn + o * l.yo + i * l.yh
            if l.yw != 1:
                for j in range(q.OW):
                    gr[j] = src[j * l.yw]
                src = gr
            for a in range(q.KH):
                ih = i * q.SH - q.PT + a
                if ih < 0 or ih >= q.H:
                    continue
                _load_row(x + n * l.xn + c * l.xc + ih * l.xh, l.xw, xr, q.W, q.PL, wp)
                for b in range(q.KW):
                    ap = acc + (a * q.KW + b) * q.OW
                    if q.SW == 1:
                        for j in range(q.OW):
                            ap[j] += src[j] * xr[j + b]
                    else:
                        for j in range(q.OW):
                            ap[j] += src[j] * xr[j * q.SW + b]
        for j in range(nt):
            d = 0
            for i in range(q.OW):
                d += acc[j * q.OW + i]
            s[j] += d
    w_c = gw + _wo(q, l, o) + ci * l.wc
    for a in range(q.KH):
        for b in range(q.KW):
            w_c[a * l.wa + b * l.wb] += <floating>(scale * s[a * q.KW + b])
