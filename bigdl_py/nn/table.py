"""Table arithmetic (BigDL's, 1-based indices as in Lua Torch): ``CAddTable`` and
``JoinTable`` (``concat_table`` has the branching containers, ``select_table`` the
selection layers).

A table is a Python list of arrays (a nested list is a nested table).  The layers return
views of their inputs where they can and make one copy where a copy is needed: JoinTable
writes each input straight into its slice of the output, and its backward returns views
of ``grad_output``.
"""
import math

import numpy as np

from .._validate import check_bool, check_int
from .module import Module

__all__ = ["CAddTable", "JoinTable"]


def _arrays(table, owner):
    """The table's elements, which must all be arrays (not nested tables)."""
    if not table:
        raise ValueError(f"{owner}: expected a non-empty table, got an empty one")
    for i, a in enumerate(table):
        if isinstance(a, list):
            raise TypeError(f"{owner}: expected a table of arrays, got a nested table as "
                            f"element {i + 1}")
    return table


class CAddTable(Module):
    """Sum of a table's arrays.  The output has the shape of the first array that is not
    a scalar (0-d); an element with as many values but another shape is added element by
    element, and a smaller one is broadcast (numpy's rules; BigDL's ``expand``); 0-d
    elements are added to every value.  Backward gives each element ``grad_output``
    reshaped to it, summed over the axes it was broadcast along.

    ``inplace=True`` writes the sum into the first element of the output's shape and
    returns that same object (``Module``'s one in-place mechanism: a writable float32/
    float64 ndarray, strided views included, or a Tensor, of the result's dtype; otherwise
    a new array and the table untouched), and hands ``grad_output`` itself to same-shape
    elements.

    Examples
    --------
    >>> CAddTable().forward([np.ones((2, 2)), np.arange(2.0)]).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """

    _TAKES_TABLE = True
    _INPLACE = "inplace"

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = check_bool(inplace, "CAddTable", "inplace")

    def _config(self):
        return {"inplace": self.inplace}

    @staticmethod
    def _shape(table):
        full = [a for a in table if a.ndim > 0]
        return (full[0] if full else table[0]).shape

    def _operand(self, a, i, shape):
        if a.shape == shape or a.ndim == 0:
            return a
        if a.size == math.prod(shape):
            return a.reshape(shape)
        try:
            if np.broadcast_shapes(a.shape, shape) == shape:
                return a
        except ValueError:
            pass
        raise ValueError(f"CAddTable: expected element {i + 1} of shape {shape}, with as many "
                         f"values or broadcastable to it, got shape {a.shape}")

    def _first(self, table):
        """(index of the first element of the output's shape, or None; the result dtype)."""
        shape = self._shape(table)
        k = next((i for i, a in enumerate(table) if a.shape == shape), None)
        return k, np.result_type(*table)

    def _inplace_target(self, input, x):
        k, dtype = self._first(_arrays(x, "CAddTable"))
        if k is None or x[k].dtype != dtype:
            return None
        return super()._inplace_target(input[k], x[k])

    def update_output(self, input):
        table = _arrays(input, "CAddTable")
        shape = self._shape(table)
        ops = [self._operand(a, i, shape) for i, a in enumerate(table)]
        k, dtype = self._first(table)
        if self._overwrite:  # in place: into element k (Module.forward's target)
            out = table[k]
            ops = ops[:k] + ops[k + 1:]
        else:
            out = self._buffer("output", shape, dtype)
            out[...] = ops.pop(0)
        for a in ops:
            np.add(out, a, out=out)
        return out

    def update_grad_input(self, input, grad_output):
        table = _arrays(input, "CAddTable")
        shape = self._shape(table)
        self._check_grad(grad_output, shape)
        grads = []
        for i, a in enumerate(table):
            self._operand(a, i, shape)
            if a.shape == shape and self.inplace:
                grads.append(grad_output)
                continue
            if a.ndim == 0:
                g = grad_output.sum(dtype=a.dtype)
            elif a.size == grad_output.size:
                g = grad_output.reshape(a.shape)
            else:  # broadcast: sum over the leading axes and the expanded size-1 axes
                lead = grad_output.ndim - a.ndim
                axes = tuple(range(lead)) + tuple(lead + k for k, n in enumerate(a.shape)
                                                  if n == 1 and shape[lead + k] != 1)
                g = grad_output.sum(axis=axes).reshape(a.shape)
            out = self._buffer(f"grad_input{i}", a.shape, grad_output.dtype)
            out[...] = g
            grads.append(out)
        return grads


class JoinTable(Module):
    """Concatenates a table's arrays along ``dimension`` (1-based).  With
    ``n_input_dims > 0`` and inputs of ``n_input_dims + 1`` dimensions the first is a
    batch axis, so ``dimension`` moves one axis right; a negative ``dimension`` counts
    from the end (-1 is the last axis).  The other sizes must agree.  Backward returns
    views of ``grad_output``, one slice per input.

    Examples
    --------
    >>> JoinTable(1, 1).forward([np.zeros((2, 3)), np.ones((2, 2))]).shape
    (2, 5)
    >>> JoinTable(1, 0).forward([np.zeros((2, 3)), np.ones((1, 3))]).shape
    (3, 3)
    """

    _TAKES_TABLE = True

    def __init__(self, dimension, n_input_dims):
        super().__init__()
        self.dimension = check_int(dimension, "JoinTable", "dimension")
        if self.dimension == 0:
            raise ValueError("JoinTable: expected a 1-based (or negative) dimension, got 0")
        self.n_input_dims = check_int(n_input_dims, "JoinTable", "n_input_dims")

    def _config(self):
        return {"dimension": self.dimension, "n_input_dims": self.n_input_dims}

    def _axis(self, table):
        first = table[0]
        d = self.dimension
        if d < 0:
            d += first.ndim + 1
        elif self.n_input_dims > 0 and first.ndim == self.n_input_dims + 1:
            d += 1
        if not 1 <= d <= first.ndim:
            raise ValueError(f"JoinTable: expected dimension {self.dimension} (axis {d} after "
                             f"BigDL's batch adjustment) within the first input's "
                             f"{first.ndim} dimensions, got shape {first.shape}")
        axis = d - 1
        for i, a in enumerate(table):
            if a.ndim != first.ndim or a.shape[:axis] + a.shape[axis + 1:] != \
                    first.shape[:axis] + first.shape[axis + 1:]:
                raise ValueError(f"JoinTable: expected element {i + 1} to match the first "
                                 f"element's shape {first.shape} except along dimension "
                                 f"{d}, got {a.shape}")
        return axis

    def update_output(self, input):
        table = _arrays(input, "JoinTable")
        axis = self._axis(table)
        shape = list(table[0].shape)
        shape[axis] = sum(a.shape[axis] for a in table)
        out = self._buffer("output", tuple(shape), np.result_type(*table))
        np.concatenate(table, axis=axis, out=out)  # each input straight into its slice
        return out

    def update_grad_input(self, input, grad_output):
        table = _arrays(input, "JoinTable")
        axis = self._axis(table)
        shape = list(table[0].shape)
        shape[axis] = sum(a.shape[axis] for a in table)
        self._check_grad(grad_output, shape)
        bounds = np.cumsum([0] + [a.shape[axis] for a in table])
        index = [slice(None)] * grad_output.ndim
        views = []
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            index[axis] = slice(lo, hi)
            views.append(grad_output[tuple(index)])
        return views

    def __str__(self):
        return "nn.JoinTable"

    __repr__ = __str__
