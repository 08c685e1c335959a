"""Kernels of the classification criteria (``bigdl_py.nn.criterion``): BigDL's 1-based labels
checked and made 0-based in one pass, and ClassNLL's loss and gradient over the rows of an
(N, C) input, with per-class weights or none.

Loss ``-sum_i w[t_i] p_i / norm`` summed in double in row order, where ``p_i`` is
``x[i, t_i]`` (log-probabilities) or ``log(clip(x[i, t_i], 1e-8, 1 - 1e-8))``
(probabilities), ``norm = sum_i w[t_i]`` with ``size_average`` (1 when that is 0), else 1.
Gradient: zero but ``-w[t_i] / norm`` at each label (divided by the clipped probability
in the probability case).  Serial: N is a batch.  Checks with the GIL, work without.
"""
from cython cimport floating
from libc.math cimport log
from libc.stdint cimport int32_t, int64_t

ctypedef fused label_t:
    float
    double
    int32_t
    int64_t

cdef double LO = 1e-8   # probabilities are clipped to [LO, 1 - LO] before the log (BigDL)


def _fail(name, expected, got):
    raise ValueError(f"_criterion.{name}: expected {expected}, got {got}")


def class_indices(const label_t[::1] t, Py_ssize_t c, Py_ssize_t[::1] idx):
    """``idx = t - 1`` for labels that are whole numbers in 1..c; returns -1, or the
    position of the first other label (``idx`` is then partly written)."""
    cdef Py_ssize_t i, n = t.shape[0], bad = -1
    cdef label_t v
    if idx.shape[0] != n:
        _fail("class_indices", f"idx of {n} values like t", idx.shape[0])
    with nogil:
        for i in range(n):
            v = t[i]
            if label_t is float or label_t is double:
                # v <= c first: the cast below is defined only for values in range
                if not (v >= 1 and v <= c and v == <label_t><int64_t>v):
                    bad = i
                    break
            else:
                if v < 1 or v > c:
                    bad = i
                    break
            idx[i] = <Py_ssize_t>v - 1
    return bad


cdef Py_ssize_t _first_outside(const Py_ssize_t[::1] idx, Py_ssize_t C) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(idx.shape[0]):
        if idx[i] < 0 or idx[i] >= C:
            return i
    return -1


cdef int _check(str name, const floating[:, ::1] x, const Py_ssize_t[::1] idx,
                const double[::1] w) except -1:
    cdef Py_ssize_t bad
    if idx.shape[0] != x.shape[0]:
        _fail(name, f"{x.shape[0]} labels for {x.shape[0]} rows", idx.shape[0])
    if w.shape[0] not in (0, x.shape[1]):
        _fail(name, f"no weights or {x.shape[1]} (one per class)", w.shape[0])
    bad = _first_outside(idx, x.shape[1])
    if bad >= 0:
        _fail(name, f"0-based labels in [0, {x.shape[1]})", idx[bad])
    return 0


cdef inline double _picked(floating v, bint log_prob) noexcept nogil:
    cdef double p = v
    if log_prob:
        return p
    if p < LO:
        p = LO
    elif p > 1 - LO:
        p = 1 - LO
    return p   # NaN stays NaN


cdef double _norm(const Py_ssize_t *idx, Py_ssize_t n, const double *w,
                  bint size_average) noexcept nogil:
    cdef double total = 0
    cdef Py_ssize_t i
    if not size_average:
        return 1.0
    if w == NULL:
        total = n
    else:
        for i in range(n):
            total += w[idx[i]]
    return total if total != 0 else 1.0


def nll_forward(const floating[:, ::1] x, const Py_ssize_t[::1] idx, const double[::1] w,
                bint size_average, bint log_prob):
    """The loss (a float) of the rows ``x`` (N, C) at the 0-based labels ``idx``; ``w``
    the class weights (empty: all 1)."""
    _check("nll_forward", x, idx, w)
    cdef Py_ssize_t i, n = x.shape[0], C = x.shape[1]
    cdef const double *wp = &w[0] if w.shape[0] else NULL
    cdef double s = 0, norm, p
    if n == 0:
        return -0.0
    with nogil:
        norm = _norm(&idx[0], n, wp, size_average)
        for i in range(n):
            p = _picked(x[i, idx[i]], log_prob)
            if not log_prob:
                p = log(p)
            s += (wp[idx[i]] if wp != NULL else 1.0) * p
    return -s / norm


def nll_backward(const floating[:, ::1] x, const Py_ssize_t[::1] idx, const double[::1] w,
                 bint size_average, bint log_prob, floating[:, ::1] grad):
    """``grad`` (N, C) = d loss / d x: zeros, and ``-w / norm`` (over the clipped
    probability when ``log_prob`` is False) at each label."""
    _check("nll_backward", x, idx, w)
    if grad.shape[0] != x.shape[0] or grad.shape[1] != x.shape[1]:
        _fail("nll_backward", f"grad of shape ({x.shape[0]}, {x.shape[1]}) like x",
              (grad.shape[0], grad.shape[1]))
    cdef Py_ssize_t i, j, n = x.shape[0], C = x.shape[1]
    cdef const double *wp = &w[0] if w.shape[0] else NULL
    cdef double norm, coef
    if n == 0 or C == 0:
        return
    with nogil:
        norm = _norm(&idx[0], n, wp, size_average)
        for i in range(n):
            for j in range(C):
                grad[i, j] = 0
            coef = -(wp[idx[i]] if wp != NULL else 1.0) / norm
            if not log_prob:
                coef = coef / _picked(x[i, idx[i]], False)
            grad[i, idx[i]] = <floating>coef
