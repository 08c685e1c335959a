"""Lasagne's nonlinearities on numpy arrays, each with the derivative the facade's
backward uses.

A nonlinearity is a callable ``f(x) -> y``.  Those here also carry
``f.backward(x, y, grad_y) -> grad_x`` (``y = f(x)`` from the forward pass), which
``layers.get_gradients`` calls; a user callable without ``backward`` works for
forward passes only.  Results keep the input's float dtype.

===================  ==============================  ====================================
name                 forward                         derivative
===================  ==============================  ====================================
``rectify``          :math:`\\max(x, 0)`              1 where x > 0, else 0
``LeakyRectify(a)``  :math:`x` if x > 0 else a x     1 where x > 0, else a
``leaky_rectify``    ``LeakyRectify(0.01)``
``elu``              :math:`x` if x > 0 else e^x-1   1 where x > 0, else e^x
``sigmoid``          :math:`1 / (1 + e^{-x})`        y (1 - y)
``tanh``             :math:`\\tanh x`                 1 - y^2
``softmax``          over the last axis              y (g - sum(g y))
``linear``           x (also ``identity``)           1
===================  ==============================  ====================================

Examples
--------
>>> import numpy as np
>>> from bigdl_py.lasagne.nonlinearities import rectify, leaky_rectify, softmax
>>> x = np.array([-2.0, 0.0, 3.0])
>>> rectify(x), leaky_rectify(x)
(array([0., 0., 3.]), array([-0.02,  0.  ,  3.  ]))
>>> softmax(np.zeros((1, 4)))
array([[0.25, 0.25, 0.25, 0.25]])
"""
import numpy as np

from .._validate import check_number

__all__ = ["rectify", "sigmoid", "tanh", "softmax", "linear", "identity", "LeakyRectify",
           "leaky_rectify", "elu", "is_known"]


def _float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _with_backward(backward):
    def attach(f):
        f.backward = backward
        return f
    return attach


def _rectify_backward(x, y, g):
    return np.where(x > 0, g, 0).astype(np.result_type(g, x), copy=False)


@_with_backward(_rectify_backward)
def rectify(x):
    """Rectified linear unit: ``max(x, 0)`` (NaN stays NaN)."""
    x = _float(x)
    return np.where(x < 0, 0, x).astype(x.dtype, copy=False)


@_with_backward(lambda x, y, g: g * (y * (1 - y)))
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, evaluated without overflow."""
    x = _float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


@_with_backward(lambda x, y, g: g * (1 - y * y))
def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(_float(x))


def _softmax_backward(x, y, g):
    return y * (g - np.sum(g * y, axis=-1, keepdims=True))


@_with_backward(_softmax_backward)
def softmax(x):
    """Softmax over the last axis (rows of a 2-D batch, as in Lasagne)."""
    x = _float(x)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


@_with_backward(lambda x, y, g: g)
def linear(x):
    """The identity ``x`` (the input itself)."""
    return x


identity = linear


class LeakyRectify:
    """Leaky rectifier ``x if x > 0 else leakiness * x`` (``leakiness`` default 0.01)."""

    def __init__(self, leakiness=0.01):
        self.leakiness = check_number(leakiness, "LeakyRectify", "leakiness")

    def __call__(self, x):
        x = _float(x)
        return np.where(x > 0, x, x * x.dtype.type(self.leakiness))

    def backward(self, x, y, g):
        return g * np.where(x > 0, 1, self.leakiness).astype(g.dtype, copy=False)

    def __repr__(self):
        return f"LeakyRectify(leakiness={self.leakiness})"


leaky_rectify = LeakyRectify(0.01)


@_with_backward(lambda x, y, g: g * np.where(x > 0, 1, y + 1).astype(g.dtype, copy=False))
def elu(x):
    """Exponential linear unit ``x if x > 0 else exp(x) - 1``."""
    x = _float(x)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def is_known(f):
    """True when ``f`` can be backpropagated (it has a ``backward``)."""
    return callable(getattr(f, "backward", None))
