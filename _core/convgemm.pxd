# The patch-matrix path of SpatialConvolution (_conv.pyx): im2col + one GEMM per group and
# batch block, backward by the transposed GEMMs and a col2im gather (im2col.pxd's helpers).
#
# NCHW: the block's patches are ``col`` (K, M) with rows (c, a, b) and columns (n, oh, ow)
# (M = nb*oh*ow); from PER_SAMPLE_MIN_S positions each sample's ``W_g @ col_g[:, n]`` lands in
# the output (bias filled first), for smaller planes ``Y = W_g @ col_g`` (O, M) is copied back
# to (nb, O, oh*ow) with the bias.  NHWC: patches are rows, ``col`` (M, K) with columns
# (g, a, b, ci), and ``col_g @ W_g`` lands straight in the output (no transposes); a 1x1
# stride-1 unpadded kernel uses the input itself as ``col``.  Backward: ``gW_g += G_g
# col_g^T`` (re-made patches), ``dcol = W_g^T G_g`` into the same scratch, then col2im
# gathers each input plane (NCHW) or sample (NHWC) from dcol in a fixed order, so results do
# not depend on the thread count.
#
# gemm_path runs the blocks: nb samples with nb*(K+O)*oh*ow <= scratch size.  A call gives its
# threads either to the GEMMs or to the copy passes (_blas_team), never both; BLAS runs from
# the serial block loop, never in a prange.
from cython cimport floating
from cython.parallel cimport prange
from rowgemm cimport rowmajor_gemm
from threads cimport team
from dense cimport add_vec
from im2col cimport (Geo, _im2col_row, _col2im_plane, _im2col_rows_nhwc, _col2im_sample_nhwc,
                    _copy_bias, _fill, _gather_g)

cdef enum:
    PER_SAMPLE_MIN_S = 256   # NCHW: a GEMM per sample straight into the output from this plane


cdef struct Block:
    # samples n0 .. n0 + nb of the batch (M = nb * positions), the thread budget of the
    # GEMMs (rowgemm.pxd splits the large ones) and of the copy passes, whose size threshold
    # is par_min
    Py_ssize_t n0, nb, M, par_min
    int nt


cdef inline bint per_sample(Geo *q) noexcept nogil:
    return q.S >= PER_SAMPLE_MIN_S


cdef inline bint rows_are_patches(Geo *q) noexcept nogil:
    # 1x1, stride 1, no padding: the NHWC input rows are the patch rows
    return q.KH == 1 and q.KW == 1 and q.SH == 1 and q.SW == 1 and q.PT == 0 and q.PL == 0 \
        and q.OH == q.H and q.OW == q.W


cdef inline int _nt(Block *b, Py_ssize_t work) noexcept nogil:
    return team(work, b.par_min, b.nt)


cdef inline void _im2col_nchw(const floating *x, floating *col, Geo *q,
                              Block *b) noexcept nogil:
    cdef Py_ssize_t r
    for r in prange(q.K, schedule='static', num_threads=_nt(b, q.K * b.M)):
        _im2col_row(x + b.n0 * q.C * q.H * q.W, col + r * b.M, r, b.nb, q)


cdef inline const floating *_patches_nhwc(const floating *x, floating *scr, Geo *q,
                                          Block *b) noexcept nogil:
    # the block's patch rows: the input itself for a 1x1 kernel, else made in scr
    cdef Py_ssize_t t
    if rows_are_patches(q):
        return x + b.n0 * q.S * q.C
    for t in prange(b.nb * q.OH, schedule='static', num_threads=_nt(b, q.K * b.M)):
        _im2col_rows_nhwc(x + b.n0 * q.H * q.W * q.C, scr, t, q)
    return scr


