"""Where an element-wise layer's result goes: the one in-place mechanism of ``Module``.

Layers compute on C-contiguous arrays (the ``_core`` kernels take ``[::1]`` memoryviews).
``Module.forward`` and ``Module.backward`` use this module for every layer that sets
``_ELEMENTWISE`` (output of the input's shape, and an ``update_output`` that may write
over its own input):

- **in place** (BigDL's ``inplace`` / ``ip``): the result goes into the caller's array and
  the caller gets that same object back (ndarray, or the Tensor itself).  A C-contiguous
  array is computed on directly; any other (a strided, transposed or channels-last view)
  is computed on a C-contiguous scratch copy which ``np.copyto`` writes back once the
  layer succeeded, so a failing call changes nothing.  Input that cannot be written in
  place -- a dtype other than float32/float64 (the result is a different dtype), a
  read-only array, a list -- falls back to a fresh result and stays untouched (SPEC
  §4.1); a writable array whose elements share memory (a broadcast view made writable)
  is a ValueError, as in PyTorch: the result would be ill-defined.
- **fresh output of an ndarray**: laid out as ``np.empty_like(input)`` lays it out, so a
  channels-last view stays channels-last and a Fortran array stays Fortran.

>>> import numpy as np
>>> x = np.ones((2, 3, 4), np.float32).transpose(0, 2, 1)      # (N, W, C) over NCW memory
>>> x.flags.c_contiguous, layout_target(x, np.dtype(np.float32)).strides == np.empty_like(x).strides
(False, True)
>>> layout_target(np.ones((2, 3)), np.dtype(np.float64)) is None  # C order: the layer's own
True
"""
import numpy as np

from .._validate import FLOATS, TensorType

__all__ = ["inplace_target", "layout_target", "may_self_overlap"]


def may_self_overlap(a):
    """True when two elements of ``a`` may share memory (a zero stride on an axis longer
    than 1, or strides too small for the axes inside them); False proves they do not."""
    if a.size <= 1:
        return False
    extent = a.itemsize  # bytes spanned by the axes already checked, smallest stride first
    for stride, n in sorted((abs(s), n) for s, n in zip(a.strides, a.shape) if n > 1):
        if stride < extent:
            return True
        extent += stride * (n - 1)
    return False


def inplace_target(value, x, owner, flag):
    """The caller's array an in-place forward of ``value`` (converted to ``x``) writes
    into, or None for the fallback (a fresh result; ``value`` untouched): a list, a
    dtype that is not float32/float64 or differs from ``x``'s, a read-only array.
    ValueError (before anything changes) for a writable array whose elements overlap."""
    a = value.numpy() if isinstance(value, TensorType) else value
    if not isinstance(a, np.ndarray) or a.dtype not in FLOATS or a.dtype != x.dtype \
            or not a.flags.writeable:
        return None
    if may_self_overlap(a):
        raise ValueError(f"{owner}: expected an input whose elements do not share memory for "
                         f"{flag}=True (in place), got shape {a.shape} with strides "
                         f"{a.strides}; pass a copy or {flag}=False")
    return a


def layout_target(value, dtype):
    """``np.empty_like(value, dtype=dtype)`` when that is not C-ordered (``value`` an
    ndarray of more than one axis that is not C-contiguous, e.g. Fortran or a
    channels-last view), else None: the layer's own C-ordered result is already laid out
    as ``empty_like`` would lay it out."""
    if not isinstance(value, np.ndarray) or value.ndim <= 1 or value.flags.c_contiguous:
        return None
    out = np.empty_like(value, dtype=dtype)
    return None if out.flags.c_contiguous else out
