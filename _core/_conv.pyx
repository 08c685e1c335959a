"""Kernels of SpatialConvolution, NCHW and NHWC: the entry points, the choice of kernels and
the bias gradient.

Two families of kernels: the patch-matrix path (convgemm.pxd: im2col + one GEMM per group
and batch block, backward by the transposed GEMMs and col2im), and the direct kernels
(convdirect.pxd, convgw.pxd, convlanes.pxd: no patch matrix and no BLAS) for layers with few
weights per group (LeNet's first layer) and, each phase choosing on its own, few planes per
group (its second: narrow output rows forward, rows read in place for grad_weight, 8
samples in the vector lanes for grad_input of small planes).  Each task of
either owns its outputs and sums in a fixed order: results do not depend on the thread
count.

Every ``def`` validates with the GIL held, then makes one ``nogil`` call into work that
cannot fail.  The scratch comes from the caller and bounds the patch-matrix path's block:
nb samples with nb*(K+O)*oh*ow <= scratch size (:func:`scratch_per_sample`).
"""
from cython cimport floating
from cython.parallel cimport prange
from threads cimport attach_blas, team
from dense cimport colsum_block, COL_BLOCK
from im2col cimport Geo, _bias_sum_plane
from convgemm cimport gemm_path, per_sample, rows_are_patches
from convdirect cimport (Lay, _lay, direct_fits, direct_pays, direct_fwd_row, direct_gin_row,
                        direct_gin_block, gin_rows, PHASE_FWD, PHASE_GIN, PHASE_GW)
from convgw cimport direct_gw_task, gw_tasks
from convlanes cimport LANES, lanes_fit, lane_tasks, lane_gin_task


# Elements of a copy pass (im2col, col2im, bias copy) from which it uses n_threads: below
# it the OpenMP team costs more than it saves next to BLAS's spinning workers (tests set 0).
# The direct kernels count multiply-adds (LeNet's second layer: 98K outputs of 150 each).
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


cdef inline bint _use_direct(Geo *q, int phase, bint nhwc) noexcept nogil:
    # the forward, grad_input or grad_weight (phase) on the direct kernels, each on its own
    return _direct_mode != 0 and direct_fits(q) and (_direct_mode == 1 or
                                                     direct_pays(q, phase, nhwc))


cdef enum:
    LANE_MIN_IG = 4    # fewest input planes per group for grad_input in sample lanes


cdef inline int _gin_kernel(Geo *q, Py_ssize_t N, bint nhwc) noexcept nogil:
    # grad_input's kernels: 0 patches + GEMM, 1 convdirect's rows, 2 samples in lanes
    # (convlanes.pxd: from LANE_MIN_IG planes per group, whose NC chains keep the vector
    # adds busy, and a batch of LANES; forced direct, from 2 planes and any batch)
    if _direct_mode == 0:
        return 0
    if lanes_fit(q) and (q.Ig >= LANE_MIN_IG and N >= LANES or
                         _direct_mode == 1 and q.Ig >= 2):
        return 2
    return 1 if _use_direct(q, PHASE_GIN, nhwc) else 0


# ---- direct kernels (no patch matrix, no BLAS) -----------------------------------------
cdef void _fwd_direct(const floating *x, const floating *w, const floating *bias,
                      floating *out, Py_ssize_t N, Geo *q, bint nhwc,
                      int n_threads) noexcept nogil:
    cdef Lay l = _lay(q, nhwc)
    cdef Py_ssize_t t
    cdef int nt = _nt(N * q.S * q.O * q.Kg, n_threads)   # multiply-adds: each output sums Kg
    for t in prange(N * q.OH, schedule='static', num_threads=nt):
        direct_fwd_row(x, w, bias, out, t, q, &l)


cdef void _bwd_direct(const floating *x, const floating *go, const floating *w, floating *gi,
                      int gin, floating *gw, floating scale_w, Py_ssize_t N, Geo *q,
                      bint nhwc, int n_threads) noexcept nogil:
    # grad_input on kernels gin (_gin_kernel; skipped when gi is NULL), grad_weight
    cdef Lay l = _lay(q, nhwc)
    cdef Py_ssize_t t
    cdef int nt = _nt(N * q.S * q.O * q.Kg, n_threads)   # multiply-adds: each output sums Kg
    cdef Py_ssize_t blocks = (q.H + gin_rows(q) - 1) // gin_rows(q)
    if gi != NULL and gin == 2:
        for t in prange(lane_tasks(q, N), schedule='static', num_threads=nt):
            lane_gin_task(go, w, gi, N, t, q, &l)
    elif gi != NULL and q.SW == 1:
        for t in prange(N * blocks, schedule='static', num_threads=nt):
            direct_gin_block(go, w, gi, t, q, &l)
    elif gi != NULL:
        for t in prange(N * q.H, schedule='static', num_threads=nt):
            direct_gin_row(go, w, gi, t, q, &l)
    if scale_w != 0:
        for t in prange(gw_tasks(q, nhwc), schedule='static', num_threads=nt):
            direct_gw_task(x, go, gw, scale_w, N, t, q, &l)


