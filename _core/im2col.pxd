# Inline im2col / col2im helpers of the convolution kernels (_conv.pyx): one patch row or
# one output plane/sample per call, so a prange over the calls writes disjoint memory and
# every sum runs in a fixed order (results do not depend on the thread count).
from cython cimport floating
from libc.string cimport memcpy, memset
from dense cimport sum8

cdef extern from "bigdl_conv.h" nogil:
    void bdc_copy_f32(float *d, const float *s, Py_ssize_t n)
    void bdc_copy_f64(double *d, const double *s, Py_ssize_t n)
    void bdc_add_row_f32(float *p, const float *s, Py_ssize_t n)
    void bdc_add_row_f64(double *p, const double *s, Py_ssize_t n)


cdef inline void copy_row(floating *d, const floating *s, Py_ssize_t n) noexcept nogil:
    # a short row: inline moves, no libc call (bigdl_conv.h)
    if floating is float:
        bdc_copy_f32(d, s, n)
    else:
        bdc_copy_f64(d, s, n)


cdef struct Geo:
    Py_ssize_t C, H, W, O, OH, OW, KH, KW, SH, SW, PT, PL, G
    Py_ssize_t Ig, Og, Kg, K, S   # per-group in/out planes, patch length per group / all


# ---- valid output columns for one kernel column offset b ----------------------------------
cdef inline void _span(Py_ssize_t n_out, Py_ssize_t stride, Py_ssize_t off, Py_ssize_t n_in,
                       Py_ssize_t *lo, Py_ssize_t *hi) noexcept nogil:
    # j in [lo, hi) <=> 0 <= j*stride + off < n_in
    cdef Py_ssize_t l = 0, h
    if off < 0:
        l = (-off + stride - 1) // stride
    if n_in - off <= 0:
        h = 0
    else:
        h = (n_in - off + stride - 1) // stride
    if h > n_out:
        h = n_out
    if l > h:
        l = h
    lo[0] = l
    hi[0] = h


# ---- NCHW: col (K, M), rows (c, a, b), columns (n, oh, ow) ------------------------
cdef inline void _im2col_row(const floating *x, floating *dst, Py_ssize_t r, Py_ssize_t nb,
                             Geo *q) noexcept nogil:
    # row r = (c, a, b) of col, for every (n, oh, ow) of the block
    cdef Py_ssize_t c = r // (q.KH * q.KW), a = (r // q.KW) % q.KH, b = r % q.KW
    cdef Py_ssize_t n, i, j, ih, lo, hi, off = b - q.PL
    cdef const floating *src
    cdef floating *d
    _span(q.OW, q.SW, off, q.W, &lo, &hi)
    for n in range(nb):
        for i in range(q.OH):
            d = dst + n * q.S + i * q.OW
            ih = i * q.SH - q.PT + a
            if ih < 0 or ih >= q.H:
                memset(d, 0, q.OW * sizeof(floating))
                continue
            src = x + ((n * q.C + c) * q.H + ih) * q.W + off
            for j in range(lo):
                d[j] = 0
            if q.SW == 1:
                copy_row(d + lo, src + lo, hi - lo)
            else:
                for j in range(lo, hi):
                    d[j] = src[j * q.SW]
            for j in range(hi, q.OW):
                d[j] = 0


cdef inline void _col2im_plane(const floating *dcol, floating *plane, Py_ssize_t n,
                               Py_ssize_t c, Py_ssize_t M, Geo *q) noexcept nogil:
    # plane (H, W) of sample n, channel c = sum over (a, b) of dcol rows (c, a, b)
    cdef Py_ssize_t a, b, i, j, ih, lo, hi, off
    cdef const floating *src
    cdef const floating *s
    cdef floating *p
    memset(plane, 0, q.H * q.W * sizeof(floating))
    for a in range(q.KH):
        for b in range(q.KW):
            off = b - q.PL
            _span(q.OW, q.SW, off, q.W, &lo, &hi)
            src = dcol + ((c * q.KH + a) * q.KW + b) * M + n * q.S
            for i in range(q.OH):
                ih = i * q.SH - q.PT + a
                if ih < 0 or ih >= q.H:
                    continue
                p = plane + ih * q.W + off
                s = src + i * q.OW
                if q.SW == 1:
                    if floating is float:
                        bdc_add_row_f32(p + lo, s + lo, hi - lo)
                    else:
                        bdc_add_row_f64(p + lo, s + lo, hi - lo)
                else:
                    for j in range(lo, hi):
                        p[j * q.SW] += s[j]


