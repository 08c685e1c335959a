"""What the activation families share (``nn.activation``, ``nn.softmax``): ``_run``, the
call of a ``bigdl_py._activation`` kernel on flat (or row) views, and ``_Activation``, the
element-wise layer base.

>>> import numpy as np
>>> from bigdl_py import _activation
>>> _run(_activation.relu_forward, np.empty(2), np.array([-1.0, 2.0]))
array([0., 2.])
"""
import numpy as np

from ..parallel import get_num_threads
from .module import Module

__all__ = ["_run", "_Activation"]

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _run(kernel, out, *arrays, rows=False):
    """``kernel(*arrays, out, threads)`` on C-contiguous flat (or, with ``rows``, (N, C))
    views of ``out``'s dtype, the arrays broadcast to ``out``'s shape; copies happen only
    for other layouts or dtypes (the layers pass C-contiguous arrays of one dtype: the
    lean path, a microsecond less per call than the general one)."""
    dt, shape = out.dtype, out.shape
    if (dt is _F32 or dt is _F64) and out.flags.c_contiguous:
        for a in arrays:
            if type(a) is not np.ndarray or a.dtype is not dt or a.shape != shape \
                    or not a.flags.c_contiguous:
                break
        else:
            if out.size:
                _call(kernel, arrays, out, _rows if rows else _flat)
            return out
    if out.size == 0:
        return out
    dt = dt if dt is _F32 or dt is _F64 else _F64
    args = [np.ascontiguousarray(np.broadcast_to(a, shape), dt) for a in arrays]
    dst = out if out.dtype is dt and out.flags.c_contiguous else np.empty(shape, dt)
    _call(kernel, args, dst, _rows if rows else _flat)
    if dst is not out:
        out[...] = dst
    return out


def _call(kernel, arrays, out, view):
    """The kernel call on ``view``s of C-contiguous arrays (one input, or two)."""
    if len(arrays) == 1:
        kernel(view(arrays[0]), view(out), get_num_threads())
    else:
        kernel(view(arrays[0]), view(arrays[1]), view(out), get_num_threads())


def _flat(a):
    return a if a.ndim == 1 else a.ravel()


def _rows(a):
    """A C-contiguous array as (N, C) rows over its last axis."""
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


class _Activation(Module):
    """Element-wise activation: the subclass gives ``_f(x, out)`` (correct with ``out is
    x``) and ``_df(x, g, out)``."""

    _ELEMENTWISE = True

    def update_output(self, input):
        out = self._out(input)
        self._f(input, out)
        return out

    def update_grad_input(self, input, grad_output):
        self._check_grad(grad_output, input)
        out = self._buffer("grad_input", input.shape, input.dtype)
        self._df(input, grad_output, out)
        return out
