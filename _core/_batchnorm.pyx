"""Kernels of BatchNormalization / SpatialBatchNormalization.

Data is viewed as (A, C, B): NCHW (N, C, H*W) and channels-last (N*H*W, C, 1).  A channel's
sums come from one pass over the data with float64 accumulators, shifted by the channel's
first value (mean and variance in one pass without cancellation).  The pass is split into
fixed tasks -- one (sample, channel) plane for NCHW, a block of rows for channels-last --
each writing its partial sums to its own slot; the slots are then added in task order, so
results do not depend on the thread count.  A second pass writes the output (forward) or
the input gradient (backward); backward's reduction pass computes both sums it needs
(sum g and sum g (x - mean)) at once.

The passes are batchnorm.pxd's, their inner loops bigdl_bn.h's (baseline, AVX2 or, for the
lane sums, AVX-512 build: same bits).  Channels-last rows are read as rows of W lanes,
W = lcm(C, 16) up to 256 lanes, else C (lane j is channel j % C), a task (about TASK
elements) summed per lane in order; an NCHW plane as rows of 16 lanes of its one channel
(fewer for short planes), the lanes then added in order.  Outputs of 16 MiB or more are
written with streaming stores on the AVX2 path.

Every ``def`` validates with the GIL held, then makes one ``nogil`` call into work that
cannot fail.
"""
from cython cimport floating
from threads cimport team
from libc.math cimport sqrt
from batchnorm cimport Shape, _sums, _affine, _tile, bdb_avx512, bdb_avx512_set

import math

import numpy as np

include "simd_switch.pxi"
include "stream_threshold.pxi"


bdb_avx512()   # the CPU check settled at import, outside any parallel loop


def _set_avx512(bint on):
    """Allow (True) or forbid (False) the AVX-512 build of the lane sums (tests compare it
    with the AVX2 build); returns whether it is used now."""
    return bool(bdb_avx512_set(on))


cdef enum:
    TASK = 1 << 15   # channels-last elements per task (a few dozen tasks per large batch)
    MAX_LANES = 256  # channels-last lanes: lcm(C, 16) up to this, else C


cdef inline int _streamed(Shape *s, Py_ssize_t itemsize) noexcept nogil:
    # outputs of _stream_min bytes or more: streaming stores
    return s.A * s.B * s.C * itemsize >= _stream_min


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
    s.W, s.R, s.T = s.C, 0, 0
    if s.B == 1 and s.C > 0:
        s.W = s.C * 16 // math.gcd(s.C, 16)
        s.W = s.W if s.W <= MAX_LANES else s.C
        s.R = max(1, TASK // s.W) * (s.W // s.C)   # whole lane rows per task
        s.T = (s.A + s.R - 1) // s.R
    return s


# Elements from which a pass uses n_threads.  Below it an OpenMP team costs more than it
# saves (a ~100 us pass), and on a busy machine every parallel region waits for a core.
cdef enum:
    PAR_MIN = 1 << 18

include "par_threshold.pxi"


cdef int _threads(Shape *s, int n_threads) noexcept nogil:
    return team(s.A * s.B * s.C, _par_min, n_threads)


def _part(Shape s):
    return np.empty(2 * s.W * (s.A if s.B > 1 else s.T))


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
    cdef double[::1] tot = np.empty(2 * s.C), shift = np.empty(s.W)
    cdef floating[::1] k = np.empty(4 * s.W, dtype=np.asarray(x).dtype)
    cdef Py_ssize_t c
    cdef double mean, var
    cdef int nt = _threads(&s, n_threads)
    with nogil:
        for c in range(s.W):
            shift[c] = x[0, c % s.C, 0]
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
            k[2 * s.W + c] = <floating>(save_invstd[c] * (weight[c] if weight is not None
                                                         else 1.0))
            k[3 * s.W + c] = bias[c] if bias is not None else 0
        _tile(&k[0], &s)
        _affine(&x[0, 0, 0], <floating *>NULL, &y[0, 0, 0], &s, &k[0], nt,
                _streamed(&s, sizeof(floating)))


def forward_eval(const floating[:, :, ::1] x, floating[:, :, ::1] y,
                 const floating[::1] weight, const floating[::1] bias,
                 const floating[::1] running_mean, const floating[::1] running_var,
                 double eps, int n_threads):
    """``y = (x - running_mean) / sqrt(running_var + eps) weight + bias``."""
    cdef Shape s = _shape(x, [("y", y)], [("weight", weight), ("bias", bias),
                                          ("running_mean", running_mean),
                                          ("running_var", running_var)])
    cdef floating[::1] k = np.empty(4 * s.W, dtype=np.asarray(x).dtype)
    cdef Py_ssize_t c
    if s.A * s.B * s.C == 0:
        return
    with nogil:
        for c in range(s.C):
            k[c] = running_mean[c]
            k[2 * s.W + c] = <floating>((weight[c] if weight is not None else 1.0)
                                        / sqrt(<double>running_var[c] + eps))
            k[3 * s.W + c] = bias[c] if bias is not None else 0
        _tile(&k[0], &s)
        _affine(&x[0, 0, 0], <floating *>NULL, &y[0, 0, 0], &s, &k[0],
                _threads(&s, n_threads), _streamed(&s, sizeof(floating)))


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
    cdef double[::1] tot = np.empty(2 * s.C), shift = np.empty(s.W)
    cdef floating[::1] k = np.empty(4 * s.W, dtype=np.asarray(x).dtype)
    cdef Py_ssize_t c
    cdef double a, w
    cdef int nt = _threads(&s, n_threads)
    with nogil:
        for c in range(s.W):
            shift[c] = mean[c % s.C]
        _sums(&x[0, 0, 0], &grad_output[0, 0, 0], &s, &shift[0], &part[0], &tot[0], nt)
        for c in range(s.C):
            if grad_weight is not None and scale_w != 0:
                grad_weight[c] += <floating>(scale_w * tot[s.C + c] * invstd[c])
            if grad_bias is not None and scale_b != 0:
                grad_bias[c] += <floating>(scale_b * tot[c])
            w = weight[c] if weight is not None else 1.0
            a = w * invstd[c]
            k[c] = <floating>mean[c]
            k[s.W + c] = <floating>a
            if batch_stats:
                k[2 * s.W + c] = <floating>(-a * invstd[c] * invstd[c] * tot[s.C + c] / n)
                k[3 * s.W + c] = <floating>(-a * tot[c] / n)
            else:
                k[2 * s.W + c] = 0
                k[3 * s.W + c] = 0
        _tile(&k[0], &s)
        if grad_input is not None:
            _affine(&x[0, 0, 0], &grad_output[0, 0, 0], &grad_input[0, 0, 0], &s, &k[0], nt,
                    _streamed(&s, sizeof(floating)))


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