# ---- NCHW: copies between (O, M) blocks and (N, O, S) arrays, bias sums -----------------
cdef inline void _copy_bias(const floating *src, floating *dst, Py_ssize_t S,
                            const floating *bias, Py_ssize_t o) noexcept nogil:
    cdef Py_ssize_t s
    cdef floating v
    if bias == NULL:
        memcpy(dst, src, S * sizeof(floating))
    else:
        v = bias[o]
        for s in range(S):
            dst[s] = src[s] + v


cdef inline void _fill(floating *dst, floating v, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        dst[j] = v


cdef inline void _gather_g(const floating *g, floating *gs, Py_ssize_t o, Py_ssize_t nb,
                           Py_ssize_t O, Py_ssize_t S) noexcept nogil:
    # gs row o (nb*S) <- g[n, o, :] for n in the block
    cdef Py_ssize_t n
    for n in range(nb):
        memcpy(gs + (o * nb + n) * S, g + (n * O + o) * S, S * sizeof(floating))


cdef inline void _bias_sum_plane(const floating *go, floating *gb, double scale,
                                 Py_ssize_t o, Py_ssize_t N, Py_ssize_t O,
                                 Py_ssize_t S) noexcept nogil:
    cdef double s = 0
    cdef Py_ssize_t n
    for n in range(N):
        s += sum8(go + (n * O + o) * S, S)
    gb[o] += <floating>(scale * s)


# ---- NHWC: col (M, K), rows (n, oh, ow), columns (g, a, b, ci) ---------------------
cdef inline void _im2col_rows_nhwc(const floating *x, floating *col, Py_ssize_t t,
                                   Geo *q) noexcept nogil:
    # the ow patch rows of (n, oh) = divmod(t, OH); columns (g, a, b, ci)
    cdef Py_ssize_t n = t // q.OH, i = t % q.OH, j, g, a, b, ih, iw, lo, hi, ci
    cdef floating *row
    cdef floating *d
    cdef const floating *src
    for j in range(q.OW):
        row = col + (t * q.OW + j) * q.K
        for g in range(q.G):
            for a in range(q.KH):
                d = row + g * q.Kg + a * q.KW * q.Ig
                ih = i * q.SH - q.PT + a
                if ih < 0 or ih >= q.H:
                    memset(d, 0, q.KW * q.Ig * sizeof(floating))
                    continue
                iw = j * q.SW - q.PL
                lo = 0 if iw >= 0 else min(-iw, q.KW)
                hi = q.KW if iw + q.KW <= q.W else q.W - iw
                if hi < lo:
                    hi = lo
                src = x + ((n * q.H + ih) * q.W + iw) * q.C + g * q.Ig
                if lo > 0:
                    memset(d, 0, lo * q.Ig * sizeof(floating))
                if q.G == 1:
                    memcpy(d + lo * q.Ig, src + lo * q.C, (hi - lo) * q.Ig * sizeof(floating))
                else:
                    for b in range(lo, hi):
                        for ci in range(q.Ig):
                            d[b * q.Ig + ci] = src[b * q.C + ci]
                if hi < q.KW:
                    memset(d + hi * q.Ig, 0, (q.KW - hi) * q.Ig * sizeof(floating))


cdef inline void _col2im_sample_nhwc(const floating *dcol, floating *gi, Py_ssize_t n,
                                     Geo *q) noexcept nogil:
    # gi[n] (H, W, C) = sum of the dcol patch rows of sample n, in (oh, ow, g, a, b) order
    cdef Py_ssize_t i, j, g, a, b, ih, iw, ci
    cdef const floating *row
    cdef const floating *s
    cdef floating *d
    cdef floating *base = gi + n * q.H * q.W * q.C
    memset(base, 0, q.H * q.W * q.C * sizeof(floating))
    for i in range(q.OH):
        for j in range(q.OW):
            row = dcol + ((n * q.OH + i) * q.OW + j) * q.K
            for g in range(q.G):
                for a in range(q.KH):
                    ih = i * q.SH - q.PT + a
                    if ih < 0 or ih >= q.H:
                        continue
                    for b in range(q.KW):
                        iw = j * q.SW - q.PL + b
                        if iw < 0 or iw >= q.W:
                            continue
                        s = row + g * q.Kg + (a * q.KW + b) * q.Ig
                        d = base + (ih * q.W + iw) * q.C + g * q.Ig
                        for ci in range(q.Ig):
                            d[ci] += s[ci]
