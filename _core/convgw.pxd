# Direct grad_weight (no patch matrix, no BLAS; see convdirect.pxd): one task = the taps of
# kernel row(s) of one input plane for GW_PLANES output planes of its group, summed over the
# whole batch in a fixed order, so results do not depend on the thread count.  bdc_gw keeps
# all of a task's sums in vector registers, CH output columns wide; rows are read in place
# (NCHW, no pads, unit column stride, whole chunks of CH) or copied zero-padded.
from cython cimport floating
from libc.string cimport memset
from im2col cimport Geo
from convdirect cimport (Lay, CH, DIRECT_ACC, DIRECT_TAPS, _wo, _load_row, _gw_cols, _gw_row,
                         _gw_in_place)

cdef extern from "bigdl_conv.h" nogil:
    # the register-blocked sums (AVX2 or baseline build, the same results)
    Py_ssize_t bdc_gw_f32(const float *g, Py_ssize_t gp, Py_ssize_t gs, Py_ssize_t gn,
                          const float *x, const Py_ssize_t *xo, Py_ssize_t xs, Py_ssize_t xn,
                          Py_ssize_t ns, Py_ssize_t nr, Py_ssize_t n8, Py_ssize_t np,
                          Py_ssize_t nq, float *acc)
    Py_ssize_t bdc_gw_f64(const double *g, Py_ssize_t gp, Py_ssize_t gs, Py_ssize_t gn,
                          const double *x, const Py_ssize_t *xo, Py_ssize_t xs, Py_ssize_t xn,
                          Py_ssize_t ns, Py_ssize_t nr, Py_ssize_t n8, Py_ssize_t np,
                          Py_ssize_t nq, double *acc)

cdef enum:
    GW_PLANES = 2        # output planes of a grad_weight task (bdc_gw's register tile)
    GW_TAPS = 6          # most taps (adjacent columns of a kernel row) of one task
    GW_FLUSH = 8         # samples whose float partial sums go into the double totals at once


cdef inline Py_ssize_t _gw_pieces(Geo *q) noexcept nogil:
    # a kernel row's taps in pieces of at most GW_TAPS
    return (q.KW + GW_TAPS - 1) // GW_TAPS


cdef inline Py_ssize_t _gw_rows(Geo *q, bint nhwc) noexcept nogil:
    # kernel rows of a grad_weight task: one when rows are read in place (no copies to share),
    # all when they are copied (one copy of the sample's plane for all of them)
    return 1 if _gw_in_place(q, nhwc) else q.KH


