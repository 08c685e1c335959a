"""Lasagne's nonlinearities on numpy arrays, each with the derivative the facade's
backward uses.

A nonlinearity is a callable ``f(x) -> y``.  ``rectify``, ``sigmoid``, ``tanh`` and
``softmax`` are computed by the functions behind ``bigdl_py.nn``'s ``ReLU``, ``Sigmoid``,
``Tanh`` and ``SoftMax`` (one implementation of each).  Those here also carry
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
from ..nn import activation as _nn

__all__ = ["rectify", "sigmoid", "tanh", "softmax", "linear", "identity", "LeakyRectify",
           "leaky_rectify", "elu", "is_known"]


def _float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _from_nn(name, f, f_grad, doc):
    """A nonlinearity computed by ``bigdl_py.nn.activation``'s ``f`` / ``f_grad`` (the
    functions behind ``nn.ReLU``, ``nn.Tanh``, ...): a fresh array each call."""
    def nonlinearity(x):
        x = _float(x)
        return f(x, np.empty_like(x))

    def backward(x, y, g):
        g = np.asarray(g)
        return f_grad(x, g, np.empty(np.broadcast_shapes(x.shape, g.shape),
                                     np.result_type(x, g)))

    nonlinearity.__name__ = nonlinearity.__qualname__ = name
    nonlinearity.__doc__, nonlinearity.backward = doc, backward
    return nonlinearity


rectify = _from_nn("rectify", _nn.relu, _nn.relu_grad,
                   "Rectified linear unit: ``max(x, 0)`` (NaN stays NaN); ``nn.ReLU``'s.")
sigmoid = _from_nn("sigmoid", _nn.sigmoid, _nn.sigmoid_grad,
                   "Logistic sigmoid ``1 / (1 + exp(-x))``, without overflow; ``nn.Sigmoid``'s.")
tanh = _from_nn("tanh", _nn.tanh, _nn.tanh_grad, "Hyperbolic tangent; ``nn.Tanh``'s.")
softmax = _from_nn("softmax", _nn.softmax, _nn.softmax_grad,
                   "Softmax over the last axis (rows of a 2-D batch, as in Lasagne), computed "
                   "after subtracting the row maximum; ``nn.SoftMax``'s.")


def linear(x):
    """The identity ``x`` (the input itself)."""
    return x


linear.backward = lambda x, y, g: g
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


def elu(x):
    """Exponential linear unit ``x if x > 0 else exp(x) - 1``."""
    x = _float(x)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


elu.backward = lambda x, y, g: g * np.where(x > 0, 1, y + 1).astype(g.dtype, copy=False)


def is_known(f):
    """True when ``f`` can be backpropagated (it has a ``backward``)."""
    return callable(getattr(f, "backward", None))
