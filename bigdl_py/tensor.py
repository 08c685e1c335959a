"""``Tensor``: BigDL's Scala Tensor API over a numpy array (zero-copy both ways).

Geometry (construction, sizes, views, 1-based indexing) lives here; in-place
arithmetic, random fills and ``addmm`` come from ``_tensor_math.TensorMath``.
"""
import math
import numbers

import numpy as np

from ._tensor_math import TensorMath, _sz
from ._tostring import tensor_to_string
from ._validate import TensorType, check_float_dtype, check_number
from ._validate import is_int as _is_int

__all__ = ["Tensor", "T", "Float", "Double"]

_DTYPES = {"float32": np.float32, "float64": np.float64, "float": np.float32,
           "double": np.float64}


class _DType:
    """``bigdl_py.Float`` / ``bigdl_py.Double``: the type argument of ``Tensor[Float]``."""

    def __init__(self, name):
        self.name = name
        self.np = np.dtype(name)

    def __repr__(self):
        return "Float" if self.name == "float32" else "Double"


Float = _DType("float32")
Double = _DType("float64")


def _as_dtype(dtype, where="Tensor"):
    if isinstance(dtype, _DType):
        return dtype.np
    if isinstance(dtype, str) and dtype.lower() in _DTYPES:
        return np.dtype(_DTYPES[dtype.lower()])
    return check_float_dtype(dtype, where)


def T(*values):
    """BigDL's ``T(...)`` table literal, used to build nested tensors: a Python list."""
    return list(values)


def _sizes(args, method):
    """A shape tuple from ``f(2, 3)`` or ``f((2, 3))``: non-negative ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if not all(_is_int(s) for s in args):
        raise TypeError(f"{method}: expected int sizes, got {args!r}")
    if any(s < 0 for s in args):
        raise ValueError(f"{method}: expected non-negative sizes, got {args!r}")
    return tuple(int(s) for s in args)


class _TensorMeta(type):
    def __getitem__(cls, dtype):
        return _TypedTensor(_as_dtype(dtype, "Tensor[...]"))


class _TypedTensor:
    """``Tensor[Double]``: calls ``Tensor(..., dtype=float64)`` (and ``.range``)."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __repr__(self):
        return f"Tensor[{'Float' if self.dtype == np.float32 else 'Double'}]"

    def __call__(self, *args, **kwargs):
        return Tensor(*args, dtype=self.dtype, **kwargs)

    def range(self, xmin, xmax, step=1):
        return Tensor.range(xmin, xmax, step, dtype=self.dtype)


