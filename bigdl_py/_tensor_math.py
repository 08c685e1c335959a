"""The in-place arithmetic, random fills and GEMM of ``Tensor`` (mixed into the class).

Element-wise arithmetic runs in ``bigdl_py._tensor_ops`` (OpenMP), random fills in
``bigdl_py._random`` through ``RNG`` and ``addmm`` in ``bigdl_py._blas.gemm``.  A
non-contiguous tensor is processed through a contiguous temporary that is copied back,
so results never depend on the layout.  Every method checks its arguments before it
writes anything, and returns ``self``.
"""
import math
import numbers

import numpy as np

from . import _blas, _tensor_ops
from .parallel import get_num_threads
from ._validate import check_number
from .random import RNG

__all__ = ["TensorMath"]


def _scalar(value, method, what="value"):
    return check_number(value, f"Tensor.{method}", what, finite=False)


def _rows_ok(a):
    """True when ``a`` (2-D) has contiguous rows that BLAS can address (see ``gemm``)."""
    rows, cols = a.shape
    isz = a.itemsize
    if a.size == 0:
        return True
    if cols > 1 and a.strides[1] != isz:
        return False
    return rows <= 1 or (a.strides[0] % isz == 0 and a.strides[0] >= cols * isz)


def _gemm_operand(a, out):
    """(array with contiguous rows, transposed?) for ``a``; copies only when it must."""
    if np.may_share_memory(a, out):  # BLAS must not read what it writes
        return a.copy(order="C"), False
    if _rows_ok(a):
        return a, False
    if _rows_ok(a.T):
        return a.T, True
    return np.ascontiguousarray(a), False


