# Direct convolution (no patch matrix, no BLAS) for layers with few weights per group, such as
# LeNet's first layer (1 -> 6 planes, 5x5): there im2col + GEMM streams a patch matrix K times
# the input through memory for GEMMs too thin to run BLAS well.  One task = one output row
# (forward), a block of input rows of a sample (grad_input; one input row when the columns
# are strided); grad_weight's tasks are in convgw.pxd (their sizes here, _gw_*).  Each owns
# its outputs and sums them in a fixed order, so results do not depend on the thread count.
# Rows are copied into zero-padded, contiguous thread-private buffers (arrays local to these
# inline task functions); with unit column stride, CH outputs at a time sum every tap in vector
# registers (bigdl_conv.h).  Both layouts differ only in the strides of Lay.
from cython cimport floating
from libc.string cimport memset
from im2col cimport Geo, copy_row

cdef extern from "bigdl_conv.h" nogil:
    # CH-wide register-blocked loops (AVX2 or baseline build, the same results)
    Py_ssize_t bdc_taps_f32(const float *xb, Py_ssize_t cs, Py_ssize_t rs, const float *wo,
                            Py_ssize_t wc, Py_ssize_t wa, Py_ssize_t wb, Py_ssize_t nc,
                            Py_ssize_t kh, Py_ssize_t kw, int flip, float b0, float *dst,
                            Py_ssize_t n)
    Py_ssize_t bdc_taps_f64(const double *xb, Py_ssize_t cs, Py_ssize_t rs, const double *wo,
                            Py_ssize_t wc, Py_ssize_t wa, Py_ssize_t wb, Py_ssize_t nc,
                            Py_ssize_t kh, Py_ssize_t kw, int flip, double b0, double *dst,
                            Py_ssize_t n)
    Py_ssize_t bdc_planes_f32(const float *xb, Py_ssize_t cs, Py_ssize_t rs, const float *wo,
                              Py_ssize_t os, Py_ssize_t wc, Py_ssize_t wa, Py_ssize_t wb,
                              Py_ssize_t nc, Py_ssize_t kh, Py_ssize_t kw, const float *bias,
                              float *dst, Py_ssize_t ds, Py_ssize_t np)
    Py_ssize_t bdc_planes_f64(const double *xb, Py_ssize_t cs, Py_ssize_t rs, const double *wo,
                              Py_ssize_t os, Py_ssize_t wc, Py_ssize_t wa, Py_ssize_t wb,
                              Py_ssize_t nc, Py_ssize_t kh, Py_ssize_t kw, const double *bias,
                              double *dst, Py_ssize_t ds, Py_ssize_t np)


cdef enum:
    DIRECT_ROW = 512     # longest padded input row / output row
    DIRECT_ACC = 4096    # accumulators of one task (O*OW, C*padded row, kh*kw*OW)
    DIRECT_PLANE = 8192  # the padded gradient rows of one grad_input block (O*rows*width)
    DIRECT_TAPS = 512    # most kernel taps (kh*kw)
    DIRECT_WEIGHTS = 512 # most weights per group (Og*Kg) for which the path is chosen
    DIRECT_MIN_OW = 8    # shortest output row worth the row-wise vector loops
    DIRECT_OG = 16       # most planes per group of a narrow-row forward on the direct path
    CH = 8               # outputs per register-blocked chunk


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


cdef inline Py_ssize_t _gin_width(Geo *q) noexcept nogil:
    # row length of direct_gin_block's gradient planes: the input row rounded up to CH (the
    # vector chunks) plus the PL + KW - 1 columns its windows reach to the left
    return (q.W + CH - 1) // CH * CH + q.PL + q.KW - 1


cdef inline Py_ssize_t gin_rows(Geo *q) noexcept nogil:
    # input rows of one direct_gin_block task: its O planes of rows + KH - 1 rows fit
    cdef Py_ssize_t r = DIRECT_PLANE // (q.O * _gin_width(q)) - (q.KH - 1)
    return max(1, min(r, q.H))


