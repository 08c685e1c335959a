"""Kernels of the activations (``bigdl_py.nn.activation``), float32/float64, one pass each
(OpenMP over elements or rows):

- ReLU: ``out = x`` where ``x > 0`` or NaN, else ``+0``; backward ``g * (x > 0)``.
- Tanh backward: ``out = g * (1 - y*y)`` from ``y = tanh(x)`` (``out`` may be ``y``: the
  layer recomputes ``y`` into ``out`` with numpy's vectorised tanh, then this pass).
- LogSoftMax over the rows of an (N, C) array: ``out = (x - max) - log(sum(exp(x - max)))``
  with the sum in double (a NaN anywhere in a row makes the row NaN); backward
  ``g - exp(y) * sum(g)`` with ``y`` recomputed from ``x``.

Every element (row) is computed on its own, so the bits do not depend on the thread count.
Every ``def`` checks the shapes with the GIL held (in C: a call costs well under a
microsecond, which a batch-1 step pays a dozen times), then makes one ``nogil`` call.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport exp, log
from threads cimport team

cdef enum:
    # Elements below which a pass runs on one thread (threads.pxd's team()).  Memory-bound
    # passes like the optim updates (_optim.pyx's PAR_MIN measurement: a team pays from a few
    # 2**14 elements when both cores are free and stalls when another process holds a core)
    # that run between BLAS calls: serial below 2**16 (a batch-32 MLP's activations are
    # 2**12 .. 2**13 elements, LeNet's first Tanh at batch 128 is 2**18.8).
    PAR_MIN = 1 << 16

include "par_threshold.pxi"


def _fail(name, x, others):
    """The ValueError of a shape check that failed (the checks compare in C first)."""
    for what, a in others:
        if tuple(a.shape[:a.ndim]) != tuple(x.shape[:x.ndim]):
            raise ValueError(f"_activation.{name}: expected {what} of shape "
                             f"{tuple(x.shape[:x.ndim])} like x, got {tuple(a.shape[:a.ndim])}")


# ---- element-wise ---------------------------------------------------------------------------
# Each pass runs a plain loop over chunks of CH elements: one chunk (the whole array) on one
# thread, without entering an OpenMP region (a one-thread region costs ~1.5 us a call, more
# than a batch-1 layer's work), or a prange over the chunks.
cdef enum:
    CH = 1 << 12


cdef inline void _relu_chunk(const floating *x, floating *out, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef floating v
    for i in range(n):
        v = x[i]
        out[i] = v if (v > 0 or v != v) else 0


cdef inline void _grad_chunk(bint tanh, const floating *x, const floating *g, floating *out,
                             Py_ssize_t n) noexcept nogil:
    # ReLU's g * (x > 0), or Tanh's g * (1 - y*y) with x the forward's output y
    cdef Py_ssize_t i
    cdef floating v
    if tanh:
        for i in range(n):
            v = x[i]
            out[i] = g[i] * (1 - v * v)
    else:
        for i in range(n):
            out[i] = g[i] * (<floating>1 if x[i] > 0 else <floating>0)


cdef void _relu(const floating *x, floating *out, Py_ssize_t n, int nt) noexcept nogil:
    cdef Py_ssize_t u
    if nt < 2:
        _relu_chunk(x, out, n)
        return
    for u in prange((n + CH - 1) // CH, schedule='static', num_threads=nt):
        _relu_chunk(x + u * CH, out + u * CH, min(<Py_ssize_t>CH, n - u * CH))


cdef void _grad(bint tanh, const floating *x, const floating *g, floating *out, Py_ssize_t n,
                int nt) noexcept nogil:
    cdef Py_ssize_t u
    if nt < 2:
        _grad_chunk(tanh, x, g, out, n)
        return
    for u in prange((n + CH - 1) // CH, schedule='static', num_threads=nt):
        _grad_chunk(tanh, x + u * CH, g + u * CH, out + u * CH,
                    min(<Py_ssize_t>CH, n - u * CH))


cdef int _backward(str name, bint tanh, const floating[::1] x, const floating[::1] g,
                   floating[::1] out, int n_threads) except -1:
    if g.shape[0] != x.shape[0] or out.shape[0] != x.shape[0]:
        _fail(name, x, [("g", g), ("out", out)])
    if x.shape[0]:
        with nogil:
            _grad(tanh, &x[0], &g[0], &out[0], x.shape[0],
                  team(x.shape[0], _par_min, n_threads))
    return 0


def relu_forward(const floating[::1] x, floating[::1] out, int n_threads):
    """``out = max(x, 0)`` (NaN kept; ``out`` may be ``x``)."""
    if out.shape[0] != x.shape[0]:
        _fail("relu_forward", x, [("out", out)])
    if x.shape[0]:
        with nogil:
            _relu(&x[0], &out[0], x.shape[0], team(x.shape[0], _par_min, n_threads))


def relu_backward(const floating[::1] x, const floating[::1] g, floating[::1] out,
                  int n_threads):
    """``out = g * (x > 0)``."""
    _backward("relu_backward", False, x, g, out, n_threads)


def tanh_backward(const floating[::1] y, const floating[::1] g, floating[::1] out,
                  int n_threads):
    """``out = g * (1 - y*y)``, ``y`` the forward's output (``out`` may be ``y``)."""
    _backward("tanh_backward", True, y, g, out, n_threads)


