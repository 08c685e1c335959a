"""Kernels of SpatialConvolution: patch matrix (im2col) + one GEMM per group and batch block.

NCHW: the block's patches are ``col`` (K, M) with rows (c, a, b) and columns (n, oh, ow)
(M = nb*oh*ow); from PER_SAMPLE_MIN_S positions each sample's ``W_g @ col_g[:, n]`` lands
in the output (bias filled first), for smaller planes ``Y = W_g @ col_g`` (O, M) is copied
back to (nb, O, oh*ow) with the bias.
NHWC: patches are rows, ``col`` (M, K) with columns (g, a, b, ci), and ``col_g @ W_g`` lands
straight in the output (no transposes); a 1x1 stride-1 unpadded kernel uses the input itself
as ``col``.  Backward: ``gW_g += G_g col_g^T`` (re-made patches), ``dcol = W_g^T G_g`` into
the same scratch, then col2im gathers each input plane (NCHW) or sample (NHWC) from dcol in
a fixed order, so results do not depend on the thread count.

Few weights per group (LeNet's first layer) take the direct kernels of convdirect.pxd: no
patch matrix and no BLAS.  A call gives its threads either to the GEMMs or to the passes
(_blas_team), never both.

Every ``def`` validates with the GIL held, then makes one ``nogil`` call into work that
cannot fail.  The scratch comes from the caller and bounds the block: nb samples with
nb*(K+O)*oh*ow <= scratch size.  BLAS runs from the serial block loop, never in a prange.
"""
from cython cimport floating
from cython.parallel cimport prange
from rowgemm cimport rowmajor_gemm, GEMM_PAR_MIN
from threads cimport attach_blas, team
from dense cimport add_vec, sum8, colsum_block, COL_BLOCK
from im2col cimport (Geo, _im2col_row, _col2im_plane, _im2col_rows_nhwc, _col2im_sample_nhwc,
                    _copy_bias, _fill, _gather_g, _bias_sum_plane)
from convdirect cimport (Lay, _lay, direct_fits, direct_pays, direct_fwd_row, direct_gin_row,
                        direct_gin_block, gin_rows, direct_gw_pair)


# Elements of a copy pass (im2col, col2im, bias copy) from which it uses n_threads: below
# it the OpenMP team costs more than it saves next to BLAS's spinning workers (tests set 0).
cdef enum:
    PAR_MIN = 1 << 18

include "par_threshold.pxi"


cdef inline int _nt(Py_ssize_t work, int n_threads) noexcept nogil:
    return team(work, _par_min, n_threads)


# Which kernels run: -1 chooses (direct for few weights per group, convdirect.pxd), 0 always
# patch matrix + GEMM, 1 direct wherever its buffers fit (tests run both on every case).
cdef int _direct_mode = -1
_PATHS = {"auto": -1, "gemm": 0, "direct": 1}


def _set_path(str path):
    """Force "gemm" or "direct" kernels, or "auto"; returns the previous setting."""
    global _direct_mode
    old = [k for k, v in _PATHS.items() if v == _direct_mode][0]
    _direct_mode = _PATHS[path]
    return old


include "simd_switch.pxi"


cdef inline bint _use_direct(Geo *q) noexcept nogil:
    return _direct_mode != 0 and direct_fits(q) and (_direct_mode == 1 or direct_pays(q))


# ---- direct kernels (no patch matrix, no BLAS) -----------------------------------------
cdef void _fwd_direct(const floating *x, const floating *w, const floating *bias,
                      floating *out, Py_ssize_t N, Geo *q, bint nhwc,
                      int n_threads) noexcept nogil:
    cdef Lay l = _lay(q, nhwc)
    cdef Py_ssize_t t
    cdef int nt = _nt(N * q.S * q.O, n_threads)
    for t in prange(N * q.OH, schedule='static', num_threads=nt):
        direct_fwd_row(x, w, bias, out, t, q, &l)


