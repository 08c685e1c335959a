"""``Layer``: Lasagne's layer base on numpy arrays, with a backward for training.

A layer knows the layer feeding it (``input_layer``, or None when built from a shape
tuple), its ``input_shape`` and, from the pure function ``get_output_shape_for``, its
``output_shape`` (None for sizes unknown until run time).  Parameters are ``Param``
objects registered with tags in ``params`` (an ordered dict ``{Param: set of tags}``).

Computation: ``get_output_for(input, **kwargs)`` maps one array to the next (the
helpers in ``layers.helper`` run whole graphs); the layer remembers what its backward
needs from the latest call (masks stay in the bigdl_py module), and
``get_gradients_for(grad_output)`` returns ``(grad_input, {Param: grad})`` for that
call.

>>> from bigdl_py.lasagne.layers import InputLayer
>>> from bigdl_py.lasagne.layers.base import Layer
>>> Layer(InputLayer((None, 3))).output_shape      # the base layer keeps its input's shape
(None, 3)
"""
from collections import OrderedDict

import numpy as np

from ..._validate import is_int
from ..utils import create_param

__all__ = ["Layer"]


def _check_shape(shape, what, owner):
    shape = tuple(shape)
    for d in shape:
        if d is not None and not is_int(d):
            raise TypeError(f"{owner}: expected {what} of ints and None, got {shape!r}")
    if any(d is not None and d <= 0 for d in shape):
        raise ValueError(f"{owner}: cannot create a layer with a non-positive {what} "
                         f"dimension, got {what}={shape!r}")
    return tuple(None if d is None else int(d) for d in shape)


class Layer:
    """Base of every facade layer.

    Parameters
    ----------
    incoming : Layer or tuple
        The layer feeding into this one, or the expected input shape (ints and None).
    name : str or None
        Optional name; parameter names get it as a prefix (``"foo.W"``).
    """

    def __init__(self, incoming, name=None):
        owner = type(self).__name__
        if isinstance(incoming, Layer):
            self.input_layer = incoming
            self.input_shape = incoming.output_shape
        elif isinstance(incoming, (tuple, list)):
            self.input_layer = None
            self.input_shape = _check_shape(incoming, "input_shape", owner)
        else:
            raise TypeError(f"{owner}: expected incoming to be a Layer or a shape tuple, got "
                            f"{type(incoming).__name__}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{owner}: expected name to be a str or None, got {name!r}")
        self.name = name
        self.params = OrderedDict()
        self._fwd = None  # what get_gradients_for needs from the latest forward

    def __repr__(self):
        tag = f" {self.name!r}" if self.name is not None else ""
        return f"<{type(self).__name__}{tag} output_shape={self.output_shape}>"

    # ---- shapes --------------------------------------------------------------------
    @property
    def output_shape(self):
        return self.get_output_shape_for(self.input_shape)

    def get_output_shape_for(self, input_shape):
        """The output shape for ``input_shape`` (ints and None); the identity here."""
        return input_shape

    # ---- parameters ----------------------------------------------------------------
    def add_param(self, spec, shape, name=None, dtype=np.float32, **tags):
        """Create (or adopt) a parameter and register it with its tags.

        ``spec``: a Param, a number, an array or a callable ``spec(shape)``.  The name
        gets the layer's name as a prefix (``"foo.W"``); ``trainable`` and
        ``regularizable`` default to True.
        """
        full = name if name is None or self.name is None else f"{self.name}.{name}"
        param = create_param(spec, shape, full, dtype, type(self).__name__)
        tags.setdefault("trainable", True)
        tags.setdefault("regularizable", True)
        self.params[param] = {tag for tag, on in tags.items() if on}
        return param

    def get_params(self, unwrap_shared=True, **tags):
        """Parameters in registration order; ``tag=True`` keeps those having the tag,
        ``tag=False`` those without it (``unwrap_shared`` is accepted for Lasagne
        compatibility and has no effect)."""
        want = {t for t, v in tags.items() if v}
        avoid = {t for t, v in tags.items() if not v}
        return [p for p, have in self.params.items() if want <= have and not (have & avoid)]

    # ---- computation -----------------------------------------------------------------
    def get_output_for(self, input, **kwargs):
        """Propagate ``input`` (an ndarray) through this layer only."""
        raise NotImplementedError(f"{type(self).__name__}.get_output_for")

    def get_gradients_for(self, grad_output):
        """``(grad_input, {Param: gradient})`` for the latest ``get_output_for`` call."""
        raise NotImplementedError(f"{type(self).__name__}.get_gradients_for")

    def _forward_state(self):
        if self._fwd is None:
            raise RuntimeError(f"{type(self).__name__}: expected get_output before "
                               "get_gradients, got no forward pass")
        return self._fwd

    def _check_grad(self, grad_output, output):
        g = np.asarray(grad_output)
        if g.shape != output.shape:
            raise ValueError(f"{type(self).__name__}: expected grad_output of shape "
                             f"{output.shape}, got {g.shape}")
        return g