# ---- one block: NCHW ------------------------------------------------------------------------
cdef inline void _fwd_nchw(const floating *x, const floating *w, const floating *bias,
                           floating *out, floating *scr, Geo *q, Block *b) noexcept nogil:
    cdef Py_ssize_t M = b.M, g, t, n
    cdef floating *ob = out + b.n0 * q.O * q.S
    cdef floating *y = scr + q.K * M
    _im2col_nchw(x, scr, q, b)
    if per_sample(q):
        if bias != NULL:
            for t in prange(b.nb * q.O, schedule='static', num_threads=_nt(b, q.O * M)):
                _fill(ob + t * q.S, bias[t % q.O], q.S)
        for n in range(b.nb):
            for g in range(q.G):
                rowmajor_gemm(False, False, q.Og, q.S, q.Kg, <floating>1, w + g * q.Og * q.Kg,
                              q.Kg, scr + g * q.Kg * M + n * q.S, M, <floating>(bias != NULL),
                              ob + (n * q.O + g * q.Og) * q.S, q.S, b.nt)
        return
    for g in range(q.G):
        rowmajor_gemm(False, False, q.Og, M, q.Kg, <floating>1, w + g * q.Og * q.Kg, q.Kg,
                      scr + g * q.Kg * M, M, <floating>0, y + g * q.Og * M, M, b.nt)
    for t in prange(b.nb * q.O, schedule='static', num_threads=_nt(b, q.O * M)):
        _copy_bias(y + (t % q.O) * M + (t // q.O) * q.S, ob + t * q.S, q.S, bias, t % q.O)


cdef inline void _bwd_nchw(const floating *x, const floating *go, const floating *w,
                           floating *gi, floating *gw, floating scale_w, floating *scr, Geo *q,
                           Block *b) noexcept nogil:
    # per sample: the GEMMs read each sample's gradient in place; else the block's gradient
    # as one (O, nb*S) matrix gs
    cdef Py_ssize_t M = b.M, g, o, t, n, ld = q.S if per_sample(q) else M
    cdef const floating *gb = go + b.n0 * q.O * q.S
    cdef floating *gs = scr + q.K * M
    cdef const floating *gn
    if not per_sample(q):
        for o in prange(q.O, schedule='static', num_threads=_nt(b, q.O * M)):
            _gather_g(gb, gs, o, b.nb, q.O, q.S)
    if scale_w != 0:
        _im2col_nchw(x, scr, q, b)
    for n in range(b.nb if per_sample(q) else 1):
        for g in range(q.G):
            gn = gb + (n * q.O + g * q.Og) * q.S if per_sample(q) else gs + g * q.Og * M
            if scale_w != 0:
                rowmajor_gemm(False, True, q.Og, q.Kg, ld, scale_w, gn, ld,
                              scr + g * q.Kg * M + n * q.S, M, <floating>1,
                              gw + g * q.Og * q.Kg, q.Kg, b.nt)
            if gi != NULL:
                rowmajor_gemm(True, False, q.Kg, ld, q.Og, <floating>1, w + g * q.Og * q.Kg,
                              q.Kg, gn, ld, <floating>0, scr + g * q.Kg * M + n * q.S, M,
                              b.nt)
    if gi != NULL:
        for t in prange(b.nb * q.C, schedule='static', num_threads=_nt(b, q.K * M)):
            _col2im_plane(scr, gi + (b.n0 * q.C + t) * q.H * q.W, t // q.C, t % q.C, M, q)


# ---- one block: NHWC ------------------------------------------------------------------------
cdef inline void _fwd_nhwc(const floating *x, const floating *w, const floating *bias,
                           floating *out, floating *scr, Geo *q, Block *b) noexcept nogil:
    cdef Py_ssize_t g, r
    cdef floating *ob = out + b.n0 * q.S * q.O
    cdef const floating *col = _patches_nhwc(x, scr, q, b)
    for g in range(q.G):
        rowmajor_gemm(False, False, b.M, q.Og, q.Kg, <floating>1, col + g * q.Kg, q.K,
                      w + g * q.Kg * q.Og, q.Og, <floating>0, ob + g * q.Og, q.O, b.nt)
    if bias != NULL:
        for r in prange(b.M, schedule='static', num_threads=_nt(b, q.O * b.M)):
            add_vec(ob + r * q.O, bias, q.O)


cdef inline void _bwd_nhwc(const floating *x, const floating *go, const floating *w,
                           floating *gi, floating *gw, floating scale_w, floating *scr, Geo *q,
                           Block *b) noexcept nogil:
    cdef Py_ssize_t g, t
    cdef const floating *col
    cdef const floating *gb = go + b.n0 * q.S * q.O
    cdef floating *dcol = scr
    if scale_w != 0:
        col = _patches_nhwc(x, scr, q, b)
        for g in range(q.G):
            rowmajor_gemm(True, False, q.Kg, q.Og, b.M, scale_w, col + g * q.Kg, q.K,
                          gb + g * q.Og, q.O, <floating>1, gw + g * q.Kg * q.Og, q.Og, b.nt)
    if gi == NULL:
        return
    if rows_are_patches(q):
        dcol = gi + b.n0 * q.S * q.C
    for g in range(q.G):
        rowmajor_gemm(False, True, b.M, q.Kg, q.Og, <floating>1, gb + g * q.Og, q.O,
                      w + g * q.Kg * q.Og, q.Og, <floating>0, dcol + g * q.Kg, q.K, b.nt)
    if not rows_are_patches(q):
        for t in prange(b.nb, schedule='static', num_threads=_nt(b, q.K * b.M)):
            _col2im_sample_nhwc(scr, gi + b.n0 * q.H * q.W * q.C, t, q)


# ---- the block loop -----------------------------------------------------------------------
cdef inline void gemm_path(const floating *x, const floating *go, const floating *w,
                           const floating *bias, floating *out, floating *gi, floating *gw,
                           floating scale_w, floating *scr, Py_ssize_t N, Py_ssize_t nb_max,
                           Geo *q, bint nhwc, Py_ssize_t par_min,
                           int n_threads) noexcept nogil:
    # forward (go NULL: out = conv(x) + bias) or both backward phases (gi and/or gw, the
    # latter when scale_w != 0), block after block of at most nb_max samples
    cdef Block b
    b.nt = n_threads
    b.par_min = par_min
    b.n0 = 0
    while b.n0 < N:
        b.nb = min(nb_max, N - b.n0)
        b.M = b.nb * q.S
        if go == NULL and nhwc:
            _fwd_nhwc(x, w, bias, out, scr, q, &b)
        elif go == NULL:
            _fwd_nchw(x, w, bias, out, scr, q, &b)
        elif nhwc:
            _bwd_nhwc(x, go, w, gi, gw, scale_w, scr, q, &b)
        else:
            _bwd_nchw(x, go, w, gi, gw, scale_w, scr, q, &b)
        b.n0 += b.nb