cdef void _bwd_direct(const floating *x, const floating *go, const floating *w, floating *gi,
                      floating *gw, floating scale_w, Py_ssize_t N, Geo *q, bint nhwc,
                      int n_threads) noexcept nogil:
    cdef Lay l = _lay(q, nhwc)
    cdef Py_ssize_t t
    cdef int nt = _nt(N * q.S * q.O, n_threads)
    cdef Py_ssize_t blocks = (q.H + gin_rows(q) - 1) // gin_rows(q)
    if gi != NULL and q.SW == 1:
        for t in prange(N * blocks, schedule='static', num_threads=nt):
            direct_gin_block(go, w, gi, t, q, &l)
    elif gi != NULL:
        for t in prange(N * q.H, schedule='static', num_threads=nt):
            direct_gin_row(go, w, gi, t, q, &l)
    if scale_w != 0:
        for t in prange(q.O * q.Ig, schedule='static', num_threads=nt):
            direct_gw_pair(x, go, gw, scale_w, N, t, q, &l)


# ---- thread plan of the patch-matrix path ----------------------------------------------
cdef enum:
    PER_SAMPLE_MIN_S = 256   # NCHW: a GEMM per sample straight into the output from this plane
    BLAS_MIN_OG = 16         # output planes per group from which the GEMMs take the threads


cdef inline bint _per_sample(Geo *q) noexcept nogil:
    return q.S >= PER_SAMPLE_MIN_S


cdef inline int _blas_team(Geo *q, Py_ssize_t cols, int n_threads) noexcept nogil:
    # Threads of the GEMMs (Og x cols x Kg each); the copy passes of the same call then run
    # serially (1 returned: they use n_threads).  Never both: OpenBLAS's workers spin ~0.1 s
    # after a GEMM and OpenMP's after a pass, so alternating parallel GEMMs and parallel
    # passes keeps three busy threads on two cores.  Wide GEMMs are most of the work, so
    # they get the threads; thin ones (few planes) leave them to the passes.
    if q.Og >= BLAS_MIN_OG and <double>q.Og * q.Kg * cols >= GEMM_PAR_MIN:
        return n_threads
    return 1


