"""Winograd F(4x4, 3x3) kernels of SpatialConvolution: 3x3, stride 1, one group, NCHW/NHWC.

A pass convolves Ci input planes into Co output planes over tiles of 4x4 outputs (6x6
inputs; ragged edge tiles compute past the output and keep only its part).  For a block of
tiles: the input tiles are transformed into V (36, Ci, tb) in NCHW or (36, tb, Ci) in NHWC
(winograd.pxd), then one GEMM per tile position p (rowgemm.pxd) gives M_p = U_p V_p (NCHW,
U_p (Co, Ci)) or V_p U_p (NHWC, U_p (Ci, Co)), and the output transform writes the outputs.
- forward: x -> out with U = G g G^T of the weights, plus the bias.
- grad input: the same pass from grad_output to grad_input with the filters rotated 180
  degrees, in and out planes swapped, pads 2 - pad (a full convolution).
- grad weight: V of x and Z = A e A^T of the grad-output tiles e, dU_p = sum over tiles of
  Z_p V_p^T (one GEMM per position and block, accumulated over blocks in order), then
  grad_weight += scale G^T dU G.
Every sum runs in a fixed order (transforms per tile and channel, one single-threaded
GEMM per position, the positions shared by the threads), so results do not depend on the
thread count.  The scratch (from the caller, see
:func:`scratch_elements`) holds U (36 Ci Co) and two blocks of tiles; its size sets the
block.  Every ``def`` validates with the GIL held, then makes one ``nogil`` call.
"""
from cython cimport floating
from cython.parallel cimport prange
from rowgemm cimport gemm_blocked, GEMM_PAR_MIN
from threads cimport attach_blas, blas_enter, blas_leave, blas_team, team
from winograd cimport Pass, in_nhwc, in_nchw, out_nhwc, out_nchw, filter_tile, filter_grad

cdef enum:
    # Values of a transform pass (36 per tile and channel) from which it uses n_threads.
    PAR_MIN = 1 << 18
    # Values of V and M together per block of tiles (4 MB in float32: they stay in cache
    # between the transforms and the GEMMs).  fwd+bwd 32x64x56x56 -> 64, float32, 1 thread,
    # tiles per block 56 / 98 / 196 / 392 / 784: NCHW 126 / 130 / 111 / 119 / 154 ms, NHWC
    # 101 / 98 / 93 / 103 / 127 ms (196 tiles = 0.9M values).
    BLOCK_VALUES = 1 << 20
    # Values between the tile positions of a block beyond c * tb: with 14 tiles a row, 16
    # rows a block and 64 planes, 36 positions 56 KB apart fell in the same cache sets and
    # the NCHW transforms ran 1.6x slower (tb 224 vs 196) before this skew.
    SKEW = 16


cdef inline Py_ssize_t _ps(Py_ssize_t tb, Py_ssize_t c) noexcept nogil:
    # the distance between two tile positions of a block of tb tiles and c planes
    return c * tb + SKEW

include "par_threshold.pxi"
include "simd_switch.pxi"


