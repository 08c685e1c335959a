# Winograd F(4x4, 3x3) tile transforms of _winograd.pyx (Lavin & Gray 2015): a 6x6 input
# tile d becomes V = B^T d B, a 3x3 filter g becomes U = G g G^T, and A^T (U . V) A is the
# tile's 4x4 output.  For the weight gradient a 4x4 output-gradient tile e becomes
# Z = A e A^T and sum(Z . V) over tiles is pulled back to the filter by G^T (.) G.
# One tile and one channel per call, every sum in a fixed order: a prange over calls writes
# disjoint memory and the results do not depend on the thread count.
from cython cimport floating
from libc.string cimport memcpy, memset


cdef extern from "bigdl_winograd.h":
    # the vector loops; dbl: the pointers are to double (else float)
    void bt_rows "bwg_bt_rows"(const void *d, void *r, Py_ssize_t o, Py_ssize_t n,
                               bint dbl) noexcept nogil
    void bt_gather4 "bwg_bt_gather4"(const void *s, void *r, Py_ssize_t o, Py_ssize_t n,
                                     bint dbl) noexcept nogil
    void at_rows "bwg_at_rows"(const void *d, void *r, const void *add, Py_ssize_t n,
                               bint dbl) noexcept nogil
    void at_scatter4 "bwg_at_scatter4"(const void *d, void *r, double b, Py_ssize_t n,
                                       bint dbl) noexcept nogil
    void a_rows "bwg_a_rows"(const void *d, void *r, Py_ssize_t o, Py_ssize_t n,
                             bint dbl) noexcept nogil
    void a_gather4 "bwg_a_gather4"(const void *s, void *r, Py_ssize_t o, Py_ssize_t n,
                                   bint dbl) noexcept nogil
    const double zeros "bwg_zeros"[]   # BWG_ZLEN (72) values, >= CH and ROW


cdef struct Pass:
    # one convolution pass: Ci input planes (H x W) -> Co output planes (OH x OW), 3x3
    # window at (4*ti - PT, 4*tj - PL) for output tile (ti, tj); TH x TW tiles per sample
    Py_ssize_t N, Ci, Co, H, W, OH, OW, PT, PL, TH, TW, T
    bint nhwc


cdef inline void _g3(const double *g, Py_ssize_t s, double *r, Py_ssize_t o) noexcept nogil:
    # r (6) = G g (3), in double
    cdef double g0 = g[0], g1 = g[s], g2 = g[2 * s]
    r[0] = g0 / 4
    r[o] = -(g0 + g1 + g2) / 6
    r[2 * o] = -(g0 - g1 + g2) / 6
    r[3 * o] = g0 / 24 + g1 / 12 + g2 / 6
    r[4 * o] = g0 / 24 - g1 / 12 + g2 / 6
    r[5 * o] = g2


cdef inline void _gt6(const double *u, Py_ssize_t s, double *r, Py_ssize_t o) noexcept nogil:
    # r (3) = G^T u (6), in double
    cdef double u1 = u[s], u2 = u[2 * s], u3 = u[3 * s], u4 = u[4 * s]
    r[0] = u[0] / 4 - (u1 + u2) / 6 + (u3 + u4) / 24
    r[o] = (u2 - u1) / 6 + (u3 - u4) / 12
    r[2 * o] = (u3 + u4 - u1 - u2) / 6 + u[5 * s]


# ---- tile transforms ------------------------------------------------------------------------
# NHWC: one tile, every channel (CH at a time).  NCHW: one plane and one row of tiles (TCH
# tiles at a time); the block holds whole rows of tiles.  tmp lives on each call's stack;
# rows and columns outside the input read bwg_zeros.
cdef enum:
    CH = 64              # channels per step (NHWC)
    TCH = 16             # tiles per step (NCHW)
    ROW = 4 * TCH + 2    # input columns of TCH tiles


cdef inline void _tile_at(Pass *q, Py_ssize_t t, Py_ssize_t *n, Py_ssize_t *r0,
                          Py_ssize_t *c0) noexcept nogil:
    # sample and first output row/column of tile t
    cdef Py_ssize_t r = t % (q.TH * q.TW)
    n[0], r0[0], c0[0] = t // (q.TH * q.TW), (r // q.TW) * 4, (r % q.TW) * 4


