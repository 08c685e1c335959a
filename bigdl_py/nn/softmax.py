"""The SoftMax family: ``SoftMax`` and ``LogSoftMax`` over the last axis of a 1D ``(C,)``
or 2D ``(N, C)`` input, and their functions ``f(x, out)`` / ``f_grad(x, grad_y, out)``
(Lasagne's ``softmax`` nonlinearity and the criteria use them too).  LogSoftMax runs
one-pass row kernels (``bigdl_py._activation``); SoftMax exponentiates its result.

>>> import numpy as np
>>> softmax(np.zeros((1, 4)), np.empty((1, 4)))
array([[0.25, 0.25, 0.25, 0.25]])
"""
import numpy as np

from .. import _activation as _k
from ._activation_base import _Activation, _run

__all__ = ["SoftMax", "LogSoftMax", "softmax", "softmax_grad", "log_softmax"]


def log_softmax(x, out):
    """``x - max - log(sum(exp(x - max)))`` over the last axis (stable), into ``out``."""
    return _run(_k.log_softmax_forward, out, x, rows=True)


def softmax(x, out):
    """``exp(x_i) / sum_j exp(x_j)`` over the last axis (stable), into ``out``."""
    return np.exp(log_softmax(x, out), out=out)


def softmax_grad(x, g, out):
    """``y * (g - sum(g * y))`` over the last axis, ``y = softmax(x)``, into ``out``."""
    y = softmax(x, np.empty_like(x))
    np.subtract(g, (g * y).sum(axis=-1, keepdims=True), out=out)
    out *= y
    return out


class _LastAxis(_Activation):
    """SoftMax family: 1D ``(C,)`` or 2D ``(N, C)``, normalised over the last axis."""

    def _input(self, value, what="input"):
        x, kind = super()._input(value, what)
        if what == "input" and x.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: expected a 1D (C,) or 2D (N, C) input, "
                             f"got shape {x.shape}")
        return x, kind


class SoftMax(_LastAxis):
    """``y_i = exp(x_i) / sum_j exp(x_j)`` over the last axis, computed after subtracting the
    row maximum (so 1e4-scale inputs are finite).

    Backward: ``y * (g - sum(g * y))`` per row.  Shapes: ``(C,)`` or ``(N, C)``.

    Examples
    --------
    >>> import numpy as np
    >>> SoftMax().forward(np.array([[0.0, 0.0], [1e4, 1e4]]))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """

    _f = staticmethod(softmax)
    _df = staticmethod(softmax_grad)


class LogSoftMax(_LastAxis):
    """``y_i = x_i - log(sum_j exp(x_j))`` over the last axis, stable for large inputs.

    Backward: ``g - exp(y) * sum(g)`` per row.  Shapes: ``(C,)`` or ``(N, C)``.

    Examples
    --------
    >>> import numpy as np
    >>> LogSoftMax().forward(np.array([1e4, 1e4]))
    array([-0.69314718, -0.69314718])
    """

    _f = staticmethod(log_softmax)

    def _df(self, x, g, out):
        _run(_k.log_softmax_backward, out, x, g, rows=True)