# ---- LogSoftMax ---------------------------------------------------------------------------
cdef inline floating _row_max(const floating *x, Py_ssize_t C) noexcept nogil:
    cdef floating m = x[0], v
    cdef Py_ssize_t j
    for j in range(1, C):
        v = x[j]
        if v > m:
            m = v
        elif v != v:  # NaN: the row's result is NaN
            return v
    return m


cdef inline floating _row_lse(const floating *x, floating m, Py_ssize_t C) noexcept nogil:
    # log(sum(exp(x - m))) with the sum in double
    cdef double s = 0
    cdef Py_ssize_t j
    for j in range(C):
        s += exp(<double>(x[j] - m))
    return <floating>log(s)


cdef inline void _lsm_row(const floating *x, floating *out, Py_ssize_t C) noexcept nogil:
    cdef Py_ssize_t j
    cdef floating m = _row_max(x, C)
    cdef floating lse = _row_lse(x, m, C)
    for j in range(C):
        out[j] = (x[j] - m) - lse


cdef inline void _lsm_grad_row(const floating *x, const floating *g, floating *out,
                               Py_ssize_t C) noexcept nogil:
    cdef Py_ssize_t j
    cdef floating m = _row_max(x, C)
    cdef floating lse = _row_lse(x, m, C)
    cdef double s = 0
    for j in range(C):
        s = s + g[j]
    cdef floating gs = <floating>s
    for j in range(C):
        out[j] = g[j] - <floating>exp(<double>((x[j] - m) - lse)) * gs


cdef void _lsm(const floating *x, floating *out, Py_ssize_t N, Py_ssize_t C,
               int nt) noexcept nogil:
    cdef Py_ssize_t r
    if nt < 2:
        for r in range(N):
            _lsm_row(x + r * C, out + r * C, C)
        return
    for r in prange(N, schedule='static', num_threads=nt):
        _lsm_row(x + r * C, out + r * C, C)


cdef void _lsm_grad(const floating *x, const floating *g, floating *out, Py_ssize_t N,
                    Py_ssize_t C, int nt) noexcept nogil:
    cdef Py_ssize_t r
    if nt < 2:
        for r in range(N):
            _lsm_grad_row(x + r * C, g + r * C, out + r * C, C)
        return
    for r in prange(N, schedule='static', num_threads=nt):
        _lsm_grad_row(x + r * C, g + r * C, out + r * C, C)


cdef inline bint _differ(const floating[:, ::1] x, const floating[:, ::1] a) noexcept:
    return x.shape[0] != a.shape[0] or x.shape[1] != a.shape[1]


def log_softmax_forward(const floating[:, ::1] x, floating[:, ::1] out, int n_threads):
    """``out`` = log-softmax of each row of ``x`` (N, C); ``out`` may be ``x``."""
    if _differ(x, out):
        _fail("log_softmax_forward", x, [("out", out)])
    if x.shape[0] and x.shape[1]:
        with nogil:
            _lsm(&x[0, 0], &out[0, 0], x.shape[0], x.shape[1],
                 team(x.shape[0] * x.shape[1], _par_min, n_threads))


def log_softmax_backward(const floating[:, ::1] x, const floating[:, ::1] g,
                         floating[:, ::1] out, int n_threads):
    """``out = g - exp(log_softmax(x)) * sum(g)`` row by row."""
    if _differ(x, g) or _differ(x, out):
        _fail("log_softmax_backward", x, [("g", g), ("out", out)])
    if x.shape[0] and x.shape[1]:
        with nogil:
            _lsm_grad(&x[0, 0], &g[0, 0], &out[0, 0], x.shape[0], x.shape[1],
                      team(x.shape[0] * x.shape[1], _par_min, n_threads))
