"""Kernels of CAdd and CMul: the parameter-gradient sums over the broadcast axes, fused with
CMul's ``input * grad_output`` product (no temporary the size of the input).

The input and grad_output (C-contiguous, ``A*B*C`` values) are viewed as (A, B, C):
- ``middle=False``: the parameter is indexed by b and summed over a and c -- a parameter
  broadcast along leading and/or trailing axes (a bias [1, C] on (N, C), [C, 1, 1] on
  (N, C, H, W), or one value per input element with A = C = 1);
- ``middle=True``: the parameter is indexed by (a, c) and summed over b -- a parameter
  broadcast along middle axes ([2, 1, 3] on (2, 5, 3)).

Every ``def`` validates with the GIL held, then makes one ``nogil`` call into work that
cannot fail.  Results do not depend on the thread count: the rows a are cut into fixed
blocks of ``_ROWS`` whose partial sums are added in block order, and each middle sum runs
down b in order.
"""
from cython cimport floating
from cython.parallel cimport prange
from threads cimport team

import numpy as np

cdef enum:
    # Values below which one thread does the work (threads.pxd's team()).  Measured (fused,
    # float32, best of 150 interleaved runs, 2 cores of a shared machine, threshold lowered),
    # 2 vs 1 threads: middle sums 2**14 9.4 vs 8.6 us, 2**15 10.4 vs 16.5 us; outer sums
    # split by blocks of _ROWS rows, so they gain from two blocks (2**17 with 256 columns:
    # 74.8 vs 136.5 us) whatever the threshold.
    PAR_MIN = 1 << 15

cdef Py_ssize_t _ROWS = 256          # rows a per partial sum (fixed: thread-independent)
include "par_threshold.pxi"


cdef inline floating _run(const floating *x, const floating *g, Py_ssize_t n,
                          Py_ssize_t stride, bint fused) noexcept nogil:
    """sum_i x[i*stride] * g[i*stride] (fused) or sum_i g[i*stride]."""
    cdef floating s = 0
    cdef Py_ssize_t i
    if fused:
        for i in range(n):
            s = s + x[i * stride] * g[i * stride]
    else:
        for i in range(n):
            s = s + g[i * stride]
    return s


cdef void _outer(const floating *x, const floating *g, bint fused, Py_ssize_t A,
                 Py_ssize_t B, Py_ssize_t C, floating *part, floating *out, double scale,
                 int nt) noexcept nogil:
    """out[b] += scale * sum_{a, c}: partial sums per block of rows, then in block order."""
    cdef Py_ssize_t nblk = (A + _ROWS - 1) // _ROWS
    cdef Py_ssize_t blk, a, b
    cdef floating s
    for blk in prange(nblk, schedule='static', num_threads=nt):
        for b in range(B):
            part[blk * B + b] = 0
        for a in range(blk * _ROWS, min(blk * _ROWS + _ROWS, A)):
            for b in range(B):
                part[blk * B + b] = part[blk * B + b] + _run(
                    x + (a * B + b) * C, g + (a * B + b) * C, C, 1, fused)
    for b in prange(B, schedule='static', num_threads=nt):
        s = _run(part + b, part + b, nblk, B, False)
        out[b] = out[b] + <floating>scale * s


cdef void _middle(const floating *x, const floating *g, bint fused, Py_ssize_t A,
                  Py_ssize_t B, Py_ssize_t C, floating *out, double scale,
                  int nt) noexcept nogil:
    """out[a, c] += scale * sum_b, each down b in order."""
    cdef Py_ssize_t a, c
    for a in prange(A, schedule='static', num_threads=nt):
        for c in range(C):
            out[a * C + c] = out[a * C + c] + <floating>scale * _run(
                x + a * B * C + c, g + a * B * C + c, B, C, fused)


def broadcast_acc(const floating[::1] x, const floating[::1] g, floating[::1] out,
                  Py_ssize_t A, Py_ssize_t B, Py_ssize_t C, bint middle, bint fused,
                  double scale, int n_threads):
    """``out += scale * sum over the broadcast axes`` of ``x * g`` (``fused``) or of ``g``
    (then ``x`` is ignored; pass ``g``), for the (A, B, C) view described in the module
    docstring.  ``out`` has B values (``middle=False``) or A*C (``middle=True``)."""
    if A < 0 or B < 0 or C < 0 or g.shape[0] != A * B * C or x.shape[0] != g.shape[0]:
        raise ValueError(f"broadcast_acc: expected x and g of {A}*{B}*{C} values, got "
                         f"{x.shape[0]} and {g.shape[0]}")
    if out.shape[0] != (A * C if middle else B):
        raise ValueError(f"broadcast_acc: expected out of {A * C if middle else B} values, "
                         f"got {out.shape[0]}")
    if g.shape[0] == 0:
        return
    cdef int nt = team(g.shape[0], _par_min, n_threads)
    cdef floating[::1] part
    if middle:
        with nogil:
            _middle(&x[0], &g[0], fused, A, B, C, &out[0], scale, nt)
    else:
        part = np.empty(((A + _ROWS - 1) // _ROWS) * B,
                        dtype=np.float32 if floating is float else np.float64)
        with nogil:
            _outer(&x[0], &g[0], fused, A, B, C, &part[0], &out[0], scale, nt)
