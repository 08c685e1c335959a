"""Argument and input checks for the whole package (run with the GIL held, before any work).

Every public entry point of ``nn``, ``optim``, ``lasagne``, ``random``, ``parallel`` and
``utils`` checks its arguments here, so the rules are the same everywhere:

- a wrong type is a ``TypeError``, a wrong value a ``ValueError``;
- the message reads ``"<Owner>: expected <what>, got <value>"``;
- bools (Python's and numpy's) are not numbers: ``check_int(True, ...)`` is a TypeError.

Each ``check_*`` returns the value normalised (``int``, ``float``, ``bool``, the canonical
choice), so a caller writes ``self.p = check_probability(p, "Dropout", "init_p")``.

>>> check_int(3, "MaxEpoch", "max_epoch", minimum=0)
3
>>> check_choice("nhwc", "NIN", "data_format", ("NCHW", "NHWC"))
'NHWC'
>>> check_number(float("inf"), "SGD", "learningrate", low=0)
Traceback (most recent call last):
    ...
ValueError: SGD: expected learningrate to be a finite number >= 0, got inf
>>> check_int("3", "RNG.set_seed", "seed")
Traceback (most recent call last):
    ...
TypeError: RNG.set_seed: expected seed to be an int, got '3'
"""
import abc
import math
import numbers

import numpy as np

__all__ = ["FLOATS", "TensorType", "to_array", "check_int", "check_int_tuple", "check_number",
           "check_finite", "check_probability", "check_nonnegative", "check_choice", "check_bool",
           "check_instance", "check_sequence", "check_float_dtype", "check_same_shape", "fit_shape", "is_int",
           "is_number"]

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class TensorType(abc.ABC):
    """What ``to_array`` takes as a Tensor (``value.numpy()`` is its array).

    ``bigdl_py.Tensor`` registers itself, so this module imports nothing from the
    package and every module (``tensor`` included) can use it without an import cycle.
    """


# ---- predicates ------------------------------------------------------------------------
def is_int(value):
    """An int or numpy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value):
    """A real number (int, float, numpy integer or floating), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _short(value):
    """``value`` for a message: its repr (cut at 60 characters) for scalars, strings and
    sequences, else its type's name (an array's or Tensor's repr would flood it)."""
    if not isinstance(value, (str, bytes, numbers.Number, np.generic, list, tuple,
                              type(None))):
        return type(value).__name__
    s = repr(value)
    return s if len(s) < 60 else s[:57] + "..."


def _num(v):
    """A bound as text: ``2**64 - 1`` rather than twenty digits."""
    if isinstance(v, int) and v >= 2 ** 32 and (v + 1) & v == 0:
        return f"2**{v.bit_length()} - 1"
    return repr(v) if isinstance(v, float) else str(v)


def _range_text(low, high, low_open, high_open):
    if low is not None and high is not None:
        return (f"in {'(' if low_open else '['}{_num(low)}, {_num(high)}"
                f"{')' if high_open else ']'}")
    if low is not None:
        return f"{'>' if low_open else '>='} {_num(low)}"
    return f"{'<' if high_open else '<='} {_num(high)}"


def _in_range(v, low, high, low_open, high_open):
    ok = True
    if low is not None:
        ok = v > low if low_open else v >= low
    if high is not None:
        ok = ok and (v < high if high_open else v <= high)
    return ok


# ---- scalars ---------------------------------------------------------------------------
def check_int(value, owner, name, minimum=None, maximum=None):
    """``value`` as an ``int``: TypeError unless an int (bools are not), ValueError outside
    ``[minimum, maximum]`` (either bound may be None)."""
    if not is_int(value):
        raise TypeError(f"{owner}: expected {name} to be an int, got {_short(value)}")
    value = int(value)
    if not _in_range(value, minimum, maximum, False, False):
        raise ValueError(f"{owner}: expected {name} "
                         f"{_range_text(minimum, maximum, False, False)}, got {value}")
    return value


def check_int_tuple(value, owner, name, minimum=None, nonempty=False):
    """A tuple or list of ints (each ``>= minimum`` when given; at least one with
    ``nonempty``) as a tuple of ``int``."""
    if not isinstance(value, (tuple, list)) or not all(is_int(v) for v in value):
        raise TypeError(f"{owner}: expected {name} to be a tuple of ints, got {_short(value)}")
    value = tuple(int(v) for v in value)
    if nonempty and not value:
        raise ValueError(f"{owner}: expected {name} to be a non-empty tuple of ints, got "
                         f"{value}")
    if minimum is not None and any(v < minimum for v in value):
        raise ValueError(f"{owner}: expected {name} to be a tuple of ints >= {minimum}, got "
                         f"{value}")
    return value


