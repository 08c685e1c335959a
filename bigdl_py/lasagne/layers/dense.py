"""``DenseLayer`` and ``NINLayer`` over bigdl_py's ``Linear`` and ``NIN`` modules.

The module computes (one GEMM through ``_core``); the layer adds Lasagne's shapes,
parameters and nonlinearity.  Lasagne's W is ``(num_inputs, num_units)``, the
module's weight ``(num_units, num_inputs)``: ``layer.W`` is a Param whose storage *is*
the module's weight, seen transposed, so there is one copy of the values.
"""
import numpy as np

from ... import nn as _nn
from ..._validate import check_float_dtype, check_int
from ...nn.linear import leading_axes
from .. import init, nonlinearities
from ..utils import bind_param
from .base import Layer

__all__ = ["DenseLayer", "NINLayer"]


def _nonlinearity(f, owner):
    if f is None:
        return nonlinearities.identity
    if not callable(f):
        raise TypeError(f"{owner}: expected nonlinearity to be a callable or None (e.g. "
                        f"bigdl_py.lasagne.nonlinearities.rectify), got {f!r:.60}")
    return f




class _AffineLayer(Layer):
    """Shared part: params bound to ``self._module``, nonlinearity, backward."""

    def _bind(self, module):
        self._module = module
        bind_param(self.W, module, "weight", transpose=True)
        if self.b is not None:
            bind_param(self.b, module, "bias")

    def get_output_for(self, input, **kwargs):
        x = np.asarray(input)
        a = self._module.forward(x)
        y = self.nonlinearity(a)
        self._fwd = (x, a, y)
        return y

    def get_gradients_for(self, grad_output):
        x, a, y = self._forward_state()
        g = self._check_grad(grad_output, y)
        backward = getattr(self.nonlinearity, "backward", None)
        if not callable(backward):
            raise ValueError(f"{type(self).__name__}: nonlinearity {self.nonlinearity!r} has no "
                             "backward(x, y, grad_y), which get_gradients needs (those in "
                             "bigdl_py.lasagne.nonlinearities have one)")
        m = self._module
        ga = np.asarray(backward(a, y, g), dtype=a.dtype)
        m.zero_grad_parameters()
        gx = m.backward(x, ga)
        grads = {self.W: m.grad_weight.T.copy()}
        if self.b is not None:
            grads[self.b] = m.grad_bias.copy()
        return gx, grads


class DenseLayer(_AffineLayer):
    """A fully connected layer: ``nonlinearity(dot(flatten(x), W) + b)``.

    Parameters
    ----------
    incoming : Layer or tuple
        The layer feeding into this layer, or the expected input shape.
    num_units : int
        The number of units of the layer.
    W : Param, array, number or callable
        Weights (or their initializer), shape ``(num_inputs, num_units)``.
    b : Param, array, number, callable or None
        Biases of shape ``(num_units,)``; None for no bias.
    nonlinearity : callable or None
        Applied to the activations; None means linear.
    num_leading_axes : int
        Number of leading axes kept (the dot product is distributed over them); the
        remaining axes are flattened into ``num_inputs``.  Negative: the (negated)
        number of trailing axes in the dot product.
    dtype : {"float32", "float64"}, keyword-only
        Dtype of W, b and the output (bigdl_py extension; inputs are cast to it).
    name : str, optional

    Notes
    -----
    ``num_leading_axes`` must leave at least one trailing axis and not ask for more
    trailing axes than the input has, and the trailing sizes must be known (not None):
    otherwise a ValueError.  Runs ``bigdl_py.nn.Linear``; W is tagged trainable and
    regularizable, b trainable only.

    Examples
    --------
    >>> from bigdl_py.lasagne.layers import InputLayer, DenseLayer
    >>> l_in = InputLayer((100, 20))
    >>> l1 = DenseLayer(l_in, num_units=50)

    If the input has more than two axes, by default, all trailing axes are flattened.

    >>> l_in = InputLayer((None, 10, 20, 30))
    >>> DenseLayer(l_in, num_units=50).output_shape
    (None, 50)

    ``num_leading_axes`` keeps more than the first axis:

    >>> DenseLayer(l_in, num_units=50, num_leading_axes=2).output_shape
    (None, 10, 50)
    >>> DenseLayer(l_in, num_units=50, num_leading_axes=-1).output_shape
    (None, 10, 20, 50)
    """

    def __init__(self, incoming, num_units, W=init.GlorotUniform(), b=init.Constant(0.),
                 nonlinearity=nonlinearities.rectify, num_leading_axes=1, *,
                 dtype="float32", **kwargs):
        super().__init__(incoming, **kwargs)
        owner = "DenseLayer"
        self.nonlinearity = _nonlinearity(nonlinearity, owner)
        self.num_units = check_int(num_units, owner, "num_units", 1)
        dtype = check_float_dtype(dtype, owner)
        nla = check_int(num_leading_axes, owner, "num_leading_axes")
        lead = leading_axes(len(self.input_shape), nla, owner)  # nn.Linear's rule
        self.num_leading_axes = nla
        trailing = self.input_shape[lead:]
        if any(s is None for s in trailing):
            raise ValueError(f"{owner}: requires a fixed input shape (except for the leading "
                             f"axes), got input_shape={self.input_shape!r} for "
                             f"num_leading_axes={nla}.")
        num_inputs = int(np.prod(trailing))
        self.W = self.add_param(W, (num_inputs, self.num_units), name="W", dtype=dtype)
        self.b = None if b is None else self.add_param(
            b, (self.num_units,), name="b", regularizable=False, dtype=dtype)
        self._bind(_nn.Linear(
            num_inputs, self.num_units, self.b is not None,
            init_weight=self.W.get_value(borrow=True).T,
            init_bias=None if self.b is None else self.b.get_value(borrow=True),
            num_leading_axes=nla, dtype=dtype.name))

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape[:self.num_leading_axes]) + (self.num_units,)