# ---- one block of tiles [t0, t0 + tb), whole rows of tiles: transforms -------------------
cdef void _in_block(const floating *x, Pass *q, Py_ssize_t t0, Py_ssize_t tb, floating *v,
                    bint grad, int n_threads) noexcept nogil:
    # V (36, Ci, tb) NCHW / (36, tb, Ci) NHWC from the input, or with grad Z (36, Co, tb) /
    # (36, tb, Co) from the output gradient
    cdef Py_ssize_t i, c = q.Co if grad else q.Ci, rows = tb // q.TW
    cdef int nt = team(36 * tb * c, _par_min, n_threads)
    cdef Py_ssize_t h = q.OH if grad else q.H, w = q.OW if grad else q.W
    cdef Py_ssize_t pt = 0 if grad else q.PT, pl = 0 if grad else q.PL, t, r
    for i in prange(tb if q.nhwc else c * rows, schedule='static', num_threads=nt):
        if q.nhwc:
            t = t0 + i
            r = t % (q.TH * q.TW)
            in_nhwc(x + t // (q.TH * q.TW) * h * w * c, h, w, c, r // q.TW * 4 - pt,
                    r % q.TW * 4 - pl, grad, v + i * c, _ps(tb, c))
        else:
            r = t0 // q.TW + i % rows   # global row of tiles
            in_nchw(x + (r // q.TH * c + i // rows) * h * w, h, w, r % q.TH * 4 - pt, pl,
                    q.TW, grad, v + (i // rows) * tb + (i % rows) * q.TW, _ps(tb, c))


cdef void _out_block(const floating *m, const floating *bias, floating *y, Pass *q,
                     Py_ssize_t t0, Py_ssize_t tb, int n_threads) noexcept nogil:
    # M (36, Co, tb) NCHW / (36, tb, Co) NHWC -> outputs (+ bias)
    cdef Py_ssize_t i, k = q.Co, rows = tb // q.TW
    cdef int nt = team(36 * tb * k, _par_min, n_threads)
    for i in prange(tb if q.nhwc else k * rows, schedule='static', num_threads=nt):
        if q.nhwc:
            out_nhwc(m + i * k, _ps(tb, k), bias, y, q, t0 + i)
        else:
            out_nchw(m + (i // rows) * tb + (i % rows) * q.TW, _ps(tb, k),
                     bias[i // rows] if bias != NULL else 0, y, q, t0 // q.TW + i % rows,
                     i // rows)


# ---- passes ----------------------------------------------------------------------------------
cdef inline int _gemm_team(Pass *q, Py_ssize_t tb, Py_ssize_t co,
                           int n_threads) noexcept nogil:
    # threads of a block's 36 GEMMs (Ci x co x tb multiply-adds each, one position per
    # iteration of one parallel loop; BLAS held at one thread around it: one thread pool)
    return team(<Py_ssize_t>(36 * <double>q.Ci * co * tb), GEMM_PAR_MIN, n_threads)


cdef void _conv_pass(const floating *x, const floating *u, const floating *bias, floating *y,
                     floating *v, floating *m, Pass *q, Py_ssize_t TB,
                     int n_threads) noexcept nogil:
    cdef Py_ssize_t t0 = 0, tb, p, ci = q.Ci, co = q.Co
    cdef int old = blas_enter(1), gt
    TB = TB // q.TW * q.TW    # whole rows of tiles
    while t0 < q.T:
        tb = min(TB, q.T - t0)
        gt = _gemm_team(q, tb, co, n_threads)
        blas_team(gt)
        _in_block(x, q, t0, tb, v, False, n_threads)
        for p in prange(36, schedule='static', num_threads=gt):
            if q.nhwc:
                gemm_blocked(False, False, tb, co, ci, <floating>1, v + p * _ps(tb, ci), ci,
                             u + p * ci * co, co, <floating>0, m + p * _ps(tb, co), co)
            else:
                gemm_blocked(False, False, co, tb, ci, <floating>1, u + p * co * ci, ci,
                             v + p * _ps(tb, ci), tb, <floating>0, m + p * _ps(tb, co), tb)
        _out_block(m, bias, y, q, t0, tb, n_threads)
        t0 += tb
    blas_leave(old)


cdef void _grad_filter_pass(const floating *x, const floating *g, floating *du, floating *v,
                            floating *z, Pass *q, Py_ssize_t TB, int n_threads) noexcept nogil:
    # du (36, Co, Ci) NCHW / (36, Ci, Co) NHWC = sum over tiles of Z_p V_p^T
    cdef Py_ssize_t t0 = 0, tb, p, ci = q.Ci, co = q.Co
    cdef floating beta = 0
    cdef int old = blas_enter(1), gt
    TB = TB // q.TW * q.TW
    while t0 < q.T:
        tb = min(TB, q.T - t0)
        gt = _gemm_team(q, tb, co, n_threads)
        blas_team(gt)
        _in_block(x, q, t0, tb, v, False, n_threads)
        _in_block(g, q, t0, tb, z, True, n_threads)
        for p in prange(36, schedule='static', num_threads=gt):
            if q.nhwc:
                gemm_blocked(True, False, ci, co, tb, <floating>1, v + p * _ps(tb, ci), ci,
                             z + p * _ps(tb, co), co, beta, du + p * ci * co, co)
            else:
                gemm_blocked(False, True, co, ci, tb, <floating>1, z + p * _ps(tb, co), tb,
                             v + p * _ps(tb, ci), tb, beta, du + p * co * ci, ci)
        beta = 1
        t0 += tb
    blas_leave(old)


# ---- filters: BigDL's (K, C, 3, 3) NCHW / (3, 3, C, K) NHWC <-> U ---------------------------
# (every value a prange iteration writes is assigned in its body, so OpenMP makes it private)
cdef void _filters(const floating *w, floating *u, Py_ssize_t C, Py_ssize_t K, bint nhwc,
                   bint rot, int n_threads) noexcept nogil:
    # U of the forward pass (out k, in c: (36, K, C) NCHW, (36, C, K) NHWC), or with rot of
    # the grad-input pass (out c, in k: (36, C, K) NCHW, (36, K, C) NHWC)
    cdef Py_ssize_t i, k, c, sa = 3 * C * K if nhwc else 3, sb = C * K if nhwc else 1
    cdef int nt = team(36 * C * K, _par_min, n_threads)
    for i in prange(C * K, schedule='static', num_threads=nt):
        k, c = i // C, i % C
        filter_tile(w + (c * K + k if nhwc else i * 9), sa, sb, rot,
                    u + (i if nhwc == rot else c * K + k), C * K)


cdef void _filter_grads(const floating *du, floating *gw, double scale, Py_ssize_t C,
                        Py_ssize_t K, bint nhwc, int n_threads) noexcept nogil:
    cdef Py_ssize_t i, k, c, sa = 3 * C * K if nhwc else 3, sb = C * K if nhwc else 1
    cdef int nt = team(36 * C * K, _par_min, n_threads)
    for i in prange(C * K, schedule='static', num_threads=nt):
        k, c = i // C, i % C
        filter_grad(du + (c * K + k if nhwc else i), C * K, gw + (c * K + k if nhwc else i * 9),
                    sa, sb, scale)


# ---- Python entry points -----------------------------------------------------------------
# Where SpatialConvolution runs these kernels: "auto" by its rule, "on" wherever they
# apply (3x3, stride 1, one group), "off" never (tests compare the paths).
_PATHS = ("auto", "on", "off")
path = "auto"


def _set_path(str which):
    """Set :data:`path` ("auto", "on" or "off"); returns the previous setting."""
    global path
    if which not in _PATHS:
        raise ValueError(f"winograd: expected a path in {_PATHS}, got {which!r}")
    old, path = path, which
    return old


def _fail(expected, got):
    raise ValueError(f"winograd: expected {expected}, got {got}")


def _dims(a):
    return tuple([a.shape[i] for i in range(a.ndim)])


def scratch_elements(Py_ssize_t n, Py_ssize_t c, Py_ssize_t h, Py_ssize_t w, Py_ssize_t k,
                     Py_ssize_t oh, Py_ssize_t ow):
    """Scratch values for n samples c x h x w -> k x oh x ow: U (36 c k) and two blocks of tb
    tiles (36 max(c, k) tb values each): BLOCK_VALUES together, at most every tile and at
    least a row of tiles of each pass."""
    cdef Py_ssize_t tw = max((ow + 3) // 4, (w + 3) // 4)
    cdef Py_ssize_t tb = BLOCK_VALUES // (72 * max(c, k))
    tb = max(tw, min(tb, n * max((oh + 3) // 4 * ((ow + 3) // 4), (h + 3) // 4 * tw)))
    return 36 * (c * k + 2 * (max(c, k) * tb + SKEW))


cdef Pass _geometry(x, out, Py_ssize_t pt, Py_ssize_t pl, bint nhwc) except *:
    cdef Pass q
    cdef tuple at = (3, 1, 2) if nhwc else (1, 2, 3)   # channel, row, column axes
    q.nhwc = nhwc
    q.N = x.shape[0]
    q.Ci, q.H, q.W = [x.shape[a] for a in at]
    q.Co, q.OH, q.OW = [out.shape[a] for a in at]
    q.PT, q.PL = pt, pl
    q.TH, q.TW = (q.OH + 3) // 4, (q.OW + 3) // 4
    q.T = q.N * q.TH * q.TW
    if out.shape[0] != q.N or min(q.OH, q.OW, q.Ci, q.Co) < 1 or pt < 0 or pl < 0 \
            or q.OH + 2 > q.H + 2 * pt + 1 or q.OW + 2 > q.W + 2 * pl + 1:
        _fail("a 3x3 stride-1 geometry with pads >= 0 and a matching batch",
              f"x {_dims(x)}, out {_dims(out)}, pads ({pt}, {pl})")
    if max(q.Ci, q.Co) * q.T >= 2 ** 31:
        _fail("planes x tiles below 2**31 (BLAS int)", (q.Ci, q.Co, q.T))
    return q


cdef Pass _grad_input_pass(Pass *q):
    # grad_output (Co planes, OH x OW) -> grad_input (Ci planes, H x W): pads 2 - pad
    cdef Pass r = q[0]
    r.Ci, r.Co, r.H, r.W, r.OH, r.OW = q.Co, q.Ci, q.OH, q.OW, q.H, q.W
    r.PT, r.PL = 2 - q.PT, 2 - q.PL
    r.TH, r.TW = (r.OH + 3) // 4, (r.OW + 3) // 4
    r.T = r.N * r.TH * r.TW
    return r


cdef Py_ssize_t _block(Pass *q, Py_ssize_t scratch) except -1:
    """Tiles per block that fit the scratch (at least a row of tiles of each pass)."""
    cdef Py_ssize_t c = max(q.Ci, q.Co), base = 36 * q.Ci * q.Co
    cdef Py_ssize_t need = base + 72 * (c * max(q.TW, (q.W + 3) // 4) + SKEW)
    if scratch < need:
        _fail(f"scratch of at least {need} values", scratch)
    return (scratch - base - 72 * SKEW) // (72 * c)


def forward(const floating[:, :, :, ::1] x, const floating[::1] weight,
            const floating[::1] bias, floating[:, :, :, ::1] out, Py_ssize_t pad_top,
            Py_ssize_t pad_left, bint nhwc, floating[::1] scratch not None, int n_threads):
    """``out = conv3x3(x, weight) + bias`` (stride 1, one group): x and out 4-D in one layout
    (``nhwc``), weight flat in BigDL's layout ((K, C, 3, 3) NCHW, (3, 3, C, K) NHWC), bias
    (K,) or None; bottom/right pads follow from the output size."""
    cdef Pass q = _geometry(x, out, pad_top, pad_left, nhwc)
    if weight.shape[0] != 9 * q.Ci * q.Co:
        _fail(f"a weight of {9 * q.Ci * q.Co} values", weight.shape[0])
    if bias is not None and bias.shape[0] != q.Co:
        _fail(f"bias of {q.Co} values", bias.shape[0])
    cdef Py_ssize_t tb = _block(&q, scratch.shape[0])
    if q.N == 0:
        return
    cdef floating *u = &scratch[0]
    cdef floating *v = u + 36 * q.Ci * q.Co
    cdef floating *m = v + 36 * _ps(tb, max(q.Ci, q.Co))
    cdef const floating *b = &bias[0] if bias is not None else NULL
    attach_blas()
    with nogil:
        _filters(&weight[0], u, q.Ci, q.Co, nhwc, False, n_threads)
        _conv_pass(&x[0, 0, 0, 0], u, b, &out[0, 0, 0, 0], v, m, &q, tb, n_threads)


def backward(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] grad_output,
             const floating[::1] weight, floating[:, :, :, ::1] grad_input,
             floating[::1] grad_weight, double scale_w, Py_ssize_t pad_top,
             Py_ssize_t pad_left, bint nhwc, floating[::1] scratch not None, int n_threads):
    """``grad_input`` (skipped when None) = the full convolution of grad_output with the
    rotated filters; ``grad_weight += scale_w * dW`` (skipped when None or scale_w == 0).
    Arguments as :func:`forward`; the bias gradient is not computed here."""
    cdef Pass q = _geometry(x, grad_output, pad_top, pad_left, nhwc)
    cdef Pass qi = _grad_input_pass(&q)
    if weight.shape[0] != 9 * q.Ci * q.Co:
        _fail(f"a weight of {9 * q.Ci * q.Co} values", weight.shape[0])
    if grad_weight is not None and grad_weight.shape[0] != weight.shape[0]:
        _fail(f"grad_weight of {weight.shape[0]} values", grad_weight.shape[0])
    if grad_input is not None and _dims(grad_input) != _dims(x):
        _fail(f"grad_input like x {_dims(x)}", _dims(grad_input))
    cdef Py_ssize_t tb = _block(&q, scratch.shape[0])
    cdef bint do_w = grad_weight is not None and scale_w != 0
    if q.N == 0:
        return
    cdef floating *u = &scratch[0]
    cdef floating *v = u + 36 * q.Ci * q.Co
    cdef floating *m = v + 36 * _ps(tb, max(q.Ci, q.Co))
    cdef floating *gi = &grad_input[0, 0, 0, 0] if grad_input is not None else NULL
    cdef floating *gw = &grad_weight[0] if do_w else NULL
    attach_blas()
    with nogil:
        if do_w:
            _grad_filter_pass(&x[0, 0, 0, 0], &grad_output[0, 0, 0, 0], u, v, m, &q, tb,
                              n_threads)
            _filter_grads(u, gw, scale_w, q.Ci, q.Co, nhwc, n_threads)
        if gi != NULL:
            _filters(&weight[0], u, q.Ci, q.Co, nhwc, True, n_threads)
            _conv_pass(&grad_output[0, 0, 0, 0], u, NULL, gi, v, m, &qi, tb, n_threads)
