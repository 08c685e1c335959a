"""Kernels of Linear and NHWC NIN: GEMMs through BLAS (``rowgemm.pxd``); bias add,
bias-gradient sums and regularizer gradients in OpenMP loops (one thread below
PAR_MIN elements).

Layouts (all C-contiguous):
- rows: ``x`` (R, I) @ ``weight`` (O, I)^T -> ``out`` (R, O); Linear and NHWC NIN, with
  R = batch (times positions).  An untied NHWC bias (O, S) is handled by viewing the output
  as (N, S*O) rows: column s*O + o takes bias[o, s] (``spatial`` = S; 1 when tied).
  NCHW NIN is in ``_nin.pyx``.

Every ``def`` validates with the GIL held, then makes one ``nogil`` call into work that
cannot fail.  Results do not depend on the thread count: column sums run down the rows in
the same order whatever the blocking.
"""
from cython cimport floating
from cython.parallel cimport prange
from rowgemm cimport rowmajor_gemm, set_gemm_block
from dense cimport add_vec, add_untied_row, colsum_block, sign, COL_BLOCK
from threads cimport attach_blas, team


cdef enum:
    # Elements below which a pass (bias add, bias sums, regularizer) runs on one thread.
    # Every pass here runs next to a BLAS call, and OpenBLAS's idle workers keep spinning
    # for ~0.1 s after a multi-threaded call, so a fresh OpenMP team waits milliseconds for
    # a core.  Measured on 2 cores, float32 fwd+bwd with 2-thread vs 1-thread passes:
    # 256x1024->1024 19.9 vs 9.3 ms, 25088x256->512 146 vs 131 ms (with
    # OPENBLAS_THREAD_TIMEOUT=4 the two were equal), while a serial pass costs ~1 ms per
    # million elements.  Hence a high threshold (tests lower it to cover the parallel paths).
    PAR_MIN = 1 << 25

include "par_threshold.pxi"


def _set_gemm_block(Py_ssize_t block):
    """Set the largest GEMM size per BLAS call in this module (tests lower it to check the
    blocking of sizes past 2**31); returns the old one.  ``block < 1`` restores it."""
    return set_gemm_block(block)


def _check_ld(name, Py_ssize_t I, Py_ssize_t O):
    # rows (R) may be any number (blocked GEMMs); the feature sizes are BLAS leading dims
    if I >= 2 ** 31 or O >= 2 ** 31:
        _fail(name, "input and output sizes < 2**31 (BLAS leading dimensions)", (I, O))


