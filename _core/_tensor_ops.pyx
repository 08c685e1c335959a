"""In-place element-wise kernels behind ``Tensor.mul/div/add/cmul`` (float32/float64).

Each entry takes flat C-contiguous arrays and an explicit thread count; below
``PAR_MIN`` elements the loop runs serially (a parallel region would cost more than
the work).  Scalars are rounded to the array's dtype first and the arithmetic is
done in that dtype, as BigDL's ``Tensor[Float]`` does, so results match numpy's
``x * dtype(v)`` bit for bit (no FMA contraction: no ``-march``/``-ffast-math``).
"""
from cython cimport floating
from cython.parallel cimport prange

from threads cimport team

cdef enum:
    # Elements below which a loop runs on one thread (threads.pxd's team()).  These loops
    # are memory-bound and cheap, so a team pays late.  Measured (float32, best of 150
    # interleaved runs, 2 cores of a shared machine, with the threshold lowered), 2 vs 1
    # threads: mul 2**15 3.5 vs 2.5 us, 2**16 4.4 vs 4.5 us, 2**17 6.5 vs 8.5 us; axpy
    # 2**16 5.0 vs 5.4 us, 2**17 7.6 vs 10.9 us.
    PAR_MIN = 1 << 17


def _check(str name, Py_ssize_t n, Py_ssize_t ny):
    if ny != n:
        raise ValueError(f"{name}: expected y with {n} elements like x, got {ny}")


cdef void _scale(floating[::1] x, floating s, int nt) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    if nt == 1:
        for i in range(n):
            x[i] = x[i] * s
    else:
        for i in prange(n, schedule='static', num_threads=nt):
            x[i] = x[i] * s


cdef void _shift(floating[::1] x, floating s, int nt) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    if nt == 1:
        for i in range(n):
            x[i] = x[i] + s
    else:
        for i in prange(n, schedule='static', num_threads=nt):
            x[i] = x[i] + s


cdef void _axpy(floating[::1] x, floating a, const floating[::1] y, int nt) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    if nt == 1:
        for i in range(n):
            x[i] = x[i] + a * y[i]
    else:
        for i in prange(n, schedule='static', num_threads=nt):
            x[i] = x[i] + a * y[i]


cdef void _cmul(floating[::1] x, const floating[::1] y, int nt) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    if nt == 1:
        for i in range(n):
            x[i] = x[i] * y[i]
    else:
        for i in prange(n, schedule='static', num_threads=nt):
            x[i] = x[i] * y[i]


def mul(floating[::1] x, double v, int n_threads):
    """``x *= v`` in place (``v`` rounded to x's dtype)."""
    cdef floating s = <floating>v
    with nogil:
        _scale(x, s, team(x.shape[0], PAR_MIN, n_threads))


def div(floating[::1] x, double v, int n_threads):
    """``x *= 1 / v`` in place, the reciprocal taken in x's dtype (BigDL's ``div``)."""
    cdef floating s = (<floating>1) / (<floating>v)
    with nogil:
        _scale(x, s, team(x.shape[0], PAR_MIN, n_threads))


def add(floating[::1] x, double v, int n_threads):
    """``x += v`` in place (``v`` rounded to x's dtype)."""
    cdef floating s = <floating>v
    with nogil:
        _shift(x, s, team(x.shape[0], PAR_MIN, n_threads))


def axpy(floating[::1] x, double alpha, const floating[::1] y, int n_threads):
    """``x += alpha * y`` in place; ``y`` has x's dtype and length."""
    _check("axpy", x.shape[0], y.shape[0])
    cdef floating a = <floating>alpha
    with nogil:
        _axpy(x, a, y, team(x.shape[0], PAR_MIN, n_threads))


def cmul(floating[::1] x, const floating[::1] y, int n_threads):
    """``x *= y`` element-wise in place; ``y`` has x's dtype and length."""
    _check("cmul", x.shape[0], y.shape[0])
    with nogil:
        _cmul(x, y, team(x.shape[0], PAR_MIN, n_threads))
