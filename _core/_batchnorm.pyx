"""Kernels of BatchNormalization / SpatialBatchNormalization.

Data is viewed as (A, C, B): NCHW (N, C, H*W) and channels-last (N*H*W, C, 1).  A channel's
sums come from one pass over the data with float64 accumulators, shifted by the channel's
first value (mean and variance in one pass without cancellation).  The pass is split into
fixed tasks -- one (sample, channel) plane for NCHW, a block of ROWS rows for channels-last
-- each writing its partial sums to its own slot; the slots are then added in task order,
so results do not depend on the thread count.  A second pass writes the output (forward) or
the input gradient (backward); backward's reduction pass computes both sums it needs
(sum g and sum g (x - mean)) at once.

Every ``def`` validates with the GIL held, then makes one ``nogil`` call into work that
cannot fail.
"""
from cython cimport floating
from cython.parallel cimport prange
from threads cimport team
from libc.math cimport sqrt

import numpy as np

cdef enum:
    ROWS = 256   # channels-last rows per reduction task


cdef struct Shape:
    Py_ssize_t A, C, B


cdef inline void _plane_sums(const floating *x, const floating *g, Py_ssize_t B,
                             double shift, double *s0, double *s1) noexcept nogil:
    # g NULL: (s0, s1) = (sum (x - shift), sum (x - shift)^2); else (sum g, sum g (x - shift))
    cdef double a0 = 0, a1 = 0, b0 = 0, b1 = 0, d, e
    cdef Py_ssize_t b = 0
    while b + 2 <= B:  # two chains: no latency-bound single accumulator
        d, e = x[b] - shift, x[b + 1] - shift
        if g == NULL:
            a0 += d
            a1 += d * d
            b0 += e
            b1 += e * e
        else:
            a0 += g[b]
            a1 += g[b] * d
            b0 += g[b + 1]
            b1 += g[b + 1] * e
        b += 2
    if b < B:
        d = x[b] - shift
        a0 += g[b] if g != NULL else d
        a1 += g[b] * d if g != NULL else d * d
    s0[0], s1[0] = a0 + b0, a1 + b1


cdef inline void _rows_sums(const floating *x, const floating *g, Py_ssize_t r0,
                            Py_ssize_t r1, Py_ssize_t C, const double *shift,
                            double *s0, double *s1) noexcept nogil:
    # rows [r0, r1) of (rows, C): s0[c], s1[c] as _plane_sums for channel c (the channel
    # loop is innermost and contiguous: it vectorises)
    cdef Py_ssize_t r, c
    cdef double d
    for c in range(C):
        s0[c] = 0
        s1[c] = 0
    if g == NULL:
        for r in range(r0, r1):
            for c in range(C):
                d = x[r * C + c] - shift[c]
                s0[c] += d
                s1[c] += d * d
    else:
        for r in range(r0, r1):
            for c in range(C):
                s0[c] += g[r * C + c]
                s1[c] += g[r * C + c] * (x[r * C + c] - shift[c])


