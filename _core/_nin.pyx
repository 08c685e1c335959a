"""NCHW kernels of NIN: x (N, C, S) -> out (N, O, S) = weight (O, C) @ x[n] (+ bias).

Strategy ``swap`` (what NIN uses): move the batch axis inside, (N, C, S) -> (C, N*S), by
copying contiguous runs of S values, so that each product is ONE GEMM over all samples and
positions; the copies back fuse the bias add (forward) and the copy of grad_output fuses
the bias sums (backward).  Strategy ``per_sample``: one GEMM per sample from a serial C
loop, no copies.  Both are kept so benchmarks/bench_linear.py can compare them.  Measured
fwd+bwd of 32x256x28x28->512 float32 on 2 cores: idle, swap 139 ms, per-sample 127 ms,
numpy batched matmul 135 ms; with another process on one core, swap 308 ms, per-sample
873 ms, numpy 975 ms (each BLAS call waits for its threads, and swap makes 3 calls, not 96).

Every ``def`` validates with the GIL held, then makes one ``nogil`` call into work that
cannot fail.  Scratch arrays come from the caller.  The passes here sit between BLAS calls
and run serially (see _linear.pyx for why).
"""
from cython cimport floating
from libc.string cimport memcpy
from rowgemm cimport rowmajor_gemm, set_gemm_block
from dense cimport add_vec, add_const, sum8
from threads cimport attach_blas

import numpy as np


cdef inline void _gather(const floating *src, floating *dst, Py_ssize_t A, Py_ssize_t B,
                         Py_ssize_t S) noexcept nogil:
    # src (A, B, S) -> dst (B, A, S), moving runs of S contiguous values
    cdef Py_ssize_t a, b
    for a in range(A):
        for b in range(B):
            memcpy(dst + (b * A + a) * S, src + (a * B + b) * S, S * sizeof(floating))


cdef inline void _gather_sums(const floating *g, floating *gs, double *part, bint untied,
                              Py_ssize_t N, Py_ssize_t O, Py_ssize_t S) noexcept nogil:
    # gs (O, N, S) <- g (N, O, S) (when gs is not NULL), and the bias sums of g into part:
    # per channel (tied) or per channel and position (untied), in one pass over g
    cdef Py_ssize_t n, o, s
    cdef const floating *run
    for n in range(N):
        for o in range(O):
            run = g + (n * O + o) * S
            if gs != NULL:
                memcpy(gs + (o * N + n) * S, run, S * sizeof(floating))
            if untied:
                for s in range(S):
                    part[o * S + s] += run[s]
            else:
                part[o] += sum8(run, S)


cdef inline void _add_parts(floating *gb, const double *part, Py_ssize_t nb,
                            double scale) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(nb):
        gb[i] += <floating>(scale * part[i])


# ---- swap --------------------------------------------------------------------------------
cdef void _fwd_swap(const floating *x, const floating *w, const floating *bias, bint untied,
                    floating *out, floating *xs, floating *ys, Py_ssize_t N, Py_ssize_t C,
                    Py_ssize_t O, Py_ssize_t S, int nt) noexcept nogil:
    cdef Py_ssize_t n, o, s
    cdef const floating *src
    cdef floating *dst
    _gather(x, xs, N, C, S)                                      # xs (C, N*S)
    rowmajor_gemm(False, False, O, N * S, C, <floating>1, w, C, xs,
                  N * S, <floating>0, ys, N * S, nt)  # ys (O, N*S)
    for n in range(N):                                           # ys (O, N, S) -> out
        for o in range(O):
            src = ys + (o * N + n) * S
            dst = out + (n * O + o) * S
            if bias == NULL:
                memcpy(dst, src, S * sizeof(floating))
            elif untied:
                for s in range(S):
                    dst[s] = src[s] + bias[o * S + s]
            else:
                for s in range(S):
                    dst[s] = src[s] + bias[o]


