"""Gradient clipping kernels (float32/float64, OpenMP) of ``bigdl_py.optim.gradclip``.

``clip`` clamps in place, ``sumsq`` gives the squared L2 norm, ``divide`` rescales.
``sumsq`` adds fixed chunks of CH elements in double, each chunk serially, then the chunk
sums in order: the same bits for any thread count.  Below ``PAR_MIN`` elements a kernel
runs on one thread (these are memory-bound passes like the updates of ``_optim.pyx``,
whose ``PAR_MIN`` measurement applies; ``_set_parallel_threshold`` moves it, for tests).
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.stdint cimport int64_t
from threads cimport team

import numpy as np

DEF CH = 4096  # elements per partial sum of sumsq

cdef enum:
    PAR_MIN = 1 << 16   # as _optim.pyx's PAR_MIN (same kind of pass)

include "par_threshold.pxi"


cdef void _clip_work(floating *g, int64_t n, floating lo, floating hi, int nt) noexcept nogil:
    cdef int64_t i
    for i in prange(n, schedule='static', num_threads=nt):
        if g[i] < lo:
            g[i] = lo
        elif g[i] > hi:
            g[i] = hi


def clip(floating[::1] g, double lo, double hi, int n_threads):
    """Clamp every element of ``g`` to [lo, hi] in place (NaN stays NaN)."""
    cdef int64_t n = g.shape[0]
    if not lo <= hi:
        raise ValueError(f"_gradclip.clip: expected lo <= hi, got {lo} and {hi}")
    if n == 0:
        return
    with nogil:
        _clip_work(&g[0], n, <floating>lo, <floating>hi, team(n, _par_min, n_threads))


cdef void _sumsq_work(const floating *g, int64_t n, double *part, int nt) noexcept nogil:
    cdef int64_t u, i, end, nu = (n + CH - 1) // CH
    cdef double acc
    for u in prange(nu, schedule='static', num_threads=nt):
        acc = 0.0
        end = min(n, (u + 1) * CH)
        for i in range(u * CH, end):
            acc = acc + <double>g[i] * <double>g[i]
        part[u] = acc


def sumsq(const floating[::1] g, int n_threads):
    """sum(g**2) in double: chunk sums of CH elements, added in order (same bits for any
    thread count)."""
    cdef int64_t n = g.shape[0], u, nu = (g.shape[0] + CH - 1) // CH
    cdef double[::1] part = np.empty(max(nu, 1), dtype=np.float64)
    cdef double total = 0.0
    if n == 0:
        return 0.0
    with nogil:
        _sumsq_work(&g[0], n, &part[0], team(n, _par_min, n_threads))
        for u in range(nu):
            total = total + part[u]
    return total


cdef void _div_work(floating *g, int64_t n, floating s, int nt) noexcept nogil:
    cdef int64_t i
    for i in prange(n, schedule='static', num_threads=nt):
        g[i] = g[i] / s


def divide(floating[::1] g, double divisor, int n_threads):
    """g /= divisor in place (in g's type, as BigDL's ``Tensor.div``)."""
    cdef int64_t n = g.shape[0]
    if n == 0:
        return
    with nogil:
        _div_work(&g[0], n, <floating>divisor, team(n, _par_min, n_threads))