class TensorMath:
    """Mixin of ``Tensor``: methods that write into ``self._a`` (an ndarray)."""

    __slots__ = ()

    # ---- helpers ------------------------------------------------------------------
    def _writable(self, method):
        if not self._a.flags.writeable:
            raise ValueError(f"Tensor.{method}: expected a writable tensor, got one backed "
                             "by a read-only array")

    def _operand(self, other, method, what="operand"):
        """The ndarray of a Tensor/ndarray operand, which must have self's dtype."""
        if isinstance(other, TensorMath):
            arr = other._a
        elif isinstance(other, np.ndarray):
            arr = other
        else:
            raise TypeError(f"Tensor.{method}: expected a Tensor as {what}, got "
                            f"{type(other).__name__}")
        if arr.dtype != self._a.dtype:
            raise TypeError(f"Tensor.{method}: expected a {self._a.dtype} {what} like self, "
                            f"got {arr.dtype} (convert it first)")
        return arr

    def _flat_operand(self, other, method):
        """Operand as a flat C-contiguous array paired element by element with self:
        the same element count (row-major pairing, as BigDL) or numpy-broadcastable."""
        arr = self._operand(other, method)
        a = self._a
        if arr.shape != a.shape:
            if arr.size == a.size:
                arr = arr.reshape(a.shape)
            else:
                try:
                    arr = np.broadcast_to(arr, a.shape)
                except ValueError:
                    raise ValueError(
                        f"Tensor.{method}: expected an operand with {a.size} elements or "
                        f"broadcastable to {_sz(a.shape)}, got size {_sz(arr.shape)}") from None
        same_view = (arr.__array_interface__["data"][0] == a.__array_interface__["data"][0]
                     and arr.strides == a.strides)
        if not same_view and np.may_share_memory(arr, a):
            arr = arr.copy()
        return np.ascontiguousarray(arr).reshape(-1)

    def _apply(self, kernel, *args):
        """Run ``kernel(flat_self, *args, n_threads)`` in place on self (any layout)."""
        a = self._a
        if a.size == 0:
            return self
        if a.flags.c_contiguous:
            kernel(a.reshape(-1), *args, get_num_threads())
        else:
            tmp = np.ascontiguousarray(a)
            kernel(tmp.reshape(-1), *args, get_num_threads())
            a[...] = tmp
        return self

    def _fill_random(self, fill, *args):
        a = self._a
        if a.flags.c_contiguous:
            fill(a, *args)
        else:
            tmp = np.empty(a.shape, a.dtype)
            fill(tmp, *args)
            a[...] = tmp
        return self

    # ---- fills and copies -----------------------------------------------------------
    def fill(self, v):
        """Set every element to ``v``; returns self."""
        v = _scalar(v, "fill")
        self._writable("fill")
        self._a[...] = v
        return self

    def zero(self):
        """Set every element to 0; returns self."""
        return self.fill(0.0)

    def copy(self, src):
        """Copy ``src``'s elements into self in row-major order (BigDL: the shapes may
        differ, the element counts must not); returns self."""
        arr = self._operand(src, "copy", "source")
        if arr.size != self._a.size:
            raise ValueError(f"Tensor.copy: expected a source with {self._a.size} elements, "
                             f"got {arr.size} (size {_sz(arr.shape)})")
        self._writable("copy")
        self._a[...] = arr.reshape(self._a.shape)
        return self

    # ---- random fills (RNG: philox or BigDL's mt19937) ------------------------------------
    def rand(self, a=0.0, b=1.0):
        """Fill with U[a, b) draws from ``bigdl_py.RNG``; returns self."""
        a, b = _scalar(a, "rand", "a"), _scalar(b, "rand", "b")
        if not (math.isfinite(a) and math.isfinite(b) and a <= b):
            raise ValueError(f"Tensor.rand: expected finite a <= b, got a={a}, b={b}")
        self._writable("rand")
        return self._fill_random(RNG.uniform_, a, b)

    def randn(self, mean=0.0, std=1.0):
        """Fill with N(mean, std**2) draws from ``bigdl_py.RNG``; returns self."""
        mean, std = _scalar(mean, "randn", "mean"), _scalar(std, "randn", "std")
        if not (math.isfinite(mean) and math.isfinite(std) and std >= 0):
            raise ValueError(f"Tensor.randn: expected a finite mean and std >= 0, got "
                             f"mean={mean}, std={std}")
        self._writable("randn")
        return self._fill_random(RNG.normal_, mean, std)

    def bernoulli(self, p):
        """Fill with 1 (probability ``p``) or 0 from ``bigdl_py.RNG``; returns self."""
        p = _scalar(p, "bernoulli", "p")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Tensor.bernoulli: expected p in [0, 1], got {p}")
        self._writable("bernoulli")
        return self._fill_random(RNG.bernoulli_, p)

    # ---- element-wise arithmetic (bigdl_py._tensor_ops) ----------------------------------
    def mul(self, v):
        """``self *= v`` (v rounded to self's dtype); returns self."""
        v = _scalar(v, "mul")
        self._writable("mul")
        return self._apply(_tensor_ops.mul, v)

    def div(self, v):
        """``self *= 1 / v``, the reciprocal taken in self's dtype as BigDL does (so
        ``x / 49 * 49`` need not give back ``x`` exactly); returns self."""
        v = _scalar(v, "div")
        self._writable("div")
        return self._apply(_tensor_ops.div, v)

    def add(self, *args):
        """``add(v)``: ``self += v``; ``add(t)``: ``self += t``; ``add(alpha, t)``:
        ``self += alpha * t`` (BigDL's overloads); returns self.

        ``t`` has self's dtype and either as many elements (paired in row-major order)
        or a shape that broadcasts to self's.
        """
        if len(args) == 1 and isinstance(args[0], numbers.Real):
            v = _scalar(args[0], "add")
            self._writable("add")
            return self._apply(_tensor_ops.add, v)
        if len(args) == 1:
            alpha, other = 1.0, args[0]
        elif len(args) == 2:
            alpha, other = _scalar(args[0], "add", "alpha"), args[1]
        else:
            raise TypeError(f"Tensor.add: expected add(value), add(tensor) or add(alpha, "
                            f"tensor), got {len(args)} arguments")
        y = self._flat_operand(other, "add")
        self._writable("add")
        return self._apply(_tensor_ops.axpy, alpha, y)

    def cmul(self, t):
        """``self *= t`` element-wise (same element count or broadcastable); returns self."""
        y = self._flat_operand(t, "cmul")
        self._writable("cmul")
        return self._apply(_tensor_ops.cmul, y)

    # ---- matrix product (bigdl_py._blas.gemm) ---------------------------------------------
    def addmm(self, *args):
        """``self = beta * M + alpha * mat1 @ mat2`` through BLAS; returns self.

        BigDL's overloads: ``addmm(beta, M, alpha, mat1, mat2)``, ``addmm(M, mat1, mat2)``
        (beta = alpha = 1), ``addmm(beta, alpha, mat1, mat2)`` (M = self),
        ``addmm(alpha, mat1, mat2)`` and ``addmm(mat1, mat2)`` (M = self, beta = 1).
        ``mat1`` is (m, k), ``mat2`` (k, n), M (m, n); when M is not self, self is resized
        to M's shape and M copied in first.  ``beta == 0`` ignores M (NaN included).

        Examples
        --------
        >>> from bigdl_py import Tensor, T
        >>> m1 = Tensor(T(T(1.0, 2.0), T(3.0, 4.0)))
        >>> out = Tensor().addmm(0.5, Tensor(2, 2).fill(2.0), 1.0, m1, m1.t())
        >>> out.numpy().tolist()
        [[6.0, 12.0], [12.0, 26.0]]
        """
        n = len(args)
        is_t = [isinstance(x, (TensorMath, np.ndarray)) for x in args]
        if n == 5 and is_t == [False, True, False, True, True]:
            beta, m, alpha, m1, m2 = args
        elif n == 4 and is_t == [False, False, True, True]:
            (beta, alpha, m1, m2), m = args, self
        elif n == 3 and is_t == [True, True, True]:
            (m, m1, m2), beta, alpha = args, 1.0, 1.0
        elif n == 3 and is_t == [False, True, True]:
            (alpha, m1, m2), beta, m = args, 1.0, self
        elif n == 2 and is_t == [True, True]:
            (m1, m2), beta, alpha, m = args, 1.0, 1.0, self
        else:
            raise TypeError(
                "Tensor.addmm: expected (beta, M, alpha, mat1, mat2), (M, mat1, mat2), "
                "(beta, alpha, mat1, mat2), (alpha, mat1, mat2) or (mat1, mat2), got "
                f"({', '.join(type(x).__name__ for x in args)})")
        beta, alpha = _scalar(beta, "addmm", "beta"), _scalar(alpha, "addmm", "alpha")
        a = self._operand(m1, "addmm", "mat1")
        b = self._operand(m2, "addmm", "mat2")
        c_in = self._a if m is self else self._operand(m, "addmm", "M")
        if a.ndim != 2 or b.ndim != 2 or c_in.ndim != 2 or a.shape[1] != b.shape[0] \
                or c_in.shape != (a.shape[0], b.shape[1]):
            raise ValueError(
                "Tensor.addmm: expected mat1 (m x k), mat2 (k x n) and M (m x n), got mat1 "
                f"{_sz(a.shape)}, mat2 {_sz(b.shape)}, M {_sz(c_in.shape)}")
        self._writable("addmm")
        if m is not self:
            # mat1/mat2 overlapping self are read before M overwrites self (aliasing)
            a = a.copy() if np.may_share_memory(a, self._a) else a
            b = b.copy() if np.may_share_memory(b, self._a) else b
            self.resize(*c_in.shape)
            self._a[...] = c_in
        c = self._a
        a, ta = _gemm_operand(a, c)
        b, tb = _gemm_operand(b, c)
        if _rows_ok(c):
            _blas.gemm(ta, tb, alpha, a, b, beta, c, get_num_threads())
        elif _rows_ok(c.T):  # c^T = op(b)^T op(a)^T: a transposed output needs no copy
            _blas.gemm(not tb, not ta, alpha, b, a, beta, c.T, get_num_threads())
        else:
            tmp = np.ascontiguousarray(c)
            _blas.gemm(ta, tb, alpha, a, b, beta, tmp, get_num_threads())
            c[...] = tmp
        return self

    # ---- comparison ---------------------------------------------------------------
    def almost_equal(self, other, tol):
        """True when ``|self - other| < tol`` for every element pair (row-major order,
        compared in float64); NaN is never almost equal.  Operands of different element
        counts are a ValueError (BigDL throws too)."""
        arr = self._operand(other, "almost_equal", "other")
        tol = _scalar(tol, "almost_equal", "tol")
        if arr.size != self._a.size:
            raise ValueError(f"Tensor.almost_equal: expected {self._a.size} elements like "
                             f"self, got {arr.size}")
        diff = np.abs(self._a.astype(np.float64).reshape(-1)
                      - arr.astype(np.float64).reshape(-1))
        return bool(np.all(diff < tol))


def _sz(shape):
    return "x".join(map(str, shape)) or "scalar"