cdef void _bwd_swap(const floating *x, const floating *g, const floating *w, floating *gi,
                    floating *gw, floating *gb, bint untied, double *part, floating *sx,
                    floating *sg, Py_ssize_t N, Py_ssize_t C, Py_ssize_t O, Py_ssize_t S,
                    double scale_w, double scale_b, int nt) noexcept nogil:
    # gi (may be NULL) = W^T g per sample; gw += scale_w sum_n g[n] x[n]^T; gb += sums.
    # g is copied once (with the bias sums); sx holds W^T g, then the copy of x.
    cdef bint do_b = gb != NULL and scale_b != 0
    cdef bint do_w = scale_w != 0
    cdef Py_ssize_t M = N * S
    if gi == NULL and not do_w:
        if do_b:
            _gather_sums(g, NULL, part, untied, N, O, S)
            _add_parts(gb, part, O * S if untied else O, scale_b)
        return
    if do_b:
        _gather_sums(g, sg, part, untied, N, O, S)               # sg (O, N*S) + sums
        _add_parts(gb, part, O * S if untied else O, scale_b)
    else:
        _gather(g, sg, N, O, S)
    if gi != NULL:
        rowmajor_gemm(True, False, C, M, O, <floating>1, w, C, sg, M,
                      <floating>0, sx, M, nt)                    # sx (C, N*S) = W^T sg
        _gather(sx, gi, C, N, S)                                 # -> gi (N, C, S)
    if do_w:
        _gather(x, sx, N, C, S)                                  # sx (C, N*S) = x
        rowmajor_gemm(False, True, O, C, M, <floating>scale_w, sg, M, sx, M,
                      <floating>1, gw, C, nt)


# ---- per sample --------------------------------------------------------------------------
cdef void _fwd_per_sample(const floating *x, const floating *w, const floating *b,
                          bint untied, floating *out, Py_ssize_t N, Py_ssize_t C, Py_ssize_t O,
                          Py_ssize_t S, int nt) noexcept nogil:
    cdef Py_ssize_t n, o
    cdef floating *y
    for n in range(N):  # each sample's bias add right after its GEMM, while in cache
        y = out + n * O * S
        rowmajor_gemm(False, False, O, S, C, <floating>1, w, C,
                      x + n * C * S, S, <floating>0, y, S, nt)
        if b == NULL:
            continue
        if untied:
            add_vec(y, b, O * S)
        else:
            for o in range(O):
                add_const(y + o * S, b[o], S)


cdef void _bwd_per_sample(const floating *x, const floating *g, const floating *w,
                          floating *gi, floating *gw, floating *gb, bint untied, double *part,
                          Py_ssize_t N, Py_ssize_t C, Py_ssize_t O, Py_ssize_t S,
                          double scale_w, double scale_b, int nt) noexcept nogil:
    cdef Py_ssize_t n
    cdef const floating *gn
    for n in range(N):
        gn = g + n * O * S
        if gi != NULL:
            rowmajor_gemm(True, False, C, S, O, <floating>1, w, C, gn,
                          S, <floating>0, gi + n * C * S, S, nt)
        if scale_w != 0:
            rowmajor_gemm(False, True, O, C, S, <floating>scale_w, gn, S,
                          x + n * C * S, S, <floating>1, gw, C, nt)
    if gb != NULL and scale_b != 0:
        _gather_sums(g, NULL, part, untied, N, O, S)
        _add_parts(gb, part, O * S if untied else O, scale_b)


# ---- Python entry points -----------------------------------------------------------------
def _fail(name, expected, got):
    raise ValueError(f"{name}: expected {expected}, got {got}")


def _dims(a):
    return None if a is None else tuple(a.shape[:a.ndim])


def _check(name, x, y, Py_ssize_t cx, Py_ssize_t cy, Py_ssize_t O, bias, sc_x, sc_y,
           bint swap):
    """x (N, cx, S) and y (N, cy, S); bias (O,) or (O*S,); scratch (N*cx*S,), (N*cy*S,)."""
    N, S = x.shape[0], x.shape[2]
    if not (x.shape[1] == cx and y.shape[0] == N and y.shape[1] == cy and y.shape[2] == S):
        _fail(name, f"(N, {cx}, S) and (N, {cy}, S) arrays", f"{_dims(x)}, {_dims(y)}")
    if bias is not None and bias.shape[0] not in (O, O * S):
        _fail(name, f"bias of {O} or {O * S} values", bias.shape[0])
    # BLAS leading dimensions are C ints: N*S (swap) or S (per sample); sizes past 2**31
    # are blocked by rowmajor_gemm, so nin.py picks per-sample from N*S >= 2**31
    if swap and N * S >= 2 ** 31:
        _fail(name, "N*S < 2**31 with swap (BLAS int; use per-sample)", N * S)
    if S >= 2 ** 31 or cx >= 2 ** 31 or cy >= 2 ** 31:
        _fail(name, "S and channels < 2**31 (BLAS leading dimensions)", (S, cx, cy))
    if swap and (sc_x is None or sc_y is None or sc_x.shape[0] < N * cx * S
                 or sc_y.shape[0] < N * cy * S):
        _fail(name, f"scratch of {N * cx * S} and {N * cy * S} values",
              f"{_dims(sc_x)}, {_dims(sc_y)}")
    return N, S


