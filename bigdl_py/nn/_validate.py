"""Input conversion and argument checks shared by every module (GIL held, before work)."""
import math
import numbers

import numpy as np

from ..tensor import Tensor

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def to_array(value, owner, dtype=None, what="input"):
    """(ndarray, kind) for a Tensor, ndarray or nested list; kind is "tensor" or "ndarray".

    Float32/float64 keep their dtype unless ``dtype`` (a parameter layer's dtype) is
    given; integer and bool become float32.  The result is C-contiguous and may share
    memory with ``value``; callers never write into it unless they mean to.
    """
    kind = "ndarray"
    if isinstance(value, Tensor):
        arr, kind = value.numpy(), "tensor"
    elif isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (list, tuple, numbers.Number)) and not isinstance(value, str):
        try:
            arr = np.asarray(value)
        except ValueError as e:  # ragged lists
            raise ValueError(f"{owner}: expected a rectangular nested list as {what}, got "
                             f"{_short(value)} ({e})") from None
        if arr.dtype.kind in "biuf":
            arr = arr.astype(np.float32 if dtype is None else dtype)
    else:
        raise TypeError(f"{owner}: expected a Tensor, ndarray or nested list as {what}, got "
                        f"{type(value).__name__}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: expected a real numeric {what}, got dtype {arr.dtype}")
    if dtype is not None:
        target = np.dtype(dtype)
    elif arr.dtype in FLOATS:
        target = arr.dtype
    else:
        target = np.dtype(np.float32)
    return np.asarray(arr, dtype=target, order="C"), kind  # ascontiguousarray makes 0-d 1-d


def _short(value):
    s = repr(value)
    return s if len(s) < 60 else s[:57] + "..."


def check_probability(value, owner, name, upper_open=False):
    """A real number in [0, 1] (or [0, 1) when ``upper_open``): not bool, str or NaN."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: expected {name} to be a number, got {value!r}")
    value = float(value)
    hi_ok = value < 1.0 if upper_open else value <= 1.0
    if math.isnan(value) or value < 0.0 or not hi_ok:
        rng = "[0, 1)" if upper_open else "[0, 1]"
        raise ValueError(f"{owner}: expected {name} in {rng}, got {value}")
    return value


def check_nonnegative(value, owner, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: expected {name} to be a number, got {value!r}")
    value = float(value)
    if not value >= 0.0 or math.isinf(value):
        raise ValueError(f"{owner}: expected {name} >= 0 and finite, got {value}")
    return value


def check_finite(value, owner, name):
    """A finite real number (not bool, str, NaN or infinite), as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: expected {name} to be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{owner}: expected {name} to be a finite number, got {value}")
    return value


def check_int(value, owner, name, minimum=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: expected {name} to be an int, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: expected {name} >= {minimum}, got {value}")
    return value


def check_same_shape(grad, ref, owner):
    if grad.shape != ref.shape:
        raise ValueError(f"{owner}: expected grad_output of shape {tuple(ref.shape)}, got "
                         f"{tuple(grad.shape)}")


def fit_shape(arr, shape, owner, what, note=""):
    """``arr`` with the shape ``shape``: as it is, or reshaped when the two shapes differ
    only by size-1 axes (BigDL's leniency: ``(1, n)`` for ``(n,)``, an ``(N,)`` target for
    an ``(N, 1)`` output).  Anything else -- a transposed array included -- is a ValueError
    (BigDL copies by element count, which hides such bugs)."""
    shape = tuple(shape)
    if arr.shape == shape:
        return arr
    if [d for d in arr.shape if d != 1] != [d for d in shape if d != 1]:
        raise ValueError(f"{owner}: expected {what} of shape {shape}{note}, got {arr.shape}")
    return arr.reshape(shape)
