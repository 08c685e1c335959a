"""Element-wise reductions of a table of same-shape arrays (BigDL's ``CMulTable``,
``CMaxTable``, ``CAveTable``; ``CAddTable`` is in ``table``).  Tables are Python lists.

>>> import numpy as np
>>> from bigdl_py.nn import CAveTable, CMaxTable, CMulTable
>>> a, b = np.array([1.0, 5.0]), np.array([3.0, 2.0])
>>> CMulTable().forward([a, b]).tolist(), CMaxTable().forward([a, b]).tolist()
([3.0, 10.0], [3.0, 5.0])
>>> CAveTable().forward([a, b]).tolist()
[2.0, 3.5]
"""
import numpy as np

from .module import Module
from .table import _arrays

__all__ = ["CMulTable", "CMaxTable", "CAveTable"]


class _Reduce(Module):
    """A table of arrays of one shape -> one array of that shape; the result and
    gradients are new arrays (or reused buffers when the caller passes Tensors)."""

    _TAKES_TABLE = True
    _OP = None  # the ufunc folding the elements into the output, left to right

    def _table(self, input):
        table = _arrays(input, type(self).__name__)
        shape = table[0].shape
        for i, a in enumerate(table):
            if a.shape != shape:
                raise ValueError(f"{type(self).__name__}: expected every element of the "
                                 f"first element's shape {shape}, got {a.shape} as element "
                                 f"{i + 1}")
        return table, np.result_type(*table)

    def update_output(self, input):
        table, dtype = self._table(input)
        out = self._buffer("output", table[0].shape, dtype)
        out[...] = table[0]
        for a in table[1:]:
            self._OP(out, a, out=out)
        return out

    def _grads(self, table, grad_output):
        self._check_grad(grad_output, table[0])
        return [self._buffer(f"grad_input{i}", a.shape, grad_output.dtype)
                for i, a in enumerate(table)]


class CMulTable(_Reduce):
    """Element-wise product of a table's arrays; element i's gradient is ``grad_output``
    times the product of the other elements (no division, so zeros are fine)."""

    _OP = np.multiply

    def update_grad_input(self, input, grad_output):
        table, _ = self._table(input)
        grads = self._grads(table, grad_output)
        for i, g in enumerate(grads):
            g[...] = grad_output
            for j, a in enumerate(table):
                if j != i:
                    np.multiply(g, a, out=g)
        return grads


class CMaxTable(_Reduce):
    """Element-wise maximum of a table's arrays; each output's gradient goes to the
    element holding the maximum (the first one on ties, as BigDL); NaN propagates."""

    _OP = np.maximum

    def update_grad_input(self, input, grad_output):
        table, dtype = self._table(input)
        grads = self._grads(table, grad_output)
        best = np.zeros(table[0].shape, np.intp)
        top = np.array(table[0], dtype)
        for i, a in enumerate(table[1:], 1):
            win = (a > top) | (np.isnan(a) & ~np.isnan(top))
            best[win] = i
            top[win] = a[win]
        for i, g in enumerate(grads):
            np.multiply(grad_output, best == i, out=g)
        return grads


class CAveTable(_Reduce):
    """Element-wise mean of a table's arrays; each element gets ``grad_output / n``."""

    _OP = np.add

    def update_output(self, input):
        out = super().update_output(input)  # the sum
        out /= len(input)
        return out

    def update_grad_input(self, input, grad_output):
        table, _ = self._table(input)
        grads = self._grads(table, grad_output)
        for g in grads:
            np.divide(grad_output, len(table), out=g)
        return grads