cdef void _sums(const floating *x, const floating *g, Shape *s, const double *shift,
                double *part, double *tot, int nt) noexcept nogil:
    # tot[c], tot[C + c]: the channel's two sums over all (a, b); each task writes its own
    # 2C slot of part (sums, then second sums), and the slots are added in task order
    cdef Py_ssize_t t, c, k, ntask, C = s.C
    if s.B > 1:
        ntask = s.A
        for t in prange(s.A * C, schedule='static', num_threads=nt):
            _plane_sums(x + t * s.B, g + t * s.B if g != NULL else NULL, s.B, shift[t % C],
                        part + 2 * C * (t // C) + t % C, part + 2 * C * (t // C) + C + t % C)
    else:
        ntask = (s.A + ROWS - 1) // ROWS
        for t in prange(ntask, schedule='static', num_threads=nt):
            _rows_sums(x, g, t * ROWS, min(t * ROWS + ROWS, s.A), C, shift,
                       part + 2 * C * t, part + 2 * C * t + C)
    for c in range(2 * C):
        tot[c] = 0
    for k in range(ntask):
        for c in range(2 * C):
            tot[c] += part[2 * C * k + c]


cdef inline void _affine_plane(const floating *x, const floating *g, floating *y,
                               Py_ssize_t n, floating mean, floating k1, floating k2,
                               floating k3) noexcept nogil:
    # g NULL: y = (x - mean) k2 + k3; else y = k1 g + (x - mean) k2 + k3
    cdef Py_ssize_t i
    if g == NULL:
        for i in range(n):
            y[i] = (x[i] - mean) * k2 + k3
    else:
        for i in range(n):
            y[i] = k1 * g[i] + (x[i] - mean) * k2 + k3


cdef void _affine(const floating *x, const floating *g, floating *y, Shape *s,
                  const floating *k, int nt) noexcept nogil:
    # k = (mean, k1, k2, k3) per channel, 4*C values
    cdef Py_ssize_t t, c
    if s.B > 1:
        for t in prange(s.A * s.C, schedule='static', num_threads=nt):
            c = t % s.C
            _affine_plane(x + t * s.B, g + t * s.B if g != NULL else NULL, y + t * s.B, s.B,
                          k[c], k[s.C + c], k[2 * s.C + c], k[3 * s.C + c])
    else:
        for t in prange(s.A, schedule='static', num_threads=nt):
            _affine_row(x + t * s.C, g + t * s.C if g != NULL else NULL, y + t * s.C, s.C, k)


cdef inline void _affine_row(const floating *x, const floating *g, floating *y, Py_ssize_t C,
                             const floating *k) noexcept nogil:
    cdef Py_ssize_t c
    if g == NULL:
        for c in range(C):
            y[c] = (x[c] - k[c]) * k[2 * C + c] + k[3 * C + c]
    else:
        for c in range(C):
            y[c] = k[C + c] * g[c] + (x[c] - k[c]) * k[2 * C + c] + k[3 * C + c]


# ---- Python entry points -----------------------------------------------------------------
def _dims(a):
    return None if a is None else tuple(a.shape[:a.ndim])


cdef Shape _shape(x, others, params) except *:
    cdef Shape s
    s.A, s.C, s.B = x.shape[:3]
    for name, a in others:
        if a is not None and _dims(a) != _dims(x):
            raise ValueError(f"batchnorm: expected {name} like x {_dims(x)}, got {_dims(a)}")
    for name, a in params:
        if a is not None and a.shape[0] != s.C:
            raise ValueError(f"batchnorm: expected {name} of {s.C} values, got {a.shape[0]}")
    return s


# Elements from which a pass uses n_threads.  Below it an OpenMP team costs more than it
# saves (a ~100 us pass), and on a busy machine every parallel region waits for a core.
cdef enum:
    PAR_MIN = 1 << 18

include "par_threshold.pxi"


cdef int _threads(Shape *s, int n_threads) noexcept nogil:
    return team(s.A * s.B * s.C, _par_min, n_threads)


def _part(Shape s):
    return np.empty(2 * s.C * (s.A if s.B > 1 else (s.A + ROWS - 1) // ROWS))


def forward_train(const floating[:, :, ::1] x, floating[:, :, ::1] y,
                  const floating[::1] weight, const floating[::1] bias,
                  double[::1] save_mean, double[::1] save_invstd,
                  floating[::1] running_mean, floating[::1] running_var, double eps,
                  double momentum, int n_threads):
    """Normalise x (A, C, B) with its own per-channel statistics: ``y = (x - mean) invstd
    weight + bias`` (biased variance; weight/bias None: 1 and 0); saves mean and invstd;
    running mean += momentum (mean - running mean), running var likewise with the
    unbiased variance.  Needs more than one value per channel."""
    cdef Shape s = _shape(x, [("y", y)], [("weight", weight), ("bias", bias),
                                          ("save_mean", save_mean),
                                          ("save_invstd", save_invstd),
                                          ("running_mean", running_mean),
                                          ("running_var", running_var)])
    cdef double n = <double>(s.A * s.B)
    if n < 2:
        raise ValueError(f"batchnorm: expected more than one value per channel, got {n:g}")
    cdef double[::1] part = _part(s)
    cdef double[::1] tot = np.empty(2 * s.C), shift = np.empty(s.C)
    cdef floating[::1] k = np.empty(4 * s.C, dtype=np.asarray(x).dtype)
    cdef Py_ssize_t c
    cdef double mean, var
    cdef int nt = _threads(&s, n_threads)
    with nogil:
        for c in range(s.C):
            shift[c] = x[0, c, 0]
        _sums(&x[0, 0, 0], <floating *>NULL, &s, &shift[0], &part[0], &tot[0], nt)
        for c in range(s.C):
            mean = tot[c] / n
            var = max(tot[s.C + c] / n - mean * mean, 0.0)
            save_mean[c] = shift[c] + mean
            save_invstd[c] = 1.0 / sqrt(var + eps)
            running_mean[c] = <floating>(momentum * save_mean[c]
                                         + (1 - momentum) * running_mean[c])
            running_var[c] = <floating>(momentum * var * n / (n - 1)
                                        + (1 - momentum) * running_var[c])
            k[c] = <floating>save_mean[c]
            k[2 * s.C + c] = <floating>(save_invstd[c] * (weight[c] if weight is not None
                                                         else 1.0))
            k[3 * s.C + c] = bias[c] if bias is not None else 0
        _affine(&x[0, 0, 0], <floating *>NULL, &y[0, 0, 0], &s, &k[0], nt)


def forward_eval(const floating[:, :, ::1] x, floating[:, :, ::1] y,
                 const floating[::1] weight, const floating[::1] bias,
                 const floating[::1] running_mean, const floating[::1] running_var,
                 double eps, int n_threads):
    """``y = (x - running_mean) / sqrt(running_var + eps) weight + bias``."""
    cdef Shape s = _shape(x, [("y", y)], [("weight", weight), ("bias", bias),
                                          ("running_mean", running_mean),
                                          ("running_var", running_var)])
    cdef floating[::1] k = np.empty(4 * s.C, dtype=np.asarray(x).dtype)
    cdef Py_ssize_t c
    if s.A * s.B * s.C == 0:
        return
    with nogil:
        for c in range(s.C):
            k[c] = running_mean[c]
            k[2 * s.C + c] = <floating>((weight[c] if weight is not None else 1.0)
                                        / sqrt(<double>running_var[c] + eps))
            k[3 * s.C + c] = bias[c] if bias is not None else 0
        _affine(&x[0, 0, 0], <floating *>NULL, &y[0, 0, 0], &s, &k[0],
                _threads(&s, n_threads))


def backward(const floating[:, :, ::1] x, const floating[:, :, ::1] grad_output,
             floating[:, :, ::1] grad_input, const floating[::1] weight,
             const double[::1] mean, const double[::1] invstd, bint batch_stats,
             floating[::1] grad_weight, floating[::1] grad_bias, double scale_w,
             double scale_b, int n_threads):
    """Both phases from one reduction pass (sum g, sum g (x - mean)) and one gradient pass.
    ``batch_stats``: mean/invstd are the training batch's (grad_input =
    weight invstd (g - mean(g) - xhat mean(g xhat))); else fixed (evaluation: grad_input =
    weight invstd g).  ``grad_weight += scale_w sum g xhat``, ``grad_bias += scale_b sum g``;
    None (or a zero scale) skips a term."""
    cdef Shape s = _shape(x, [("grad_output", grad_output), ("grad_input", grad_input)],
                          [("weight", weight), ("mean", mean), ("invstd", invstd),
                           ("grad_weight", grad_weight), ("grad_bias", grad_bias)])
    cdef double n = <double>(s.A * s.B)
    if n == 0:
        return
    cdef double[::1] part = _part(s)
    cdef double[::1] tot = np.empty(2 * s.C)
    cdef floating[::1] k = np.empty(4 * s.C, dtype=np.asarray(x).dtype)
    cdef Py_ssize_t c
    cdef double a, w
    cdef int nt = _threads(&s, n_threads)
    with nogil:
        _sums(&x[0, 0, 0], &grad_output[0, 0, 0], &s, &mean[0], &part[0], &tot[0], nt)
        for c in range(s.C):
            if grad_weight is not None and scale_w != 0:
                grad_weight[c] += <floating>(scale_w * tot[s.C + c] * invstd[c])
            if grad_bias is not None and scale_b != 0:
                grad_bias[c] += <floating>(scale_b * tot[c])
            w = weight[c] if weight is not None else 1.0
            a = w * invstd[c]
            k[c] = <floating>mean[c]
            k[s.C + c] = <floating>a
            if batch_stats:
                k[2 * s.C + c] = <floating>(-a * invstd[c] * invstd[c] * tot[s.C + c] / n)
                k[3 * s.C + c] = <floating>(-a * tot[c] / n)
            else:
                k[2 * s.C + c] = 0
                k[3 * s.C + c] = 0
        if grad_input is not None:
            _affine(&x[0, 0, 0], &grad_output[0, 0, 0], &grad_input[0, 0, 0], &s, &k[0], nt)


def eval_stats(const floating[::1] running_mean, const floating[::1] running_var, double eps,
               double[::1] mean, double[::1] invstd):
    """``mean = running_mean``, ``invstd = 1 / sqrt(running_var + eps)`` in float64 (what
    an evaluation-mode backward normalises with)."""
    cdef Py_ssize_t c, C = running_mean.shape[0]
    if not (running_var.shape[0] == C and mean.shape[0] == C and invstd.shape[0] == C):
        raise ValueError(f"batchnorm: expected four vectors of {C} values, got "
                         f"{running_var.shape[0]}, {mean.shape[0]}, {invstd.shape[0]}")
    with nogil:
        for c in range(C):
            mean[c] = running_mean[c]
            invstd[c] = 1.0 / sqrt(<double>running_var[c] + eps)