def check_number(value, owner, name, *, low=None, high=None, low_open=False, high_open=False,
                 finite=True):
    """``value`` as a ``float``: TypeError unless a real number (bools are not); ValueError
    when NaN or infinite (with ``finite``) or outside the bounds (``low``/``high``, closed
    unless ``low_open``/``high_open``; NaN is outside every range)."""
    if not is_number(value):
        raise TypeError(f"{owner}: expected {name} to be a number, got {_short(value)}")
    value = float(value)
    bounded = low is not None or high is not None
    if (bounded and not _in_range(value, low, high, low_open, high_open)) \
            or (finite and not math.isfinite(value)):
        what = _range_text(low, high, low_open, high_open) if bounded else ""
        if finite and (low is None or high is None):  # "in [0, 1]" says finite already
            what = f"to be a finite number {what}".rstrip()
        raise ValueError(f"{owner}: expected {name} {what}, got {value}")
    return value


def check_finite(value, owner, name):
    """A finite number as a ``float`` (``check_number`` without bounds)."""
    return check_number(value, owner, name)


def check_probability(value, owner, name, upper_open=False):
    """A number in [0, 1] (or [0, 1) with ``upper_open``) as a ``float``."""
    return check_number(value, owner, name, low=0, high=1, high_open=upper_open)


def check_nonnegative(value, owner, name):
    """A finite number >= 0 as a ``float``."""
    value = check_number(value, owner, name, finite=False)
    if not 0.0 <= value < math.inf:
        raise ValueError(f"{owner}: expected {name} >= 0 and finite, got {value}")
    return value


def check_choice(value, owner, name, choices):
    """One of the strings ``choices``, matched case-insensitively; returns the choice as
    spelt in ``choices``.  TypeError for a non-string, ValueError for another string."""
    if not isinstance(value, str):
        raise TypeError(f"{owner}: expected {name} to be a string, one of "
                        f"{', '.join(map(repr, choices))}, got {_short(value)}")
    for c in choices:
        if value.upper() == c.upper():
            return c
    raise ValueError(f"{owner}: expected {name} to be one of {', '.join(map(repr, choices))} "
                     f"(any case), got {value!r}")


def check_bool(value, owner, name):
    """A bool (or numpy bool) as a ``bool``: BigDL's Boolean arguments."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: expected {name} to be a bool, got {_short(value)}")
    return bool(value)


def check_instance(value, types, owner, name, allow_none=False):
    """``value`` when it is an instance of ``types`` (or None with ``allow_none``)."""
    if (value is None and allow_none) or isinstance(value, types):
        return value
    types = types if isinstance(types, tuple) else (types,)
    what = " or ".join(t.__name__ for t in types) + (" or None" if allow_none else "")
    article = "an" if what[0] in "AEIOUaeiou" else "a"
    raise TypeError(f"{owner}: expected {name} to be {article} {what}, got "
                    f"{type(value).__name__}")


def check_sequence(value, n, owner, what, types=(list, tuple)):
    """``value`` when it is a ``types`` (a list or tuple) of ``n`` items: TypeError for
    another type, ValueError for another length; ``what`` names what is expected
    (``"a list of 2 arrays"``)."""
    if not isinstance(value, types):
        raise TypeError(f"{owner}: expected {what}, got {type(value).__name__}")
    if len(value) != n:
        raise ValueError(f"{owner}: expected {what}, got a {type(value).__name__} of "
                         f"{len(value)}")
    return value


def check_float_dtype(dtype, owner):
    """``dtype`` ("float32", "float64" or anything ``np.dtype`` reads as one of them) as an
    ``np.dtype``: a layer's parameter dtype.  ValueError for anything else, None
    included (``np.dtype(None)`` would be float64)."""
    try:
        found = np.dtype(dtype) if dtype is not None else None
    except TypeError:
        found = None
    if found is None or found not in FLOATS:  # (None == a float64 dtype, for numpy)
        raise ValueError(f"{owner}: expected dtype 'float32' or 'float64', got {dtype!r}")
    return found


# ---- arrays ----------------------------------------------------------------------------
def to_array(value, owner, dtype=None, what="input"):
    """(ndarray, kind) for a Tensor, ndarray or nested list; kind is "tensor" or "ndarray".

    Float32/float64 keep their dtype unless ``dtype`` (a parameter layer's dtype) is
    given; integer and bool become float32, and so do lists (empty ones included).  The
    result is C-contiguous and may share memory with ``value``; callers never write into
    it unless they mean to.
    """
    kind = "ndarray"
    if isinstance(value, np.ndarray):  # first: an ABC's isinstance (Tensor's) is slower
        arr = value
    elif isinstance(value, TensorType):
        arr, kind = value.numpy(), "tensor"
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
    return np.asarray(arr, dtype=target, order="C"), kind


def check_same_shape(grad, ref, owner):
    """ValueError unless ``grad`` (e.g. grad_output) has the shape of ``ref`` (an array, or
    a shape as a tuple or list)."""
    want = tuple(ref) if isinstance(ref, (tuple, list)) else tuple(ref.shape)
    if tuple(grad.shape) != want:
        raise ValueError(f"{owner}: expected grad_output of shape {want}, got "
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