def forward(const floating[:, :, ::1] x, const floating[:, ::1] weight,
            const floating[::1] bias, floating[:, :, ::1] out, floating[::1] scratch_x,
            floating[::1] scratch_y, bint swap, int n_threads):
    """``out[n] = weight @ x[n] + bias``: x (N, C, S), out (N, O, S); bias (O,) tied, (O*S,)
    untied or None; scratch (C*N*S,) and (O*N*S,) when ``swap``; BLAS on at most
    ``n_threads`` threads."""
    cdef Py_ssize_t N, S, C = weight.shape[1], O = weight.shape[0]
    N, S = _check("nin.forward", x, out, C, O, O, bias, scratch_x, scratch_y, swap)
    cdef bint untied = bias is not None and bias.shape[0] != O
    if N == 0 or S == 0:
        return
    attach_blas()
    with nogil:
        if swap:
            _fwd_swap(&x[0, 0, 0], &weight[0, 0], &bias[0] if bias is not None else NULL,
                      untied, &out[0, 0, 0], &scratch_x[0], &scratch_y[0], N, C, O, S,
                      n_threads)
        else:
            _fwd_per_sample(&x[0, 0, 0], &weight[0, 0],
                            &bias[0] if bias is not None else NULL, untied, &out[0, 0, 0],
                            N, C, O, S, n_threads)


def backward(const floating[:, :, ::1] x, const floating[:, :, ::1] grad_output,
             const floating[:, ::1] weight, floating[:, :, ::1] grad_input,
             floating[:, ::1] grad_weight, floating[::1] grad_bias, double scale_w,
             double scale_b, floating[::1] scratch_x, floating[::1] scratch_g, bint swap,
             int n_threads):
    """Both backward phases in one pass over grad_output (N, O, S):
    ``grad_input[n] = weight.T @ grad_output[n]`` (skipped when grad_input is None),
    ``grad_weight += scale_w * sum_n grad_output[n] @ x[n].T`` and ``grad_bias += scale_b *
    sums`` over (n, position) tied (O,) or over n untied (O*S,); a zero scale skips its term.
    Scratch (C*N*S,) and (O*N*S,) when ``swap``; BLAS on at most ``n_threads`` threads."""
    cdef Py_ssize_t N, S, C = weight.shape[1], O = weight.shape[0]
    N, S = _check("nin.backward", x, grad_output, C, O, O, grad_bias, scratch_x, scratch_g,
                  swap)
    if grad_input is not None and _dims(grad_input) != _dims(x):
        _fail("nin.backward", f"grad_input like x {_dims(x)}", _dims(grad_input))
    if _dims(grad_weight) != _dims(weight):
        _fail("nin.backward", f"grad_weight like weight {_dims(weight)}", _dims(grad_weight))
    cdef bint untied = grad_bias is not None and grad_bias.shape[0] != O
    if N == 0 or S == 0:
        return
    cdef double[::1] part = np.zeros(O * S if untied else O)
    cdef floating *gi = &grad_input[0, 0, 0] if grad_input is not None else NULL
    cdef floating *gb = &grad_bias[0] if grad_bias is not None else NULL
    attach_blas()
    with nogil:
        if swap:
            _bwd_swap(&x[0, 0, 0], &grad_output[0, 0, 0], &weight[0, 0], gi,
                      &grad_weight[0, 0], gb, untied, &part[0], &scratch_x[0],
                      &scratch_g[0], N, C, O, S, scale_w, scale_b, n_threads)
        else:
            _bwd_per_sample(&x[0, 0, 0], &grad_output[0, 0, 0], &weight[0, 0], gi,
                            &grad_weight[0, 0], gb, untied, &part[0], N, C, O, S, scale_w,
                            scale_b, n_threads)


def _set_gemm_block(Py_ssize_t block):
    """Set the largest GEMM size per BLAS call in this module (tests lower it to check the
    blocking of sizes past 2**31); returns the old one.  ``block < 1`` restores it."""
    return set_gemm_block(block)