# ---- bias gradient ------------------------------------------------------------------------
cdef void _bias_sums_nchw(const floating *go, floating *gb, double scale, Py_ssize_t N,
                          Py_ssize_t O, Py_ssize_t S, int nt) noexcept nogil:
    cdef Py_ssize_t o
    for o in prange(O, schedule='static', num_threads=nt):
        _bias_sum_plane(go, gb, scale, o, N, O, S)


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


cdef void _bias_sums(const floating *go, floating *gb, double scale, Py_ssize_t N,
                     Py_ssize_t O, Py_ssize_t S, bint nhwc, int n_threads) noexcept nogil:
    # gb[o] += scale * the sum of go's plane o over samples and positions
    cdef int nt = _nt(N * S * O, n_threads)
    if nhwc:
        _bias_sums_rows(go, gb, scale, N * S, O, nt)
    else:
        _bias_sums_nchw(go, gb, scale, N, O, S, nt)


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
    cdef Py_ssize_t per = (q.K if nhwc or per_sample(q) else q.K + q.O) * q.S, nb
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
    if (nhwc and rows_are_patches(&q)) or (_use_direct(&q, PHASE_FWD, nhwc) and
                                           _gin_kernel(&q, x.shape[0], nhwc) != 0 and
                                           _use_direct(&q, PHASE_GW, nhwc)):
        return 0
    if nhwc or per_sample(&q):
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
    cdef bint direct = _use_direct(&q, PHASE_FWD, nhwc)
    cdef Py_ssize_t nb = _block(&q, N, 0 if scratch is None else scratch.shape[0], nhwc,
                                not direct and not (nhwc and rows_are_patches(&q)))
    cdef floating *scr = &scratch[0] if scratch is not None else NULL
    cdef const floating *b = &bias[0] if bias is not None else NULL
    attach_blas()
    with nogil:
        if direct:
            _fwd_direct(&x[0, 0, 0, 0], &weight[0], b, &out[0, 0, 0, 0], N, &q, nhwc,
                        n_threads)
        else:
            gemm_path(&x[0, 0, 0, 0], NULL, &weight[0], b, &out[0, 0, 0, 0], NULL, NULL, 0,
                      scr, N, nb, &q, nhwc, _par_min, n_threads)


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
    cdef bint dir_w = do_w and _use_direct(&q, PHASE_GW, nhwc)
    cdef int gin = _gin_kernel(&q, N, nhwc) if do_i else 0
    cdef bint dir_i = gin != 0
    cdef bint gemm_w = do_w and not dir_w, gemm_i = do_i and not dir_i
    cdef Py_ssize_t nb = _block(&q, N, 0 if scratch is None else scratch.shape[0], nhwc,
                                (gemm_w or gemm_i) and not (nhwc and rows_are_patches(&q)))
    cdef floating *scr = &scratch[0] if scratch is not None else NULL
    cdef floating *gi = &grad_input[0, 0, 0, 0] if do_i else NULL
    attach_blas()
    with nogil:
        if grad_bias is not None and scale_b != 0:
            _bias_sums(&grad_output[0, 0, 0, 0], &grad_bias[0], scale_b, N, q.O, q.S, nhwc,
                       n_threads)
        if dir_w or dir_i:
            _bwd_direct(&x[0, 0, 0, 0], &grad_output[0, 0, 0, 0], &weight[0],
                        gi if dir_i else NULL, gin, &grad_weight[0],
                        <floating>scale_w if dir_w else 0, N, &q, nhwc, n_threads)
        if gemm_w or gemm_i:
            gemm_path(&x[0, 0, 0, 0], &grad_output[0, 0, 0, 0], &weight[0], NULL, NULL,
                      gi if gemm_i else NULL, &grad_weight[0],
                      <floating>scale_w if gemm_w else 0, scr, N, nb, &q, nhwc, _par_min,
                      n_threads)


def bias_backward(const floating[:, :, :, ::1] grad_output, floating[::1] grad_bias,
                  double scale_b, bint nhwc, int n_threads):
    """``grad_bias += scale_b * the sums of grad_output`` (4-D, NCHW or NHWC) over samples
    and positions, plane by plane: the bias term of :func:`backward` on its own (the Winograd
    path's backward has no bias)."""
    cdef Py_ssize_t N = grad_output.shape[0]
    cdef Py_ssize_t O = grad_output.shape[3] if nhwc else grad_output.shape[1]
    if grad_bias.shape[0] != O:
        _fail(f"grad_bias of {O} values", grad_bias.shape[0])
    if N == 0 or scale_b == 0:
        return
    with nogil:
        _bias_sums(&grad_output[0, 0, 0, 0], &grad_bias[0], scale_b, N, O,
                   grad_output.shape[1] * grad_output.shape[2] if nhwc
                   else grad_output.shape[2] * grad_output.shape[3], nhwc, n_threads)
