"""Fused optim-method updates (float32/float64, OpenMP); gradient clipping is in
``_gradclip.pyx``.

Each update is one pass over a parameter: element i reads x[i], g[i] and its state and
writes them back, with the arithmetic of BigDL's tensor ops in the parameter's type (the
hyper-parameters are cast to it once).  Elements are independent, so the result does not
depend on the thread count.  The common SGD cases run branch-free loops over fixed
chunks of CH elements (vectorised by the compiler).

Below ``PAR_MIN`` elements a kernel runs on one thread: an update is memory bound
(5-7 streams of the parameter's size), and starting a parallel region costs about as
much as updating a few tens of thousands of elements (``benchmarks/bench_optim.py``
measures the crossover; ``_set_parallel_threshold`` moves it, for tests).

Absent optional arrays (the momentum buffer, ``learningrates``, ``weightdecays``) are
passed as empty arrays.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport fabs, sqrt
from libc.stdint cimport int64_t
from threads cimport team

import numpy as np

DEF CH = 4096  # elements per SGD chunk

cdef enum:
    # Elements below which a kernel runs on one thread (threads.pxd's team()).  Measured
    # (SGD with momentum, float32, best of 150 interleaved runs, 2 cores of a shared machine,
    # threshold lowered), 2 vs 1 threads: 2**12 4.9 vs 5.8 us, 2**14 11.2 vs 18.0 us, 2**16
    # 34.0 vs 65.7 us.  Two threads pay early when both cores are free, but a team stalls
    # when another process holds a core, so a team starts only where it saves ~30 us.
    PAR_MIN = 1 << 16

include "par_threshold.pxi"


cdef inline int64_t _check(str kernel, int64_t n, object others):
    for name, arr_len in others:
        if arr_len != n:
            raise ValueError(f"_optim.{kernel}: expected {name} of length {n}, got {arr_len}")
    return n


# ---- SGD ----------------------------------------------------------------------------------

cdef inline void _sgd_chunk(floating *x, const floating *g, floating *v, int64_t n,
                            floating clr, floating wd, floating mom, floating damp1,
                            int nesterov, int first, const floating *lrs,
                            const floating *wds) noexcept nogil:
    # The common cases get loops without branches (the compiler vectorises them); each
    # does the general loop's operations in its order, so the bits are the same.
    cdef int64_t i
    cdef floating d
    if lrs == NULL and wds == NULL and not nesterov and not first:
        if v == NULL and wd == 0:
            for i in range(n):
                x[i] = x[i] - clr * g[i]
            return
        if v != NULL and wd == 0:
            for i in range(n):
                v[i] = mom * v[i] + damp1 * g[i]
                x[i] = x[i] - clr * v[i]
            return
        if v != NULL:
            for i in range(n):
                v[i] = mom * v[i] + damp1 * (g[i] + wd * x[i])
                x[i] = x[i] - clr * v[i]
            return
    for i in range(n):
        d = g[i]
        if wd != 0:
            d = d + wd * x[i]
        elif wds != NULL:
            d = d + wds[i] * x[i]
        if v != NULL:
            if first:
                v[i] = d
            else:
                v[i] = mom * v[i] + damp1 * d
            if nesterov:
                d = d + mom * v[i]
            else:
                d = v[i]
        if lrs != NULL:
            x[i] = x[i] - clr * (lrs[i] * d)
        else:
            x[i] = x[i] - clr * d


cdef void _sgd_work(floating *x, const floating *g, floating *v, int64_t n, floating clr,
                    floating wd, floating mom, floating damp1, int nesterov, int first,
                    const floating *lrs, const floating *wds, int nt) noexcept nogil:
    # fixed chunks of CH elements (elements are independent: any split gives the same bits)
    cdef int64_t u, lo, nu = (n + CH - 1) // CH
    if nt < 2:
        _sgd_chunk(x, g, v, n, clr, wd, mom, damp1, nesterov, first, lrs, wds)
        return
    for u in prange(nu, schedule='static', num_threads=nt):
        lo = u * CH
        _sgd_chunk(x + lo, g + lo, v + lo if v != NULL else NULL, min(CH, n - lo), clr, wd,
                   mom, damp1, nesterov, first, lrs + lo if lrs != NULL else NULL,
                   wds + lo if wds != NULL else NULL)


def sgd(floating[::1] x, const floating[::1] g, floating[::1] v, double clr, double wd,
        double mom, double damp, bint nesterov, bint first, const floating[::1] lrs,
        const floating[::1] wds, int n_threads):
    """BigDL's SGD step: d = g + wd x (or + wds x); with a momentum buffer ``v`` (empty:
    none) v = d on the ``first`` step, else mom v + (1 - damp) d, then d = d + mom v
    (Nesterov) or v; x -= clr d (or clr (lrs d))."""
    cdef int64_t n = _check("sgd", x.shape[0], [("g", g.shape[0])])
    cdef floating *vp = NULL
    cdef const floating *lp = NULL
    cdef const floating *wp = NULL
    if v.shape[0]:
        _check("sgd", n, [("v", v.shape[0])])
        vp = &v[0]
    if lrs.shape[0]:
        _check("sgd", n, [("learningrates", lrs.shape[0])])
        lp = &lrs[0]
    if wds.shape[0]:
        _check("sgd", n, [("weightdecays", wds.shape[0])])
        wp = &wds[0]
    if n == 0:
        return
    with nogil:
        _sgd_work(&x[0], &g[0], vp, n, <floating>clr, <floating>wd, <floating>mom,
                  <floating>(1.0 - damp), nesterov, first, lp, wp, team(n, _par_min, n_threads))


# ---- Adam, Adamax -------------------------------------------------------------------------

cdef void _adam_work(floating *x, const floating *g, floating *s, floating *r, int64_t n,
                     floating step, floating b1, floating b2, floating eps,
                     int nt) noexcept nogil:
    cdef int64_t i
    cdef floating gi
    for i in prange(n, schedule='static', num_threads=nt):
        gi = g[i]
        s[i] = b1 * s[i] + (1 - b1) * gi
        r[i] = b2 * r[i] + (1 - b2) * (gi * gi)
        x[i] = x[i] - step * (s[i] / (<floating>sqrt(r[i]) + eps))


cdef void _adamax_work(floating *x, const floating *g, floating *m, floating *u, int64_t n,
                       floating step, floating b1, floating b2, floating eps,
                       int nt) noexcept nogil:
    cdef int64_t i
    cdef floating a, b
    for i in prange(n, schedule='static', num_threads=nt):
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        a = b2 * u[i]
        b = <floating>fabs(g[i]) + eps
        u[i] = a if a >= b else b
        x[i] = x[i] - step * (m[i] / u[i])


def adam(floating[::1] x, const floating[::1] g, floating[::1] s, floating[::1] r,
         double step, double beta1, double beta2, double epsilon, bint infinity_norm,
         int n_threads):
    """Adam: s = b1 s + (1-b1) g; r = b2 r + (1-b2) g^2; x -= step s / (sqrt(r) + eps),
    where step = clr sqrt(1 - b2^t) / (1 - b1^t).
    Adamax (``infinity_norm``; s, r are m, u): m = b1 m + (1-b1) g;
    u = max(b2 u, |g| + eps); x -= step m / u, where step = lr / (1 - b1^t)."""
    cdef int64_t n = _check("adamax" if infinity_norm else "adam", x.shape[0],
                            [("g", g.shape[0]), ("m" if infinity_norm else "s", s.shape[0]),
                             ("u" if infinity_norm else "r", r.shape[0])])
    cdef int nt = team(n, _par_min, n_threads)
    if n == 0:
        return
    with nogil:
        if infinity_norm:
            _adamax_work(&x[0], &g[0], &s[0], &r[0], n, <floating>step, <floating>beta1,
                         <floating>beta2, <floating>epsilon, nt)
        else:
            _adam_work(&x[0], &g[0], &s[0], &r[0], n, <floating>step, <floating>beta1,
                       <floating>beta2, <floating>epsilon, nt)


# ---- RMSprop, Adagrad, Adadelta -------------------------------------------------------------

cdef void _rmsprop_work(floating *x, const floating *g, floating *s, int64_t n,
                        floating clr, floating dr, floating eps, int nt) noexcept nogil:
    cdef int64_t i
    cdef floating gi
    for i in prange(n, schedule='static', num_threads=nt):
        gi = g[i]
        s[i] = dr * s[i] + (1 - dr) * (gi * gi)
        x[i] = x[i] - clr * (gi / (<floating>sqrt(s[i]) + eps))


def rmsprop(floating[::1] x, const floating[::1] g, floating[::1] s, double clr,
            double decayrate, double epsilon, int n_threads):
    """s = dr s + (1-dr) g^2; x -= clr g / (sqrt(s) + eps)."""
    cdef int64_t n = _check("rmsprop", x.shape[0], [("g", g.shape[0]), ("s", s.shape[0])])
    if n == 0:
        return
    with nogil:
        _rmsprop_work(&x[0], &g[0], &s[0], n, <floating>clr, <floating>decayrate,
                      <floating>epsilon, team(n, _par_min, n_threads))


cdef void _adagrad_work(floating *x, const floating *g, floating *v, int64_t n,
                        floating clr, floating wd, int nt) noexcept nogil:
    cdef int64_t i
    cdef floating d
    cdef floating tiny = <floating>1e-10
    for i in prange(n, schedule='static', num_threads=nt):
        d = g[i]
        if wd != 0:
            d = d + wd * x[i]
        v[i] = v[i] + d * d
        x[i] = x[i] - clr * (d / (<floating>sqrt(v[i]) + tiny))


def adagrad(floating[::1] x, const floating[::1] g, floating[::1] v, double clr,
            double weightdecay, int n_threads):
    """d = g + wd x; v += d^2; x -= clr d / (sqrt(v) + 1e-10)."""
    cdef int64_t n = _check("adagrad", x.shape[0], [("g", g.shape[0]), ("v", v.shape[0])])
    if n == 0:
        return
    with nogil:
        _adagrad_work(&x[0], &g[0], &v[0], n, <floating>clr, <floating>weightdecay,
                      team(n, _par_min, n_threads))


cdef void _adadelta_work(floating *x, const floating *g, floating *v, floating *a,
                         int64_t n, floating rho, floating eps, int nt) noexcept nogil:
    cdef int64_t i
    cdef floating gi, d
    for i in prange(n, schedule='static', num_threads=nt):
        gi = g[i]
        v[i] = rho * v[i] + (1 - rho) * (gi * gi)
        d = <floating>sqrt(a[i] + eps) / <floating>sqrt(v[i] + eps) * gi
        x[i] = x[i] - d
        a[i] = rho * a[i] + (1 - rho) * (d * d)


def adadelta(floating[::1] x, const floating[::1] g, floating[::1] v, floating[::1] a,
             double decayrate, double epsilon, int n_threads):
    """v = rho v + (1-rho) g^2; d = sqrt(a + eps) / sqrt(v + eps) g; x -= d;
    a = rho a + (1-rho) d^2."""
    cdef int64_t n = _check("adadelta", x.shape[0], [("g", g.shape[0]), ("v", v.shape[0]),
                                                     ("a", a.shape[0])])
    if n == 0:
        return
    with nogil:
        _adadelta_work(&x[0], &g[0], &v[0], &a[0], n, <floating>decayrate,
                       <floating>epsilon, team(n, _par_min, n_threads))