cdef inline void _xf(const floating **d, floating *r, Py_ssize_t o, Py_ssize_t n, bint grad,
                     bint dbl) noexcept nogil:
    if grad:
        a_rows(d, r, o, n, dbl)
    else:
        bt_rows(d, r, o, n, dbl)


cdef inline void in_nhwc(const floating *s, Py_ssize_t h, Py_ssize_t w, Py_ssize_t ch,
                         Py_ssize_t r0, Py_ssize_t c0, bint grad, floating *v,
                         Py_ssize_t vp) noexcept nogil:
    # One NHWC tile of a sample s (h x w x ch) at row r0, column c0 (zeros outside):
    # v[p * vp + k] = (B^T d_k B)[p] of the 6x6 tile d, or with grad (A e_k A^T)[p] of the
    # 4x4 output-gradient tile e (positions past the output are computed by the forward
    # pass but not kept: zeros)
    cdef bint dbl = sizeof(floating) == 8
    cdef const floating *zero = <const floating *>zeros
    cdef floating tmp[36 * CH]
    cdef const floating *d[6]
    cdef Py_ssize_t nin = 4 if grad else 6, i, j, k0, k0_, nk
    for k0_ in range((ch + CH - 1) // CH):
        k0 = k0_ * CH
        nk = min(CH, ch - k0)
        for j in range(nin):   # columns: tmp[(a * nin + j) * CH + k], a < 6
            for i in range(nin):
                d[i] = s + ((r0 + i) * w + c0 + j) * ch + k0 \
                    if 0 <= r0 + i < h and 0 <= c0 + j < w else zero
            _xf(d, tmp + j * CH, nin * CH, nk, grad, dbl)
        for i in range(6):     # rows
            for j in range(nin):
                d[j] = tmp + (i * nin + j) * CH
            _xf(d, v + i * 6 * vp + k0, vp, nk, grad, dbl)


cdef inline void in_nchw(const floating *plane, Py_ssize_t h, Py_ssize_t w, Py_ssize_t r0,
                         Py_ssize_t pl, Py_ssize_t tw, bint grad, floating *v,
                         Py_ssize_t vp) noexcept nogil:
    # One row of tw NCHW tiles of a plane (h x w) from row r0, column -pl (zeros outside):
    # v[p * vp + tj] = (B^T d B)[p] of tile tj, or with grad (A e A^T)[p] (as in_nhwc)
    cdef Py_ssize_t nin = 4 if grad else 6, i, tj, tj_, nt, c0, lo, hi, u, span
    cdef floating tmp[6 * ROW]   # the columns' transforms along the row: tmp[a * ROW + col]
    cdef const floating *d[6]
    cdef const floating *zero = <const floating *>zeros
    cdef bint dbl = sizeof(floating) == 8
    for tj_ in range((tw + TCH - 1) // TCH):
        tj = tj_ * TCH
        nt = min(TCH, tw - tj)
        c0, span = tj * 4 - pl, 4 * nt + nin - 4
        lo, hi = max(0, -c0), min(span, w - c0)
        for i in range(nin):   # columns, vectorised along the row
            d[i] = plane + (r0 + i) * w + c0 + lo if 0 <= r0 + i < h else zero
        for i in range(6):
            for u in range(span):
                if u < lo or u >= hi:
                    tmp[i * ROW + u] = 0
        if hi > lo:
            _xf(d, tmp + lo, ROW, hi - lo, grad, dbl)
        for i in range(6):     # rows: each tile's window of tmp
            if grad:
                a_gather4(tmp + i * ROW, v + i * 6 * vp + tj, vp, nt, dbl)
            else:
                bt_gather4(tmp + i * ROW, v + i * 6 * vp + tj, vp, nt, dbl)


cdef inline void _at_columns(const floating *m, Py_ssize_t mp, floating *tmp, Py_ssize_t st,
                             Py_ssize_t n, bint dbl) noexcept nogil:
    # tmp[(a * 6 + j) * st + c] = (A^T m_c)[a, j] over the columns j of the 6x6 tiles
    # m_c[i, j] = m[(i * 6 + j) * mp + c], c < n
    cdef const floating *d[6]
    cdef floating *r[4]
    cdef Py_ssize_t i, j
    for j in range(6):
        for i in range(6):
            d[i] = m + (i * 6 + j) * mp
        for i in range(4):
            r[i] = tmp + (i * 6 + j) * st
        at_rows(d, r, NULL, n, dbl)


cdef inline void out_nhwc(const floating *m, Py_ssize_t mp, const floating *bias,
                          floating *y, Pass *q, Py_ssize_t t) noexcept nogil:
    # outputs of tile t (the part inside the output) = A^T m A (+ bias), m[p * mp + k]
    cdef bint dbl = sizeof(floating) == 8
    cdef floating tmp[24 * CH]
    cdef floating junk[CH]
    cdef const floating *d[6]
    cdef floating *r[4]
    cdef Py_ssize_t n, r0, c0, i, j, k0, k0_, nk
    _tile_at(q, t, &n, &r0, &c0)
    for k0_ in range((q.Co + CH - 1) // CH):
        k0 = k0_ * CH
        nk = min(CH, q.Co - k0)
        _at_columns(m + k0, mp, tmp, CH, nk, dbl)
        for i in range(min(4, q.OH - r0)):
            for j in range(6):
                d[j] = tmp + (i * 6 + j) * CH
            for j in range(4):
                r[j] = y + ((n * q.OH + r0 + i) * q.OW + c0 + j) * q.Co + k0 \
                    if c0 + j < q.OW else junk
            at_rows(d, r, bias + k0 if bias != NULL else NULL, nk, dbl)


cdef inline void out_nchw(const floating *m, Py_ssize_t mp, floating b, floating *y,
                          Pass *q, Py_ssize_t row, Py_ssize_t k) noexcept nogil:
    # plane k of tile row `row` = A^T m A + b, m[p * mp + tj]
    cdef bint dbl = sizeof(floating) == 8
    cdef floating tmp[24 * TCH]
    cdef floating line[4 * TCH]
    cdef const floating *d[6]
    cdef floating *r[4]
    cdef Py_ssize_t n = row // q.TH, r0 = (row % q.TH) * 4, i, j, tj, tj_, nt, w
    cdef floating *plane = y + (n * q.Co + k) * q.OH * q.OW
    for tj_ in range((q.TW + TCH - 1) // TCH):
        tj = tj_ * TCH
        nt = min(TCH, q.TW - tj)
        w = min(4 * nt, q.OW - 4 * tj)
        _at_columns(m + tj, mp, tmp, TCH, nt, dbl)
        for i in range(min(4, q.OH - r0)):
            for j in range(6):
                d[j] = tmp + (i * 6 + j) * TCH
            if w == 4 * nt:
                at_scatter4(d, plane + (r0 + i) * q.OW + 4 * tj, b, nt, dbl)
            else:
                at_scatter4(d, line, b, nt, dbl)
                memcpy(plane + (r0 + i) * q.OW + 4 * tj, line, w * sizeof(floating))


# ---- filter transforms (in double) ---------------------------------------------------------
cdef inline void filter_tile(const floating *w, Py_ssize_t sa, Py_ssize_t sb, bint flip,
                             floating *u, Py_ssize_t up) noexcept nogil:
    # u[p * up] = (G g G^T)[p], g[a, b] = w[a * sa + b * sb] (rotated 180 degrees if flip)
    cdef double g[9]
    cdef double h[18]
    cdef double r[36]
    cdef Py_ssize_t a, b
    for a in range(3):
        for b in range(3):
            g[a * 3 + b] = w[(2 - a if flip else a) * sa + (2 - b if flip else b) * sb]
    for b in range(3):
        _g3(g + b, 3, h + b, 3)
    for a in range(6):
        _g3(h + a * 3, 1, r + a * 6, 1)
    for a in range(36):
        u[a * up] = <floating>r[a]


cdef inline void filter_grad(const floating *du, Py_ssize_t up, floating *w, Py_ssize_t sa,
                             Py_ssize_t sb, double scale) noexcept nogil:
    # w[a * sa + b * sb] += scale * (G^T du G)[a, b]
    cdef double u[36]
    cdef double h[18]
    cdef double r[9]
    cdef Py_ssize_t a, b
    for a in range(36):
        u[a] = du[a * up]
    for b in range(6):
        _gt6(u + b, 6, h + b, 6)
    for a in range(3):
        _gt6(h + a * 6, 1, r + a * 3, 1)
    for a in range(3):
        for b in range(3):
            w[a * sa + b * sb] += <floating>(scale * r[a * 3 + b])