cdef inline Py_ssize_t gw_tasks(Geo *q, bint nhwc) noexcept nogil:
    # (group, GW_PLANES output planes, input plane, kernel rows, piece of a kernel row)
    return (q.G * ((q.Og + GW_PLANES - 1) // GW_PLANES) * q.Ig * (q.KH // _gw_rows(q, nhwc))
            * _gw_pieces(q))


cdef inline void _load_phases(const floating *src, Py_ssize_t xw, floating *buf, Geo *q,
                              Py_ssize_t lp) noexcept nogil:
    # buf[ph * lp + m] = padded row [m * SW + ph] (0 outside the input), ph < SW, m < lp
    cdef Py_ssize_t ph, m, p
    if q.SW == 1:
        _load_row(src, xw, buf, q.W, q.PL, lp)
        return
    for ph in range(q.SW):
        for m in range(lp):
            p = m * q.SW + ph - q.PL
            buf[ph * lp + m] = src[p * xw] if 0 <= p < q.W else 0


cdef inline void _gw_sums(const floating *g, Py_ssize_t gp, Py_ssize_t gs, Py_ssize_t gn,
                          const floating *x, const Py_ssize_t *xo, Py_ssize_t xs,
                          Py_ssize_t xn, Py_ssize_t ns, Py_ssize_t np, Py_ssize_t nq,
                          floating *acc, Geo *q) noexcept nogil:
    # acc[(p*nq + u)*CH + j % CH] += g[p*gp + n*gn + i*gs + j] * x[xo[u] + n*xn + i*xs + j]
    # over samples n < ns, rows i < OH, columns j < _gw_cols: bdc_gw (the loops below only
    # without a vector build)
    cdef Py_ssize_t j0, n, i, p, u, j, n8 = _gw_cols(q)
    if floating is float:
        j0 = bdc_gw_f32(g, gp, gs, gn, x, xo, xs, xn, ns, q.OH, n8, np, nq, acc)
    else:
        j0 = bdc_gw_f64(g, gp, gs, gn, x, xo, xs, xn, ns, q.OH, n8, np, nq, acc)
    if j0 == n8:
        return
    for n in range(ns):
        for i in range(q.OH):
            for p in range(np):
                for u in range(nq):
                    for j in range(j0, n8):
                        acc[(p * nq + u) * CH + j % CH] += (g[p * gp + n * gn + i * gs + j]
                                                            * x[xo[u] + n * xn + i * xs + j])


cdef inline void direct_gw_task(const floating *x, const floating *go, floating *gw,
                                floating scale, Py_ssize_t N, Py_ssize_t t, Geo *q,
                                Lay *l) noexcept nogil:
    # grad_weight of the taps (a, b0 .. b0 + nq - 1), a0 <= a < a0 + ka, of input plane c for
    # np <= GW_PLANES output planes o0.. of its group, t = (((g * blocks + ob) * Ig + ci) *
    # KH / ka + a0 / ka) * pieces + piece: sums CH columns wide in the data type over
    # GW_FLUSH samples (bdc_gw, every sum in registers), then added into doubles lane by
    # lane, samples in order.  Rows are read in place (NCHW, no pads, unit column stride:
    # one kernel row a task) or the sample's plane copied once, zero-padded, as SW phases.
    cdef floating xb[DIRECT_ACC]
    cdef floating gb[GW_PLANES * DIRECT_ACC]
    cdef floating acc[GW_PLANES * DIRECT_TAPS * CH]
    cdef double s[GW_PLANES * DIRECT_TAPS]
    cdef Py_ssize_t xo[GW_TAPS]
    cdef bint in_place = _gw_in_place(q, l.nhwc)
    cdef Py_ssize_t ka = _gw_rows(q, l.nhwc), pcs = _gw_pieces(q)
    cdef Py_ssize_t nob = (q.Og + GW_PLANES - 1) // GW_PLANES, nar = q.KH // ka
    cdef Py_ssize_t pc = t % pcs, a0 = (t // pcs) % nar * ka, ci = (t // (pcs * nar)) % q.Ig
    cdef Py_ssize_t ob = (t // (pcs * nar * q.Ig)) % nob
    cdef Py_ssize_t g = t // (pcs * nar * q.Ig * nob), c = g * q.Ig + ci
    cdef Py_ssize_t o0 = g * q.Og + ob * GW_PLANES, np = min(GW_PLANES, (g + 1) * q.Og - o0)
    cdef Py_ssize_t b0 = pc * q.KW // pcs, nq = (pc + 1) * q.KW // pcs - b0
    cdef Py_ssize_t lr = _gw_row(q), hp = (q.OH - 1) * q.SH + q.KH, m = np * nq * CH
    cdef Py_ssize_t cw = _gw_cols(q)
    cdef Py_ssize_t n = 0, n1, k, r, p, u, a, ih, gp, gs
    cdef const floating *gr
    cdef floating *w_c
    memset(acc, 0, ka * m * sizeof(floating))
    for u in range(ka * np * nq):
        s[u] = 0
    for u in range(nq):
        xo[u] = ((b0 + u) % q.SW) * (lr // q.SW) + (b0 + u) // q.SW
    while n < N:
        n1 = min(n + GW_FLUSH, N)
        if in_place:
            _gw_sums(go + n * l.yn + o0 * l.yo, l.yo, l.yh, l.yn,
                     x + n * l.xn + c * l.xc + a0 * l.xh, xo, q.SH * l.xh, l.xn, n1 - n, np,
                     nq, acc, q)
        else:
            for k in range(n, n1):
                for r in range(hp):
                    ih = r - q.PT
                    if ih < 0 or ih >= q.H:
                        memset(xb + r * lr, 0, lr * sizeof(floating))
                    else:
                        _load_phases(x + k * l.xn + c * l.xc + ih * l.xh, l.xw, xb + r * lr,
                                     q, lr // q.SW)
                gr, gp, gs = go + k * l.yn + o0 * l.yo, l.yo, l.yh
                if l.yw != 1 or q.OW != cw:   # rows copied, zeros up to cw columns
                    for p in range(np):
                        for r in range(q.OH):
                            _load_row(gr + p * l.yo + r * l.yh, l.yw, gb + (p * q.OH + r) * cw,
                                      q.OW, 0, cw)
                    gr, gp, gs = gb, q.OH * cw, cw
                for a in range(ka):
                    _gw_sums(gr, gp, gs, 0, xb + a * lr, xo, q.SH * lr, 0, 1, np, nq,
                             acc + a * m, q)
        for u in range(ka * np * nq):
            for k in range(CH):
                s[u] += acc[u * CH + k]
                acc[u * CH + k] = 0
        n = n1
    for a in range(ka):
        for p in range(np):
            w_c = gw + _wo(q, l, o0 + p) + ci * l.wc + (a0 + a) * l.wa
            for u in range(nq):
                w_c[(b0 + u) * l.wb] += <floating>(scale * s[(a * np + p) * nq + u])