# ---- NCHW ---------------------------------------------------------------------------------
cdef void _fwd_nchw(const floating *x, const floating *w, const floating *bias,
                    floating *out, floating *scr, Py_ssize_t N, Py_ssize_t nb_max, Geo *q,
                    int n_threads) noexcept nogil:
    cdef Py_ssize_t n0, nb, M, g, r, t, n
    cdef bint per = _per_sample(q)
    cdef floating *col = scr
    cdef floating *y
    cdef floating *ob
    cdef const floating *xb
    cdef int bnt = _blas_team(q, q.S if per else nb_max * q.S, n_threads)
    cdef int pt = 1 if bnt > 1 else n_threads
    cdef int nt
    n0 = 0
    while n0 < N:
        nb = min(nb_max, N - n0)
        M = nb * q.S
        xb = x + n0 * q.C * q.H * q.W
        ob = out + n0 * q.O * q.S
        nt = _nt(q.K * M, pt)
        for r in prange(q.K, schedule='static', num_threads=nt):
            _im2col_row(xb, col + r * M, r, nb, q)
        nt = _nt(q.O * M, pt)
        if per:
            if bias != NULL:
                for t in prange(nb * q.O, schedule='static', num_threads=nt):
                    _fill(ob + t * q.S, bias[t % q.O], q.S)
            for n in range(nb):
                for g in range(q.G):
                    rowmajor_gemm(False, False, q.Og, q.S, q.Kg, <floating>1,
                                  w + g * q.Og * q.Kg, q.Kg, col + g * q.Kg * M + n * q.S, M,
                                  <floating>(bias != NULL), ob + (n * q.O + g * q.Og) * q.S,
                                  q.S, bnt)
        else:
            y = scr + q.K * M
            for g in range(q.G):
                rowmajor_gemm(False, False, q.Og, M, q.Kg, <floating>1, w + g * q.Og * q.Kg,
                              q.Kg, col + g * q.Kg * M, M, <floating>0, y + g * q.Og * M, M,
                              bnt)
            for t in prange(nb * q.O, schedule='static', num_threads=nt):
                _copy_bias(y + (t % q.O) * M + (t // q.O) * q.S, ob + t * q.S, q.S, bias,
                           t % q.O)
        n0 += nb


cdef void _bwd_nchw(const floating *x, const floating *go, const floating *w, floating *gi,
                    floating *gw, floating scale_w, floating *scr, Py_ssize_t N,
                    Py_ssize_t nb_max, Geo *q, int n_threads) noexcept nogil:
    cdef Py_ssize_t n0, nb, M, g, r, o, t, n
    cdef bint per = _per_sample(q)
    cdef floating *col = scr
    cdef floating *gs
    cdef const floating *xb
    cdef const floating *gb
    cdef int bnt = _blas_team(q, q.S if per else nb_max * q.S, n_threads)
    cdef int pt = 1 if bnt > 1 else n_threads
    cdef int nt
    n0 = 0
    while n0 < N:
        nb = min(nb_max, N - n0)
        M = nb * q.S
        xb = x + n0 * q.C * q.H * q.W
        gb = go + n0 * q.O * q.S
        gs = scr + q.K * M
        nt = _nt(q.O * M, pt)
        if not per:  # the block's gradient as one (O, nb*S) matrix
            for o in prange(q.O, schedule='static', num_threads=nt):
                _gather_g(gb, gs, o, nb, q.O, q.S)
        nt = _nt(q.K * M, pt)
        if scale_w != 0:
            for r in prange(q.K, schedule='static', num_threads=nt):
                _im2col_row(xb, col + r * M, r, nb, q)
            for n in range(nb if per else 1):
                for g in range(q.G):
                    if per:
                        rowmajor_gemm(False, True, q.Og, q.Kg, q.S, scale_w,
                                      gb + (n * q.O + g * q.Og) * q.S, q.S,
                                      col + g * q.Kg * M + n * q.S, M, <floating>1,
                                      gw + g * q.Og * q.Kg, q.Kg, bnt)
                    else:
                        rowmajor_gemm(False, True, q.Og, q.Kg, M, scale_w, gs + g * q.Og * M,
                                      M, col + g * q.Kg * M, M, <floating>1,
                                      gw + g * q.Og * q.Kg, q.Kg, bnt)
        if gi != NULL:
            for n in range(nb if per else 1):
                for g in range(q.G):
                    if per:
                        rowmajor_gemm(True, False, q.Kg, q.S, q.Og, <floating>1,
                                      w + g * q.Og * q.Kg, q.Kg,
                                      gb + (n * q.O + g * q.Og) * q.S, q.S, <floating>0,
                                      col + g * q.Kg * M + n * q.S, M, bnt)
                    else:
                        rowmajor_gemm(True, False, q.Kg, M, q.Og, <floating>1,
                                      w + g * q.Og * q.Kg, q.Kg, gs + g * q.Og * M, M,
                                      <floating>0, col + g * q.Kg * M, M, bnt)
            for t in prange(nb * q.C, schedule='static', num_threads=nt):
                _col2im_plane(col, gi + (n0 * q.C + t) * q.H * q.W, t // q.C, t % q.C, M, q)
        n0 += nb


cdef void _bias_sums_nchw(const floating *go, floating *gb, double scale, Py_ssize_t N,
                          Py_ssize_t O, Py_ssize_t S, int nt) noexcept nogil:
    cdef Py_ssize_t o
    for o in prange(O, schedule='static', num_threads=nt):
        _bias_sum_plane(go, gb, scale, o, N, O, S)


# ---- NHWC ---------------------------------------------------------------------------------
cdef inline bint _direct(Geo *q) noexcept nogil:
    # 1x1, stride 1, no padding: the NHWC input rows are the patch rows
    return q.KH == 1 and q.KW == 1 and q.SH == 1 and q.SW == 1 and q.PT == 0 and q.PL == 0 \
        and q.OH == q.H and q.OW == q.W


cdef void _fwd_nhwc(const floating *x, const floating *w, const floating *bias,
                    floating *out, floating *scr, Py_ssize_t N, Py_ssize_t nb_max, Geo *q,
                    int n_threads) noexcept nogil:
    cdef Py_ssize_t n0, nb, M, g, t, r
    cdef const floating *col
    cdef floating *ob
    cdef int bnt = _blas_team(q, nb_max * q.S, n_threads)
    cdef int pt = 1 if bnt > 1 else n_threads
    cdef int nt
    n0 = 0
    while n0 < N:
        nb = min(nb_max, N - n0)
        M = nb * q.S
        ob = out + n0 * q.S * q.O
        if _direct(q):
            col = x + n0 * q.S * q.C
        else:
            col = scr
            nt = _nt(q.K * M, pt)
            for t in prange(nb * q.OH, schedule='static', num_threads=nt):
                _im2col_rows_nhwc(x + n0 * q.H * q.W * q.C, scr, t, q)
        for g in range(q.G):
            rowmajor_gemm(False, False, M, q.Og, q.Kg, <floating>1, col + g * q.Kg, q.K,
                          w + g * q.Kg * q.Og, q.Og, <floating>0, ob + g * q.Og, q.O, bnt)
        if bias != NULL:
            nt = _nt(q.O * M, pt)
            for r in prange(M, schedule='static', num_threads=nt):
                add_vec(ob + r * q.O, bias, q.O)
        n0 += nb


cdef void _bwd_nhwc(const floating *x, const floating *go, const floating *w, floating *gi,
                    floating *gw, floating scale_w, floating *scr, Py_ssize_t N,
                    Py_ssize_t nb_max, Geo *q, int n_threads) noexcept nogil:
    cdef Py_ssize_t n0, nb, M, g, t
    cdef const floating *col
    cdef const floating *gb
    cdef floating *dcol
    cdef bint direct = _direct(q)
    cdef int bnt = _blas_team(q, nb_max * q.S, n_threads)
    cdef int pt = 1 if bnt > 1 else n_threads
    cdef int nt
    n0 = 0
    while n0 < N:
        nb = min(nb_max, N - n0)
        M = nb * q.S
        gb = go + n0 * q.S * q.O
        nt = _nt(q.K * M, pt)
        if scale_w != 0:
            if direct:
                col = x + n0 * q.S * q.C
            else:
                col = scr
                for t in prange(nb * q.OH, schedule='static', num_threads=nt):
                    _im2col_rows_nhwc(x + n0 * q.H * q.W * q.C, scr, t, q)
            for g in range(q.G):
                rowmajor_gemm(True, False, q.Kg, q.Og, M, scale_w, col + g * q.Kg, q.K,
                              gb + g * q.Og, q.O, <floating>1, gw + g * q.Kg * q.Og, q.Og, bnt)
        if gi != NULL:
            dcol = gi + n0 * q.S * q.C if direct else scr
            for g in range(q.G):
                rowmajor_gemm(False, True, M, q.Kg, q.Og, <floating>1, gb + g * q.Og, q.O,
                              w + g * q.Kg * q.Og, q.Og, <floating>0, dcol + g * q.Kg, q.K, bnt)
            if not direct:
                for t in prange(nb, schedule='static', num_threads=nt):
                    _col2im_sample_nhwc(scr, gi + n0 * q.H * q.W * q.C, t, q)
        n0 += nb


cdef void _bias_sums_rows(const floating *go, floating *gb, double scale, Py_ssize_t R,
                          Py_ssize_t O, int nt) noexcept nogil:
    # column sums of go (R, O), column blocks each summed down all rows by one thread
    cdef Py_ssize_t wd = (O + nt - 1) // nt, blk, nblk
    wd = (wd + 7) // 8 * 8
    if wd > COL_BLOCK:
        wd = COL_BLOCK
    nblk = (O + wd - 1) // wd
    for blk in prange(nblk, schedule='static', num_threads=nt):
        colsum_block(go, R, O, blk * wd, min(blk * wd + wd, O), gb, scale, 1)


# ---- Python entry points -----------------------------------------------------------------
def _fail(expected, got):
    raise ValueError(f"conv: expected {expected}, got {got}")


def _dims(a):
    return None if a is None else tuple(a.shape[:a.ndim])


cdef Geo _geometry(x, weight, out, tuple kernel, bint nhwc, Py_ssize_t groups) except *:
    """Geo of x (N, C, H, W) / (N, H, W, C) -> out, kernel = (kh, kw, sh, sw, pt, pl); the
    weight's size checked unless it is None."""
    cdef Geo q
    q.KH, q.KW, q.SH, q.SW, q.PT, q.PL = kernel
    q.G = groups
    if nhwc:
        _, q.H, q.W, q.C = x.shape[:4]
        _, q.OH, q.OW, q.O = out.shape[:4]
    else:
        _, q.C, q.H, q.W = x.shape[:4]
        _, q.O, q.OH, q.OW = out.shape[:4]
    if not (q.G >= 1 and q.C % q.G == 0 and q.O % q.G == 0 and min(q.KH, q.KW, q.SH, q.SW) >= 1
            and q.PT >= 0 and q.PL >= 0 and out.shape[0] == x.shape[0]):
        _fail("planes divisible by groups, positive kernel and stride, pads >= 0, "
              "matching batch", f"x {_dims(x)}, out {_dims(out)}, kernel {kernel}, "
              f"groups {groups}")
    q.Ig, q.Og = q.C // q.G, q.O // q.G
    q.Kg = q.Ig * q.KH * q.KW
    q.K, q.S = q.Kg * q.G, q.OH * q.OW
    if q.OH < 1 or q.OW < 1:
        _fail("an output of at least 1x1", f"{q.OH}x{q.OW}")
    if weight is not None and weight.shape[0] != q.G * q.Og * q.Kg:
        _fail(f"a weight of {q.G * q.Og * q.Kg} values", weight.shape[0])
    return q


cdef Py_ssize_t _block(Geo *q, Py_ssize_t N, Py_ssize_t scratch, bint nhwc,
                       bint need) except -1:
    """Samples per block for a scratch of ``scratch`` values (all of N when none needed)."""
    cdef Py_ssize_t per = (q.K if nhwc or _per_sample(q) else q.K + q.O) * q.S, nb
    if max(q.K, q.O, q.S) >= 2 ** 31:
        _fail("patch length, planes and positions below 2**31 (BLAS int)", (q.K, q.O, q.S))
    if not need:
        return min(N, (2 ** 31 - 1) // q.S)
    if scratch < per:
        _fail(f"scratch of at least {per} values", scratch)
    return min(N, scratch // per, (2 ** 31 - 1) // q.S)


def scratch_per_sample(x, out, tuple kernel, bint nhwc, Py_ssize_t groups):
    """Scratch values one sample of ``x`` -> ``out`` needs (arguments as :func:`forward`):
    0 on the direct kernels and for an NHWC 1x1 kernel that reads the input as its patches;
    else K * positions (NHWC, and NCHW from PER_SAMPLE_MIN_S positions, whose GEMMs write the
    output), or (K + O) * positions (K = patch length)."""
    cdef Geo q = _geometry(x, None, out, kernel, nhwc, groups)
    if _use_direct(&q) or (nhwc and _direct(&q)):
        return 0
    if nhwc or _per_sample(&q):
        return q.K * q.S
    return (q.K + q.O) * q.S


def forward(const floating[:, :, :, ::1] x, const floating[::1] weight,
            const floating[::1] bias, floating[:, :, :, ::1] out, tuple kernel, bint nhwc,
            Py_ssize_t groups, floating[::1] scratch, int n_threads):
    """``out = conv(x, weight) + bias``: x and out 4-D in one layout (``nhwc``), weight flat in
    BigDL's layout ((G, O/G, C/G, kh, kw) NCHW, (G, kh, kw, C/G, O/G) NHWC), bias (O,) or
    None, kernel = (kh, kw, sh, sw, pad_top, pad_left); bottom/right pads follow from the
    output size.  ``scratch`` bounds the batch block (see :func:`scratch_per_sample`)."""
    cdef Geo q = _geometry(x, weight, out, kernel, nhwc, groups)
    cdef Py_ssize_t N = x.shape[0]
    if bias is not None and bias.shape[0] != q.O:
        _fail(f"bias of {q.O} values", bias.shape[0])
    if N == 0:
        return
    cdef bint direct = _use_direct(&q)
    cdef Py_ssize_t nb = _block(&q, N, 0 if scratch is None else scratch.shape[0], nhwc,
                                not direct and not (nhwc and _direct(&q)))
    cdef floating *scr = &scratch[0] if scratch is not None else NULL
    cdef const floating *b = &bias[0] if bias is not None else NULL
    attach_blas()
    with nogil:
        if direct:
            _fwd_direct(&x[0, 0, 0, 0], &weight[0], b, &out[0, 0, 0, 0], N, &q, nhwc,
                        n_threads)
        elif nhwc:
            _fwd_nhwc(&x[0, 0, 0, 0], &weight[0], b, &out[0, 0, 0, 0], scr, N, nb, &q,
                      n_threads)
        else:
            _fwd_nchw(&x[0, 0, 0, 0], &weight[0], b, &out[0, 0, 0, 0], scr, N, nb, &q,
                      n_threads)


def backward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] grad_output,
             const floating[::1] weight, floating[:, :, :, ::1] grad_input,
             floating[::1] grad_weight, floating[::1] grad_bias, double scale_w,
             double scale_b, tuple kernel, bint nhwc, Py_ssize_t groups,
             floating[::1] scratch, int n_threads):
    """Both backward phases: ``grad_input`` (skipped when None) = col2im(W^T G);
    ``grad_weight += scale_w * G col^T``; ``grad_bias += scale_b * sums of G`` (None or a
    zero scale skips its term).  Arguments as :func:`forward`."""
    cdef Geo q = _geometry(x, weight, grad_output, kernel, nhwc, groups)
    cdef Py_ssize_t N = x.shape[0]
    if grad_input is not None and _dims(grad_input) != _dims(x):
        _fail(f"grad_input like x {_dims(x)}", _dims(grad_input))
    if grad_weight.shape[0] != weight.shape[0]:
        _fail(f"grad_weight of {weight.shape[0]} values", grad_weight.shape[0])
    if grad_bias is not None and grad_bias.shape[0] != q.O:
        _fail(f"grad_bias of {q.O} values", grad_bias.shape[0])
    if N == 0:
        return
    cdef bint do_w = scale_w != 0, do_i = grad_input is not None
    cdef bint direct = _use_direct(&q)
    cdef Py_ssize_t nb = _block(&q, N, 0 if scratch is None else scratch.shape[0], nhwc,
                                (do_w or do_i) and not direct and not (nhwc and _direct(&q)))
    cdef floating *scr = &scratch[0] if scratch is not None else NULL
    cdef floating *gi = &grad_input[0, 0, 0, 0] if do_i else NULL
    cdef int nt = _nt(N * q.S * q.O, n_threads)
    attach_blas()
    with nogil:
        if grad_bias is not None and scale_b != 0:
            if nhwc:
                _bias_sums_rows(&grad_output[0, 0, 0, 0], &grad_bias[0], scale_b, N * q.S,
                                q.O, nt)
            else:
                _bias_sums_nchw(&grad_output[0, 0, 0, 0], &grad_bias[0], scale_b, N, q.O,
                                q.S, nt)
        if direct and (do_w or do_i):
            _bwd_direct(&x[0, 0, 0, 0], &grad_output[0, 0, 0, 0], &weight[0], gi,
                        &grad_weight[0], <floating>scale_w, N, &q, nhwc, n_threads)
        elif do_w or do_i:
            if nhwc:
                _bwd_nhwc(&x[0, 0, 0, 0], &grad_output[0, 0, 0, 0], &weight[0], gi,
                          &grad_weight[0], <floating>scale_w, scr, N, nb, &q, n_threads)
            else:
                _bwd_nchw(&x[0, 0, 0, 0], &grad_output[0, 0, 0, 0], &weight[0], gi,
                          &grad_weight[0], <floating>scale_w, scr, N, nb, &q, n_threads)
