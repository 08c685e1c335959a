"""Activities (BigDL's word for "a tensor or a table"): an ndarray, or a Python list of
activities (a table; a nested list is a nested table).

A user's list is read as a table when the module takes tables only, or -- for modules
that take either -- when an ndarray or Tensor sits at one of its leaves; a list of plain
numbers stays what it always was, a nested-list array.  These helpers convert, walk and
combine activities without copying array data.
"""
import numpy as np

from ..tensor import Tensor
from .._validate import check_sequence, to_array

__all__ = ["to_activity", "to_like", "leaves", "add", "zeros_like", "rows", "take",
           "concat"]

_MAX_DEPTH = 100


def _has_array_leaf(value, depth=0):
    if depth > _MAX_DEPTH:
        return False
    return any(isinstance(v, (np.ndarray, Tensor))
               or (isinstance(v, (list, tuple)) and _has_array_leaf(v, depth + 1))
               for v in value)


def is_table_like(value):
    """True when ``value`` is a list/tuple holding an ndarray or Tensor at some leaf."""
    return isinstance(value, (list, tuple)) and _has_array_leaf(value)


def to_activity(value, owner, what="input", table=None, depth=0):
    """(activity, kind) for a module input.

    ``table=True``: ``value`` must be a list or tuple (a table) and each element is
    converted with ``table=None``; ``table=None``: a list holding arrays at its leaves is
    a table, anything else an array (:func:`to_array`); ``table=False``: an array.  kind
    is "tensor" when any leaf is a Tensor, else "ndarray".
    """
    if depth > _MAX_DEPTH:
        raise ValueError(f"{owner}: expected a table nested at most {_MAX_DEPTH} deep as "
                         f"{what}, got a deeper one")
    if table is None:
        table = is_table_like(value)
    if not table:
        return to_array(value, owner, None, what)
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{owner}: expected a table (a list of arrays) as {what}, got "
                        f"{type(value).__name__}")
    items = [to_activity(v, owner, what, None, depth + 1) for v in value]
    kind = "tensor" if any(k == "tensor" for _, k in items) else "ndarray"
    return [a for a, _ in items], kind


def to_like(value, like, owner, what="grad_output"):
    """``value`` converted to the structure of the activity ``like`` (tables element by
    element, each leaf cast to the dtype of ``like``'s leaf)."""
    if isinstance(like, list):
        check_sequence(value, len(like), owner,
                       f"a table of {len(like)} elements as {what} (like the output)")
        return [to_like(v, lk, owner, what) for v, lk in zip(value, like)]
    dtype = np.asarray(like.numpy() if isinstance(like, Tensor) else like).dtype
    return to_array(value, owner, dtype if dtype.kind == "f" else None, what)[0]


def leaves(act):
    """The arrays of an activity, depth first."""
    if isinstance(act, list):
        for a in act:
            yield from leaves(a)
    else:
        yield act


def add(a, b, owner):
    """a + b element by element (tables of one structure); a new array, never in place."""
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
            raise ValueError(f"{owner}: expected gradients of one structure to sum, got "
                             f"{_describe(a)} and {_describe(b)}")
        return [add(x, y, owner) for x, y in zip(a, b)]
    if a.shape != b.shape:
        raise ValueError(f"{owner}: expected gradients of one shape to sum, got {a.shape} "
                         f"and {b.shape}")
    return a + b


def _describe(a):
    return f"a table of {len(a)}" if isinstance(a, list) else f"an array {a.shape}"


def zeros_like(act):
    """Zeros of the structure, shapes and dtypes of ``act``."""
    if isinstance(act, list):
        return [zeros_like(a) for a in act]
    return np.zeros_like(np.asarray(act))


def rows(act, owner, what="X"):
    """The number of samples (first axis) of every leaf; a ValueError when they differ."""
    ns = {len(a) if a.ndim else None for a in leaves(act)}
    if len(ns) != 1 or None in ns:
        raise ValueError(f"{owner}: expected every array of {what} to hold the samples "
                         f"along its first axis (one count), got shapes "
                         f"{[a.shape for a in leaves(act)]}")
    return ns.pop()


def take(act, index):
    """Rows ``index`` (a slice or index array) of every leaf."""
    if isinstance(act, list):
        return [take(a, index) for a in act]
    return act[index]


def map_leaves(fn, act):
    """``act`` with ``fn`` applied to each leaf."""
    if isinstance(act, list):
        return [map_leaves(fn, a) for a in act]
    return fn(act)


def concat(acts):
    """Activities of one structure joined along the first axis, leaf by leaf."""
    if isinstance(acts[0], list):
        return [concat([a[i] for a in acts]) for i in range(len(acts[0]))]
    return np.concatenate([np.asarray(a) for a in acts])


class Rows:
    """A table of arrays that hold samples along their first axis, indexed like one array:
    ``len(rows)`` is the sample count and ``rows[idx]`` the table of every array's rows
    ``idx`` -- so a training loop handles multi-input data (a graph ``Model`` with several
    inputs) exactly as it handles one array.

    Examples
    --------
    >>> r = Rows([np.zeros((4, 2)), np.ones((4, 3))])
    >>> len(r), [a.shape for a in r[1:3]]
    (4, [(2, 2), (2, 3)])
    """

    __slots__ = ("arrays",)

    def __init__(self, arrays, owner="Rows", what="X"):
        self.arrays = arrays
        rows(arrays, owner, what)

    def __len__(self):
        return len(next(leaves(self.arrays)))

    def __getitem__(self, index):
        return take(self.arrays, index)

    def __reduce__(self):
        return (Rows, (self.arrays,))

    @property
    def dtype(self):
        """The arrays' common dtype, or None when they differ."""
        dtypes = {a.dtype for a in leaves(self.arrays)}
        return dtypes.pop() if len(dtypes) == 1 else None

    @property
    def shape(self):
        """The table of the arrays' shapes (nested as the table)."""
        return map_leaves(lambda a: a.shape, self.arrays)

    def astype(self, dtype):
        return Rows(map_leaves(lambda a: a.astype(dtype), self.arrays))

    def copy(self):
        return Rows(map_leaves(np.copy, self.arrays))


def batchable(value, owner, what):
    """Training or prediction features: an array (:func:`to_array`), or :class:`Rows` for
    a table of arrays (a list holding arrays)."""
    if is_table_like(value):
        return Rows(to_activity(value, owner, what, True)[0], owner, what)
    return to_array(value, owner, None, what)[0]
