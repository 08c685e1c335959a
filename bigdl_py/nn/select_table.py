"""``SelectTable`` and ``FlattenTable``: pick an element of a table, or flatten a nested
table (BigDL's, 1-based as in Lua Torch).  Both return the input's own arrays (no copies)."""
from . import _activity
from .._validate import check_int
from .module import Module

__all__ = ["SelectTable", "FlattenTable"]


class SelectTable(Module):
    """Element ``index`` (1-based; negative counts from the end, -1 the last) of a table.
    Backward gives zeros of the input's structure with ``grad_output`` at ``index``
    (BigDL's negative-index backward is off by one; this one is not).

    Examples
    --------
    >>> SelectTable(-1).forward([[0.0], [1.0, 1.0]]).tolist()
    [1.0, 1.0]
    """

    _TAKES_TABLE = True

    def __init__(self, index):
        super().__init__()
        self.index = check_int(index, "SelectTable", "index")
        if self.index == 0:
            raise ValueError("SelectTable: expected a 1-based (or negative) index, got 0")

    def _config(self):
        return {"index": self.index}

    def _position(self, table):
        n = len(table)
        i = self.index if self.index > 0 else n + self.index + 1
        if not 1 <= i <= n:
            raise ValueError(f"SelectTable: expected index {self.index} within a table of {n} "
                             f"elements")
        return i - 1

    def update_output(self, input):
        return input[self._position(input)]

    def update_grad_input(self, input, grad_output):
        i = self._position(input)
        _same_structure(grad_output, input[i], "SelectTable")
        grads = _activity.zeros_like(input)
        grads[i] = grad_output
        return grads

    def __str__(self):
        return f"SelectTable({self.index})"

    __repr__ = __str__


def _same_structure(g, like, owner):
    if isinstance(like, list):
        if not isinstance(g, list) or len(g) != len(like):
            raise ValueError(f"{owner}: expected grad_output to be a table of {len(like)}, "
                             f"got {_activity._describe(g)}")
        for a, b in zip(g, like):
            _same_structure(a, b, owner)
    elif isinstance(g, list) or g.shape != like.shape:
        raise ValueError(f"{owner}: expected grad_output of shape {like.shape}, got "
                         f"{_activity._describe(g)}")


def _nest(flat, like, pos=0):
    """``flat`` (a list) re-nested in the structure of ``like``; returns (nested, next)."""
    if not isinstance(like, list):
        return flat[pos], pos + 1
    out = []
    for item in like:
        sub, pos = _nest(flat, item, pos)
        out.append(sub)
    return out, pos


class FlattenTable(Module):
    """A nested table as a flat table, depth first (no copies); backward re-nests.

    Examples
    --------
    >>> import numpy as np
    >>> a, b, c = np.zeros(1), np.ones(1), np.full(1, 2.0)
    >>> [y.tolist() for y in FlattenTable().forward([a, [b, [c]]])]
    [[0.0], [1.0], [2.0]]
    """

    _TAKES_TABLE = True

    def update_output(self, input):
        return list(_activity.leaves(input))

    def update_grad_input(self, input, grad_output):
        _same_structure(grad_output, list(_activity.leaves(input)), "FlattenTable")
        return _nest(grad_output, input)[0]

    def __str__(self):
        return "nn.Flatten"

    __repr__ = __str__