cdef inline bint direct_fits(Geo *q) noexcept nogil:
    cdef Py_ssize_t wp = _padded(q), hp = (q.OH - 1) * q.SH + q.KH
    return (wp <= DIRECT_ROW and q.C * q.KH * wp <= DIRECT_ACC and q.C * wp <= DIRECT_ACC
            and (q.SW != 1 or q.O * q.KH * _gin_width(q) <= DIRECT_PLANE)
            and hp * wp <= DIRECT_ACC and q.OH * q.OW <= DIRECT_ACC
            and q.O * ((q.OW + CH - 1) // CH * CH) <= DIRECT_ACC
            and q.KH * q.KW <= DIRECT_TAPS and q.W + CH <= DIRECT_ROW
            and hp * _gw_row(q) <= DIRECT_ACC and q.OH * _gw_cols(q) <= DIRECT_ACC)


cdef enum:
    PHASE_FWD, PHASE_GIN, PHASE_GW    # the kernels direct_pays chooses for


cdef inline bint direct_pays(Geo *q, int phase, bint nhwc) noexcept nogil:
    # few weights per group; the forward also narrow rows of few planes per group (LeNet's
    # second layer), whose patch matrix would be K / Og times the output for thin GEMMs;
    # grad_weight also few planes per group read in place (the same layer: 1.9x faster
    # than patches + GEMM at one thread, 3.7x at two; with copied rows it is not).
    if q.OW < DIRECT_MIN_OW:
        return False
    if q.Og * q.Kg <= DIRECT_WEIGHTS:
        return True
    if phase == PHASE_FWD:
        return _narrow(q) and q.Og <= DIRECT_OG
    return phase == PHASE_GW and _gw_in_place(q, nhwc) and q.Og <= DIRECT_OG


cdef inline void _load_row(const floating *src, Py_ssize_t xw, floating *buf, Py_ssize_t W,
                           Py_ssize_t PL, Py_ssize_t wp) noexcept nogil:
    # buf[p] = src[(p - PL) * xw] for 0 <= p - PL < W, else 0, p in [0, wp)
    cdef Py_ssize_t p, lo = min(PL, wp), hi = min(PL + W, wp)
    for p in range(lo):
        buf[p] = 0
    if xw == 1:
        copy_row(buf + lo, src + lo - PL, hi - lo)
    else:
        for p in range(lo, hi):
            buf[p] = src[(p - PL) * xw]
    for p in range(hi, wp):
        buf[p] = 0



cdef inline void _taps(const floating *xb, Py_ssize_t cs, Py_ssize_t rs, const floating *wo,
                       Py_ssize_t wc, Py_ssize_t wa, Py_ssize_t wb, Py_ssize_t nc,
                       Py_ssize_t KH, Py_ssize_t KW, Py_ssize_t step, Py_ssize_t flip,
                       floating b0, floating *dst, Py_ssize_t n) noexcept nogil:
    # dst[j] = b0 + sum over (ci, a, b) in order of wo[ci*wc + a*wa + b*wb] * row(ci, a)[j*step
    # + (b or -b when flip)], row(ci, a) = xb + ci*cs + a*rs (their start already offset).
    # Unit step: bdc_taps rounds n up to CH, so dst and the rows need CH - 1 values of slack.
    cdef floating u
    cdef Py_ssize_t j0 = 0, j, ci, a, b
    cdef const floating *xr
    cdef const floating *wr
    if step == 1:
        if floating is float:
            j0 = bdc_taps_f32(xb, cs, rs, wo, wc, wa, wb, nc, KH, KW, flip, b0, dst, n)
        else:
            j0 = bdc_taps_f64(xb, cs, rs, wo, wc, wa, wb, nc, KH, KW, flip, b0, dst, n)
    for j in range(j0, n):
        u = b0
        for ci in range(nc):
            for a in range(KH):
                xr = xb + ci * cs + a * rs + j * step
                wr = wo + ci * wc + a * wa
                for b in range(KW):
                    u += wr[b * wb] * xr[-b if flip else b]
        dst[j] = u


cdef inline void _store(const floating *src, floating *dst, Py_ssize_t n,
                        Py_ssize_t stride) noexcept nogil:
    cdef Py_ssize_t j
    if stride == 1:
        copy_row(dst, src, n)
    else:
        for j in range(n):
            dst[j * stride] = src[j]


cdef inline const floating *_contig(const floating *src, Py_ssize_t stride, floating *buf,
                                    Py_ssize_t n) noexcept nogil:
    # src[j * stride], j < n, as a unit-stride pointer (copied into buf when strided)
    cdef Py_ssize_t j
    if stride == 1:
        return src
    for j in range(n):
        buf[j] = src[j * stride]
    return buf


cdef inline Py_ssize_t _planes(const floating *xb, Py_ssize_t cs, Py_ssize_t rs,
                               const floating *wo, Py_ssize_t os, Lay *l, Geo *q,
                               const floating *bias, floating *dst, Py_ssize_t ds,
                               Py_ssize_t np) noexcept nogil:
    if floating is float:
        return bdc_planes_f32(xb, cs, rs, wo, os, l.wc, l.wa, l.wb, q.Ig, q.KH, q.KW, bias,
                              dst, ds, np)
    else:
        return bdc_planes_f64(xb, cs, rs, wo, os, l.wc, l.wa, l.wb, q.Ig, q.KH, q.KW, bias,
                              dst, ds, np)


cdef inline bint _narrow(Geo *q) noexcept nogil:
    # output rows of at most two vector chunks: chains run over output planes instead
    return q.SW == 1 and q.OW <= 2 * CH


cdef inline void direct_fwd_row(const floating *x, const floating *w, const floating *bias,
                                floating *out, Py_ssize_t t, Geo *q,
                                Lay *l) noexcept nogil:
    # output row (n, i) = divmod(t, OH) of every plane o; sums over (c, a, b) in order (per
    # plane, or CH columns of the group's planes at once on narrow rows: the same bits)
    cdef floating xb[DIRECT_ACC + CH]
    cdef floating acc[DIRECT_ACC + CH]
    cdef Py_ssize_t n = t // q.OH, i = t % q.OH, wp = _padded(q)
    cdef Py_ssize_t ds = (q.OW + CH - 1) // CH * CH, o, c, a, ih, g, j, done
    memset(xb + q.C * q.KH * wp, 0, CH * sizeof(floating))   # slack read by _taps
    for c in range(q.C):
        for a in range(q.KH):
            ih = i * q.SH - q.PT + a
            if ih < 0 or ih >= q.H:
                memset(xb + (c * q.KH + a) * wp, 0, wp * sizeof(floating))
            else:
                _load_row(x + n * l.xn + c * l.xc + ih * l.xh, l.xw,
                          xb + (c * q.KH + a) * wp, q.W, q.PL, wp)
    done = 0
    if _narrow(q):
        for g in range(q.G):
            for j in range(ds // CH):
                done = _planes(xb + g * q.Ig * q.KH * wp + j * CH, q.KH * wp, wp,
                               w + _wo(q, l, g * q.Og), 1 if l.nhwc else q.Kg, l, q,
                               bias + g * q.Og if bias != NULL else NULL,
                               acc + g * q.Og * ds + j * CH, ds, q.Og)
    for o in range(q.O):
        if done == 0:   # no vector build: one plane at a time
            _taps(xb + (o // q.Og) * q.Ig * q.KH * wp, q.KH * wp, wp, w + _wo(q, l, o), l.wc,
                  l.wa, l.wb, q.Ig, q.KH, q.KW, q.SW, 0, bias[o] if bias != NULL else 0,
                  acc + o * ds, q.OW)
        _store(acc + o * ds, out + n * l.yn + o * l.yo + i * l.yh, q.OW, l.yw)


cdef inline void _gin_scatter(const floating *go, const floating *w, floating *acc,
                              Py_ssize_t n, Py_ssize_t ih, Geo *q, Lay *l) noexcept nogil:
    # strided columns: acc (C padded rows) += each gradient row scattered through the taps,
    # over (a, o, b) in order
    cdef floating gr[DIRECT_ROW]
    cdef Py_ssize_t wp = _padded(q), o, c, c0, a, b, j, r
    cdef const floating *src
    cdef const floating *w_c
    cdef floating *ap
    cdef floating v
    memset(acc, 0, q.C * wp * sizeof(floating))
    for a in range(q.KH):
        r = ih + q.PT - a
        if r < 0 or r % q.SH != 0 or r // q.SH >= q.OH:
            continue
        for o in range(q.O):
            src = _contig(go + n * l.yn + o * l.yo + (r // q.SH) * l.yh, l.yw, gr, q.OW)
            c0 = (o // q.Og) * q.Ig
            for c in range(c0, c0 + q.Ig):
                w_c = w + _wo(q, l, o) + (c - c0) * l.wc + a * l.wa
                ap = acc + c * wp
                for b in range(q.KW):
                    v = w_c[b * l.wb]
                    for j in range(q.OW):
                        ap[j * q.SW + b] += v * src[j]


cdef inline void direct_gin_row(const floating *go, const floating *w, floating *gi,
                                Py_ssize_t t, Geo *q, Lay *l) noexcept nogil:
    # grad_input row (n, ih) = divmod(t, H) of every plane c, strided columns (_gin_scatter)
    cdef floating acc[DIRECT_ACC]
    cdef Py_ssize_t n = t // q.H, ih = t % q.H, wp = _padded(q), c, iw
    cdef floating *dst
    _gin_scatter(go, w, acc, n, ih, q, l)
    for c in range(q.C):
        dst = gi + n * l.xn + c * l.xc + ih * l.xh
        for iw in range(q.W):
            dst[iw * l.xw] = acc[c * wp + iw + q.PL] if iw + q.PL < wp else 0


cdef inline void direct_gin_block(const floating *go, const floating *w, floating *gi,
                                  Py_ssize_t t, Geo *q, Lay *l) noexcept nogil:
    # grad_input rows [ih0, ih1) of sample n of every plane c, unit column stride; t = n *
    # blocks + block.  A full correlation with the taps flipped: each gradient plane o is
    # copied once into rows u = ih - ih0 + KH - 1 - a (zero where no output row is, e.g.
    # between strided rows) and columns iw + PL - b + KW - 1, zero-padded, so one vector
    # chain per CH inputs sums every (o, a, b) of c's group in order.
    cdef floating pb[DIRECT_PLANE]
    cdef floating acc[DIRECT_ROW + CH]
    cdef Py_ssize_t rows = gin_rows(q), wq = _gin_width(q)
    cdef Py_ssize_t blocks = (q.H + rows - 1) // rows, n = t // blocks
    cdef Py_ssize_t ih0 = (t % blocks) * rows, ih1 = min(ih0 + rows, q.H)
    cdef Py_ssize_t R = ih1 - ih0 + q.KH - 1, ps = R * wq
    cdef Py_ssize_t o, u, r, c, ih, g
    cdef floating *row
    cdef const floating *wo
    for o in range(q.O):
        for u in range(R):
            row = pb + o * ps + u * wq
            r = u + ih0 + q.PT - (q.KH - 1)   # the output row position u stands for
            if r < 0 or r % q.SH != 0 or r // q.SH >= q.OH:
                memset(row, 0, wq * sizeof(floating))
            else:
                _load_row(go + n * l.yn + o * l.yo + (r // q.SH) * l.yh, l.yw, row, q.OW,
                          q.KW - 1, wq)
    for c in range(q.C):
        g = c // q.Ig
        # weights (o, c, a, b) of the group's planes o: Kg apart (NCHW), adjacent (NHWC)
        wo = w + _wo(q, l, g * q.Og) + (c % q.Ig) * l.wc
        for ih in range(ih0, ih1):
            _taps(pb + g * q.Og * ps + (ih - ih0 + q.KH - 1) * wq + q.PL + q.KW - 1, ps, -wq,
                  wo, 1 if l.nhwc else q.Kg, l.wa, l.wb, q.Og, q.KH, q.KW, 1, 1, 0, acc, q.W)
            _store(acc, gi + n * l.xn + c * l.xc + ih * l.xh, q.W, l.xw)


cdef inline Py_ssize_t _gw_cols(Geo *q) noexcept nogil:
    # columns bdc_gw sums: the output row rounded up to CH (copied gradient rows end in zeros)
    return (q.OW + CH - 1) // CH * CH


cdef inline Py_ssize_t _gw_row(Geo *q) noexcept nogil:
    # length of a copied input row: SW phases of equal length, each covering the padded row's
    # values of its phase and every window of _gw_cols outputs
    return max((_padded(q) + q.SW - 1) // q.SW, _gw_cols(q) + (q.KW - 1) // q.SW) * q.SW


cdef inline bint _gw_in_place(Geo *q, bint nhwc) noexcept nogil:
    # NCHW, unit column stride, whole chunks of CH outputs, every window inside the input:
    # rows read where they are
    return (not nhwc and q.SW == 1 and q.OW % CH == 0 and q.PT == 0 and q.PL == 0
            and (q.OH - 1) * q.SH + q.KH <= q.H and q.OW - 1 + q.KW <= q.W)