class NINLayer(_AffineLayer):
    """Network-in-network layer: a 1x1 convolution over all axes after the second.

    ``out[n, u, ...] = nonlinearity(sum_c W[c, u] * x[n, c, ...] + b[u (, ...)])``.

    Parameters
    ----------
    incoming : Layer or tuple
        The layer feeding into this layer (channels on axis 1), or its shape.
    num_units : int
        The number of output channels.
    untie_biases : bool
        False: one bias per unit, shape ``(num_units,)``; True: one per unit and
        position, shape ``(num_units,) + input_shape[2:]`` (those sizes must be known).
    W : Param, array, number or callable
        Weights, shape ``(num_inputs, num_units)`` with ``num_inputs = input_shape[1]``.
    b : Param, array, number, callable or None
    nonlinearity : callable or None
    dtype : {"float32", "float64"}, keyword-only
    name : str, optional

    Notes
    -----
    Runs ``bigdl_py.nn.NIN`` (NCHW).  The channel count must be known; so must the
    spatial sizes with ``untie_biases=True`` (ValueError otherwise).

    Examples
    --------
    >>> from bigdl_py.lasagne.layers import InputLayer, NINLayer
    >>> l_in = InputLayer((100, 20, 10, 3))
    >>> l1 = NINLayer(l_in, num_units=5)
    >>> l1.output_shape, l1.W.get_value().shape
    ((100, 5, 10, 3), (20, 5))
    """

    def __init__(self, incoming, num_units, untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify, *,
                 dtype="float32", **kwargs):
        super().__init__(incoming, **kwargs)
        owner = "NINLayer"
        self.nonlinearity = _nonlinearity(nonlinearity, owner)
        self.num_units = check_int(num_units, owner, "num_units", 1)
        self.untie_biases = bool(untie_biases)
        dtype = check_float_dtype(dtype, owner)
        shape = self.input_shape
        if len(shape) < 2:
            raise ValueError(f"{owner}: expected an input of at least 2 dimensions (batch, "
                             f"channels, ...), got input_shape={shape!r}")
        if shape[1] is None:
            raise ValueError(f"{owner}: requires a fixed number of input channels (axis 1), "
                             f"got input_shape={shape!r}")
        spatial = tuple(shape[2:])
        if self.untie_biases and b is not None and any(s is None for s in spatial):
            raise ValueError(f"{owner}: untie_biases=True requires fixed sizes after axis 1 "
                             f"(one bias per position), got input_shape={shape!r}")
        self.W = self.add_param(W, (shape[1], self.num_units), name="W", dtype=dtype)
        b_shape = (self.num_units,) + (spatial if self.untie_biases else ())
        self.b = None if b is None else self.add_param(
            b, b_shape, name="b", regularizable=False, dtype=dtype)
        untie = self.untie_biases and self.b is not None
        self._bind(_nn.NIN(
            shape[1], self.num_units, self.b is not None, untie,
            spatial if untie else None, "NCHW",
            init_weight=self.W.get_value(borrow=True).T,
            init_bias=None if self.b is None else self.b.get_value(borrow=True),
            dtype=dtype.name))

    def get_output_shape_for(self, input_shape):
        return (input_shape[0], self.num_units) + tuple(input_shape[2:])
