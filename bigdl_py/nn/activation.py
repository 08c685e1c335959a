"""Element-wise activations: ``ReLU``, ``Tanh``, ``Sigmoid``, ``Identity`` (and, from
``nn.softmax``, ``SoftMax`` and ``LogSoftMax``, so every activation imports from here).

ReLU and Tanh's backward run one-pass kernels (``bigdl_py._activation``; tanh itself is
numpy's vectorised ufunc, faster than libm from a kernel), Sigmoid numpy over the whole
array.  Each backward is the derivative of the forward recomputed from the input, so it
is defined in either mode and whatever the call order.  Float32 and float64 are kept;
integer input becomes float32.  The modules are thin layers over the functions here,
``f(x, out)`` and ``f_grad(x, grad_y, out)`` (``out`` a float array shaped like ``x``, or
like ``x`` and ``grad_y`` broadcast), which Lasagne's nonlinearities use too:

>>> import numpy as np
>>> relu_grad(np.array([-1.0, 2.0]), np.array([5.0, 5.0]), np.empty(2))
array([0., 5.])
"""
import numpy as np
from scipy.special import expit

from .. import _activation as _k
from .._validate import check_bool
from ._activation_base import _Activation, _run
from .module import Module
from .softmax import LogSoftMax, SoftMax, log_softmax, softmax, softmax_grad

__all__ = ["ReLU", "Tanh", "Sigmoid", "SoftMax", "LogSoftMax", "Identity", "relu",
           "relu_grad", "tanh", "tanh_grad", "sigmoid", "sigmoid_grad", "softmax",
           "softmax_grad", "log_softmax"]


# ---- the functions -----------------------------------------------------------------------
def relu(x, out):
    """``max(x, 0)`` into ``out`` (NaN propagates)."""
    return _run(_k.relu_forward, out, x)


def relu_grad(x, g, out):
    """``g * (x > 0)`` into ``out``."""
    return _run(_k.relu_backward, out, x, g)


def tanh(x, out):
    return np.tanh(x, out=out)


def tanh_grad(x, g, out):
    """``g * (1 - tanh(x)**2)`` into ``out`` (``tanh(x)`` recomputed there first)."""
    np.tanh(x, out=out)
    return _run(_k.tanh_backward, out, out, g)


def sigmoid(x, out):
    """``1 / (1 + exp(-x))`` into ``out``, without overflow."""
    return expit(x, out=out)


def sigmoid_grad(x, g, out):
    """``g * y * (1 - y)`` with ``y = sigmoid(x)``, into ``out``."""
    y = expit(x)
    np.multiply(g, y, out=out)
    np.subtract(1, y, out=y)
    return np.multiply(out, y, out=out)


class ReLU(_Activation):
    """Rectified linear unit, ``y = max(x, 0)``.

    Parameters
    ----------
    ip : bool
        In place (BigDL's name): write the result into the caller's array and return that
        same object when it is a writable float32/float64 ndarray (strided views
        included) or a Tensor; otherwise (integers, read-only, lists) a new array is
        returned and the input is untouched.  A writable array whose elements share
        memory is a ValueError.

    Notes
    -----
    Backward: ``g * (x > 0)``; after an in-place forward the caller's array holds
    ``y``, and ``y > 0`` exactly where ``x > 0``, so ``backward(x, g)`` with that array
    is right.  NaN propagates.  Same in training and evaluation.  Any shape.

    Examples
    --------
    >>> import numpy as np
    >>> ReLU().forward(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    >>> x = np.array([[-1.0, 2.0], [3.0, -4.0]]).T      # a transposed (strided) view
    >>> ReLU(ip=True).forward(x) is x, x.tolist()
    (True, [[0.0, 3.0], [2.0, 0.0]])
    """

    _INPLACE = "ip"

    def __init__(self, ip=False):
        super().__init__()
        self.ip = check_bool(ip, "ReLU", "ip")

    def _config(self):
        return {"ip": self.ip}

    _f = staticmethod(relu)
    _df = staticmethod(relu_grad)

    def _extra_str(self):
        return "(0.0, 0.0)"  # BigDL's ReLU is Threshold(0, 0): ``ReLU[name](0.0, 0.0)``


class Tanh(_Activation):
    """Hyperbolic tangent, ``y = tanh(x)``; backward ``g * (1 - y**2)``.  Any shape.

    Examples
    --------
    >>> import numpy as np
    >>> Tanh().forward(np.array([0.0], dtype=np.float32))
    array([0.], dtype=float32)
    """

    _f = staticmethod(tanh)
    _df = staticmethod(tanh_grad)


class Sigmoid(_Activation):
    """Logistic function, ``y = 1 / (1 + exp(-x))`` (overflow-free); backward
    ``g * y * (1 - y)``.  Any shape.

    Examples
    --------
    >>> import numpy as np
    >>> Sigmoid().forward(np.array([0.0, -1000.0]))
    array([0.5, 0. ])
    """

    _f = staticmethod(sigmoid)
    _df = staticmethod(sigmoid_grad)


class Identity(Module):
    """``y = x`` (a copy, or this module's reused buffer for Tensor input); backward ``g``.

    Examples
    --------
    >>> Identity().forward([1, 2])
    array([1., 2.], dtype=float32)
    """

    _ELEMENTWISE = True

    def update_output(self, input):
        out = self._out(input)
        if out is not input:
            out[...] = input
        return out

    def update_grad_input(self, input, grad_output):
        self._check_grad(grad_output, input)
        out = self._buffer("grad_input", input.shape, input.dtype)
        out[...] = grad_output
        return out