class Tensor(TensorMath, metaclass=_TensorMeta):
    """A float32 (default) or float64 n-d array with BigDL's Scala API.

    ``Tensor(2, 4)`` is zeros of size 2x4 (``dtype="float64"`` or ``Tensor[Double]``
    for doubles); ``Tensor(ndarray_or_nested_list)`` copies data (float32/float64
    arrays keep their dtype; nested lists, like BigDL's ``T(...)``, and other numbers
    become float32 unless ``dtype`` says otherwise); ``Tensor()`` is empty (size 0).
    ``Tensor.from_numpy(a)`` wraps ``a`` without copying and ``t.numpy()`` returns the
    backing array.

    BigDL's methods use BigDL's 1-based dims and indices (``size(d)``, ``select``,
    ``narrow``, ``transpose``, ``value_at``, ``set_value``); the Python protocol
    (``t[i]``, ``t[i] = v``, ``len(t)``, ``t.shape``, ``t.dtype``) is numpy's, 0-based.
    ``select``, ``narrow``, ``transpose``, ``t()``, ``view`` share storage with ``self``;
    ``clone()`` copies.  In-place methods return ``self``.  Out-of-range dims and sizes
    are ValueErrors, out-of-range indices IndexErrors, wrong types TypeErrors.

    ``==`` is identity (Python's default), not BigDL's approximate ``equals`` nor numpy's
    element-wise comparison: compare values with ``almost_equal(other, tol)``.

    Examples
    --------
    >>> from bigdl_py import Tensor
    >>> t = Tensor.range(1, 8, 1).resize(2, 4)
    >>> t.size(), t.value_at(2, 3)
    ((2, 4), 7.0)
    >>> print(t.select(1, 2))
    5.0
    6.0
    7.0
    8.0
    [bigdl_py.Tensor[float32] of size 4]
    """

    __slots__ = ("_a",)

    def __init__(self, *args, dtype=None):
        dt = _as_dtype(dtype) if dtype is not None else None
        if len(args) == 1 and not _is_int(args[0]):
            src = args[0]
            if isinstance(src, (numbers.Number, np.generic, str, bytes)):
                raise TypeError(f"Tensor: expected int sizes, or an array or nested list of "
                                f"numbers, got {type(src).__name__} {src!r}")
            if isinstance(src, Tensor):
                src = src._a
            keep = isinstance(src, np.ndarray)  # lists give float32, like BigDL's T(...)
            try:
                arr = np.array(src)
            except ValueError as e:
                raise ValueError(f"Tensor: expected a rectangular nested list, got {e}") from None
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"Tensor: expected numbers, got an array of dtype {arr.dtype}")
            if dt is None:
                dt = arr.dtype if keep and arr.dtype in (np.float32, np.float64) else np.float32
            self._a = np.asarray(arr, dtype=dt, order="C")  # np.array already copied
            return
        shape = _sizes(args, "Tensor") if args else (0,)
        self._a = np.zeros(shape, dtype=dt if dt is not None else np.float32)

    @classmethod
    def from_numpy(cls, a):
        """Wrap a float32/float64 ndarray without copying (any strides, read-only too)."""
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            raise TypeError("Tensor.from_numpy: expected a float32 or float64 ndarray, got "
                            f"{type(a).__name__} {getattr(a, 'dtype', '')}".rstrip())
        t = cls.__new__(cls)
        t._a = a
        return t

    @classmethod
    def range(cls, xmin, xmax, step=1, dtype=None):
        """BigDL's ``Tensor.range``: ``floor((xmax - xmin) / step) + 1`` values
        ``xmin + i * step`` (computed in float64, then cast), so ``xmax`` is included
        when the steps land on it.  Needs ``xmin <= xmax`` and ``step > 0``.

        >>> Tensor.range(1, 8, 1).numpy().tolist()
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
        >>> Tensor.range(0, 1, 0.25).numpy().tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
        """
        lo, hi, st = (check_number(v, "Tensor.range", name)
                      for name, v in (("xmin", xmin), ("xmax", xmax), ("step", step)))
        if not (hi >= lo and st > 0):
            raise ValueError(f"Tensor.range: expected xmin <= xmax and step > 0, got "
                             f"xmin={xmin}, xmax={xmax}, step={step}")
        n = int(math.floor((hi - lo) / st + 1))
        values = lo + np.arange(n, dtype=np.float64) * st
        return cls.from_numpy(values.astype(_as_dtype(dtype) if dtype is not None
                                            else np.float32))

    # ---- numpy interop and the Python protocol (0-based) -------------------------------
    def numpy(self):
        """The backing ndarray (shared storage)."""
        return self._a

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._a.dtype:
            return self._a.astype(dtype)
        return self._a.copy() if copy else self._a

    @property
    def shape(self):
        return self._a.shape

    @property
    def dtype(self):
        return self._a.dtype

    def __len__(self):
        return len(self._a)

    def __getitem__(self, idx):
        r = self._a[idx]
        return Tensor.from_numpy(r) if isinstance(r, np.ndarray) else r

    def __setitem__(self, idx, value):
        self._writable("__setitem__")
        self._a[idx] = value._a if isinstance(value, Tensor) else value

    def __repr__(self):
        return str(self)

    def __str__(self):
        return tensor_to_string(self._a)

    # ---- sizes ------------------------------------------------------------------------
    def size(self, d=None):
        """All sizes as a tuple, or the size of 1-based dim ``d``."""
        if d is None:
            return tuple(self._a.shape)
        return self._a.shape[self._dim(d, "size") - 1]

    def dim(self):
        """Number of dimensions."""
        return self._a.ndim

    def n_element(self):
        """Number of elements."""
        return self._a.size

    def is_contiguous(self):
        """True when the elements are laid out densely in row-major order."""
        return self._a.flags.c_contiguous

    def _dim(self, d, method, what="dim"):
        nd = self._a.ndim
        if not _is_int(d):
            raise TypeError(f"Tensor.{method}: expected an int {what}, got {d!r}")
        if nd == 0:
            raise ValueError(f"Tensor.{method}: expected a tensor with at least 1 dimension, "
                             "got a 0-d tensor")
        if not 1 <= d <= nd:
            raise ValueError(f"Tensor.{method}: expected {what} in [1, {nd}], got {d}")
        return int(d)

    def _index(self, i, size, method, what="index"):
        if not _is_int(i):
            raise TypeError(f"Tensor.{method}: expected an int {what}, got {i!r}")
        if not 1 <= i <= size:
            raise IndexError(f"Tensor.{method}: expected {what} in [1, {size}], got {i}")
        return int(i) - 1

    # ---- storage-changing and copying -----------------------------------------------------
    def resize(self, *sizes):
        """Change the size in place, as BigDL: the tensor is reinterpreted, row-major,
        over its storage from its first element, so leading data is kept when the element
        count stays or shrinks (and comes back when it grows again within the backing
        array); past the storage it moves to new storage, extended with zeros.

        >>> Tensor.range(1, 6, 1).resize(2, 2).numpy().tolist()
        [[1.0, 2.0], [3.0, 4.0]]
        """
        shape = _sizes(sizes, "Tensor.resize")
        a = self._a
        if shape == a.shape:
            return self
        n = math.prod(shape)
        if a.flags.c_contiguous and n <= a.size:
            self._a = a.reshape(-1)[:n].reshape(shape)
            return self
        store, off = _storage(a)
        if store is not None and off + n <= store.size:
            self._a = store[off:off + n].reshape(shape)
            return self
        new = np.zeros(shape, a.dtype)
        k = min(n, a.size)
        new.reshape(-1)[:k] = a.reshape(-1)[:k]
        self._a = new
        return self

    def resize_as(self, t):
        """``resize`` to ``t``'s sizes."""
        if not isinstance(t, (Tensor, np.ndarray)):
            raise TypeError(f"Tensor.resize_as: expected a Tensor, got {type(t).__name__}")
        return self.resize(*t.shape)

    def clone(self):
        """A contiguous copy (new storage)."""
        return Tensor.from_numpy(np.array(self._a, order="C", copy=True))

    # ---- views (share storage) -------------------------------------------------------------
    def view(self, *sizes):
        """A tensor of the given sizes over the same storage; self must be contiguous and
        have as many elements."""
        shape = _sizes(sizes, "Tensor.view")
        if not self.is_contiguous():
            raise ValueError("Tensor.view: expected a contiguous tensor, got strides "
                             f"{self._a.strides} for size {_sz(self._a.shape)} (clone() it)")
        if math.prod(shape) != self._a.size:
            raise ValueError(f"Tensor.view: expected sizes with {self._a.size} elements, got "
                             f"{_sz(shape)} ({math.prod(shape)} elements)")
        v = self._a.view()
        v.shape = shape
        return Tensor.from_numpy(v)

    def select(self, dim, index):
        """The slice at 1-based ``index`` of 1-based ``dim`` (one dimension fewer; a 1-D
        tensor gives a 0-d one), sharing storage."""
        d = self._dim(dim, "select")
        i = self._index(index, self._a.shape[d - 1], "select")
        return Tensor.from_numpy(self._a[(slice(None),) * (d - 1) + (i, Ellipsis)])

    def narrow(self, dim, index, size):
        """Elements ``index .. index + size - 1`` (1-based) of ``dim``, sharing storage."""
        d = self._dim(dim, "narrow")
        n = self._a.shape[d - 1]
        i = self._index(index, n, "narrow")
        if not _is_int(size):
            raise TypeError(f"Tensor.narrow: expected an int size, got {size!r}")
        if not 1 <= size <= n - i:
            raise ValueError(f"Tensor.narrow: expected size in [1, {n - i}] from index "
                             f"{index} of dim {d} (size {n}), got {size}")
        return Tensor.from_numpy(self._a[(slice(None),) * (d - 1) + (slice(i, i + size),)])

    def transpose(self, d1, d2):
        """Dims ``d1`` and ``d2`` (1-based) swapped, sharing storage."""
        a = self._dim(d1, "transpose", "d1")
        b = self._dim(d2, "transpose", "d2")
        return Tensor.from_numpy(np.swapaxes(self._a, a - 1, b - 1))

    def t(self):
        """The transpose of a 2-D tensor, sharing storage."""
        if self._a.ndim != 2:
            raise ValueError(f"Tensor.t: expected a 2-D tensor, got {self._a.ndim}-D")
        return Tensor.from_numpy(self._a.T)

    # ---- element access (1-based) ----------------------------------------------------------
    def _offset(self, idx, method):
        if len(idx) != self._a.ndim:
            raise ValueError(f"Tensor.{method}: expected {self._a.ndim} indices for a "
                             f"{self._a.ndim}-D tensor, got {len(idx)}")
        return tuple(self._index(i, n, method, f"index {k + 1}")
                     for k, (i, n) in enumerate(zip(idx, self._a.shape)))

    def value_at(self, *idx):
        """The element at 1-based indices ``idx`` (one per dim) as a Python float."""
        return float(self._a[self._offset(idx, "value_at")])

    def set_value(self, *args):
        """``set_value(i1, ..., in, v)``: write ``v`` at 1-based indices; returns self."""
        if not args:
            raise ValueError("Tensor.set_value: expected indices then a value, got nothing")
        *idx, v = args
        at = self._offset(tuple(idx), "set_value")
        v = check_number(v, "Tensor.set_value", "value", finite=False)
        self._writable("set_value")
        self._a[at] = v
        return self


TensorType.register(Tensor)


def _storage(a):
    """(flat C-contiguous array holding ``a``'s first element, its offset) or (None, 0)."""
    base = a if a.base is None else a.base
    if not isinstance(base, np.ndarray) or base.dtype != a.dtype \
            or not base.flags.c_contiguous or a.size == 0:
        return None, 0
    delta = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    if delta < 0 or delta % a.itemsize or delta // a.itemsize >= base.size:
        return None, 0
    return base.reshape(-1), delta // a.itemsize