# ---- nogil workers ---------------------------------------------------------------------
cdef void _bias_rows(floating *out, Py_ssize_t R, Py_ssize_t C, const floating *b,
                     Py_ssize_t S, int nt) noexcept nogil:
    cdef Py_ssize_t r
    if S == 1:
        for r in prange(R, schedule='static', num_threads=nt):
            add_vec(out + r * C, b, C)
    else:
        for r in prange(R, schedule='static', num_threads=nt):
            add_untied_row(out + r * C, b, S, C // S)


cdef void _colsums(const floating *g, Py_ssize_t R, Py_ssize_t C, floating *acc,
                   double scale, Py_ssize_t S, int nt) noexcept nogil:
    # column blocks, each summed down all rows by one thread (width a multiple of 8)
    cdef Py_ssize_t w = (C + nt - 1) // nt
    cdef Py_ssize_t blk, nblk
    w = (w + 7) // 8 * 8
    if w > COL_BLOCK:
        w = COL_BLOCK
    nblk = (C + w - 1) // w
    for blk in prange(nblk, schedule='static', num_threads=nt):
        colsum_block(g, R, C, blk * w, min(blk * w + w, C), acc, scale, S)


cdef void _linear_fwd(const floating *x, const floating *w, const floating *b,
                      floating *out, Py_ssize_t R, Py_ssize_t I, Py_ssize_t O,
                      Py_ssize_t S, int n_threads) noexcept nogil:
    rowmajor_gemm(False, True, R, O, I, <floating>1, x, I, w, I,
                  <floating>0, out, O, n_threads)
    if b != NULL:
        _bias_rows(out, R // S, O * S, b, S, team(R * O, _par_min, n_threads))


cdef void _linear_acc(const floating *x, const floating *g, floating *gw, floating *gb,
                      Py_ssize_t R, Py_ssize_t I, Py_ssize_t O, Py_ssize_t S,
                      double scale_w, double scale_b, int n_threads) noexcept nogil:
    if scale_w != 0:
        rowmajor_gemm(True, False, O, I, R, <floating>scale_w, g, O, x,
                      I, <floating>1, gw, I, n_threads)
    if gb != NULL and scale_b != 0:
        _colsums(g, R // S, O * S, gb, scale_b, S, team(R * O, _par_min, n_threads))


cdef void _regularize(const floating *w, floating *g, Py_ssize_t n, floating a1, floating a2,
                      int nt) noexcept nogil:
    # BigDL's order: g += a1 * sign(w), then g += a2 * w (a zero rate skips its term)
    cdef Py_ssize_t i
    if a1 != 0:
        for i in prange(n, schedule='static', num_threads=nt):
            g[i] = g[i] + a1 * sign(w[i])
    if a2 != 0:
        for i in prange(n, schedule='static', num_threads=nt):
            g[i] = g[i] + a2 * w[i]


# ---- Python entry points -----------------------------------------------------------------
def _fail(name, expected, got):
    raise ValueError(f"{name}: expected {expected}, got {got}")


def _dims(a):
    return tuple(a.shape[:a.ndim])


cdef int _check_rows(str name, str bias, Py_ssize_t nb, Py_ssize_t R, Py_ssize_t I,
                     Py_ssize_t O, Py_ssize_t spatial) except -1:
    # linear_forward's and linear_acc_grad's common checks: the ``bias`` array (nb values,
    # -1 when absent) holds O*spatial values, R is a multiple of spatial, I and O fit BLAS
    if not (spatial >= 1 and R % spatial == 0 and (nb < 0 or nb == O * spatial)):
        _fail(name, f"{bias} of O*spatial values and R a multiple of spatial",
              f"{bias} {None if nb < 0 else nb}, O={O}, spatial={spatial}, R={R}")
    _check_ld(name, I, O)


def linear_forward(const floating[:, ::1] x, const floating[:, ::1] weight,
                   const floating[::1] bias, floating[:, ::1] out, Py_ssize_t spatial,
                   int n_threads):
    """``out = x @ weight.T + bias`` over rows (bias None: no bias).

    ``spatial`` = 1 for a bias (O,) added to every row; S for an untied NHWC bias (O, S)
    flattened, where row r is position r % S of a sample.
    """
    cdef Py_ssize_t R = x.shape[0], I = x.shape[1], O = weight.shape[0]
    if not (weight.shape[1] == I and out.shape[0] == R and out.shape[1] == O):
        _fail("linear_forward", "x (R, I), weight (O, I), out (R, O)",
              f"x {_dims(x)}, weight {_dims(weight)}, out {_dims(out)}")
    _check_rows("linear_forward", "bias", -1 if bias is None else bias.shape[0], R, I, O,
                spatial)
    if R == 0 or O == 0:
        return
    attach_blas()
    with nogil:
        _linear_fwd(&x[0, 0], &weight[0, 0], &bias[0] if bias is not None else NULL,
                    &out[0, 0], R, I, O, spatial, n_threads)


def linear_grad_input(const floating[:, ::1] grad_output, const floating[:, ::1] weight,
                      floating[:, ::1] grad_input, int n_threads):
    """``grad_input = grad_output @ weight`` (R, O) @ (O, I)."""
    cdef Py_ssize_t R = grad_output.shape[0], O = grad_output.shape[1], I = weight.shape[1]
    if not (weight.shape[0] == O and grad_input.shape[0] == R and grad_input.shape[1] == I):
        _fail("linear_grad_input", "grad_output (R, O), weight (O, I), grad_input (R, I)",
              f"{_dims(grad_output)}, {_dims(weight)}, {_dims(grad_input)}")
    _check_ld("linear_grad_input", I, O)
    if R == 0 or I == 0 or O == 0:
        return
    attach_blas()
    with nogil:
        rowmajor_gemm(False, False, R, I, O, <floating>1, &grad_output[0, 0],
                      O, &weight[0, 0], I, <floating>0, &grad_input[0, 0], I,
                      n_threads)


def linear_acc_grad(const floating[:, ::1] x, const floating[:, ::1] grad_output,
                    floating[:, ::1] grad_weight, floating[::1] grad_bias, double scale_w,
                    double scale_b, Py_ssize_t spatial, int n_threads):
    """``grad_weight += scale_w * grad_output.T @ x``; ``grad_bias += scale_b * column sums``
    (a zero scale skips its term; ``spatial`` as in :func:`linear_forward`)."""
    cdef Py_ssize_t R = x.shape[0], I = x.shape[1], O = grad_output.shape[1]
    if not (grad_output.shape[0] == R and grad_weight.shape[0] == O
            and grad_weight.shape[1] == I):
        _fail("linear_acc_grad", "x (R, I), grad_output (R, O), grad_weight (O, I)",
              f"{_dims(x)}, {_dims(grad_output)}, {_dims(grad_weight)}")
    _check_rows("linear_acc_grad", "grad_bias", -1 if grad_bias is None else grad_bias.shape[0],
                R, I, O, spatial)
    if R == 0 or O == 0:
        return
    attach_blas()
    with nogil:
        _linear_acc(&x[0, 0], &grad_output[0, 0], &grad_weight[0, 0],
                    &grad_bias[0] if grad_bias is not None else NULL, R, I, O, spatial,
                    scale_w, scale_b, n_threads)


def regularize(const floating[::1] weight, floating[::1] grad, double l1, double l2,
               int n_threads):
    """``grad += l1 * sign(weight)`` then ``grad += l2 * weight`` (flat, same length);
    the rates are cast to the data type first, as BigDL does."""
    if weight.shape[0] != grad.shape[0]:
        _fail("regularize", f"grad of {weight.shape[0]} values like weight", grad.shape[0])
    if weight.shape[0] == 0:
        return
    with nogil:
        _regularize(&weight[0], &grad[0], weight.shape[0], <floating>l1, <floating>l2,
                    team(weight.shape[0], _par_min, n_threads))
