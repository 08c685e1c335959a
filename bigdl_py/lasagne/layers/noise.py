"""Noise layers over bigdl_py's ``Dropout`` and ``GaussianNoise`` modules.

Training passes (``deterministic=False``) run the module's fused ``_core`` kernel in
training mode; ``deterministic=True`` passes the input on unchanged, as Lasagne does
-- also for ``rescale=False``, where BigDL's evaluation mode would give ``x*(1-p)``.
"""
import numpy as np

from ... import nn as _nn
from ..._validate import check_int_tuple, check_nonnegative, check_probability
from .base import Layer

__all__ = ["DropoutLayer", "dropout", "dropout_channels", "spatial_dropout",
           "dropout_locations", "GaussianNoiseLayer"]


def _axes(shared_axes, ndim, owner):
    axes = check_int_tuple(shared_axes, owner, "shared_axes")
    norm = tuple(a + ndim if a < 0 else a for a in axes)
    if any(not 0 <= a < ndim for a in norm) or len(set(norm)) != len(norm):
        raise ValueError(f"{owner}: expected distinct shared_axes in [-{ndim}, {ndim}) for a "
                         f"{ndim}-dimensional input, got {axes!r}")
    return axes, norm


class DropoutLayer(Layer):
    """Dropout: sets values to zero with probability ``p``.

    Parameters
    ----------
    incoming : Layer or tuple
        The layer feeding into this layer, or the expected input shape.
    p : float
        Probability of setting a value to zero, in [0, 1].
    rescale : bool
        If True (default), kept values are scaled by ``1 / (1 - p)`` in training
        passes so the expected output equals the input.
    shared_axes : tuple of int
        Axes along which the mask is shared (negative counts from the end):
        ``(0,)`` one mask for the whole batch, ``(2, 3)`` one per channel of 2-D
        feature maps.  Default: every value on its own.
    name : str, optional

    Notes
    -----
    ``get_output(..., deterministic=True)`` returns the input unchanged; otherwise
    (training) the output is ``x * mask`` (``/ (1 - p)`` with ``rescale``), values in
    ``{0, x/(1-p)}`` or ``{0, x}``.  Integer input with ``rescale=False`` keeps its
    dtype.  Runs ``bigdl_py.nn.Dropout(p, scale=rescale, shared_axes=...)``; the
    backward reuses the training pass's mask.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.lasagne.layers import InputLayer, DropoutLayer, get_output
    >>> l = DropoutLayer(InputLayer((None, 100)), p=0.5)
    >>> out = get_output(l, np.ones((4, 100)))
    >>> sorted(set(out.ravel().tolist()))
    [0.0, 2.0]
    >>> bool((get_output(l, np.ones((4, 100)), deterministic=True) == 1).all())
    True
    """

    def __init__(self, incoming, p=0.5, rescale=True, shared_axes=(), **kwargs):
        super().__init__(incoming, **kwargs)
        p = check_probability(p, "DropoutLayer", "p")
        self._rescale = bool(rescale)
        self._shared_axes, self._norm = _axes(shared_axes, len(self.input_shape),
                                              "DropoutLayer")
        self._module = _nn.Dropout(p, scale=self._rescale, shared_axes=self._norm)
        self._p = p

    @property
    def p(self):
        """The drop probability; assigning checks it and updates the module."""
        return self._p

    @p.setter
    def p(self, value):
        value = check_probability(value, "DropoutLayer", "p")
        self._module.set_p(value)
        self._p = value

    @property
    def rescale(self):
        return self._rescale

    @property
    def shared_axes(self):
        return self._shared_axes

    def get_output_for(self, input, deterministic=False, **kwargs):
        x = np.asarray(input)
        axes, n = self._shared_axes, x.ndim
        if axes and n != len(self.input_shape) and (
                not all(-n <= a < n for a in axes)
                or tuple(a + n if a < 0 else a for a in axes) != self._norm):
            # input_shape is a declaration: any input in which the shared axes are the same
            # axes as for the declared shape will do
            raise ValueError(f"DropoutLayer: expected an input in which shared_axes="
                             f"{self._shared_axes} are axes {self._norm} (as for "
                             f"input_shape={self.input_shape}), got shape {x.shape}")
        if deterministic or self._p == 0:
            self._fwd = (x, None)
            return x
        if x.dtype.kind in "biu" and not self._rescale:
            # exact for any integer: apply the module's 0/1 mask in the input's dtype
            mask = self._module.forward(np.ones(x.shape, np.float32))
            y = x * mask.astype(x.dtype)
        else:
            y = self._module.forward(x)
        self._fwd = (x, y)
        return y

    def get_gradients_for(self, grad_output):
        x, y = self._forward_state()
        g = self._check_grad(grad_output, x)
        if y is None:
            return g, {}
        if x.dtype.kind not in "f":
            x = np.ones(x.shape, np.float32)
            g = np.asarray(g, np.float32)
        return self._module.backward(x, g), {}


dropout = DropoutLayer  # Lasagne's shortcut


def _shape_of(incoming):
    return incoming.output_shape if isinstance(incoming, Layer) else tuple(incoming)


def _fixed_axes(owner, kwargs):
    if "shared_axes" in kwargs:
        raise TypeError(f"{owner}: shared_axes is chosen by this function, got "
                        f"shared_axes={kwargs['shared_axes']!r}")


def dropout_channels(incoming, *args, **kwargs):
    """A DropoutLayer dropping whole channels: the mask is shared over axes ``2..``
    (all but batch and channel; nothing is shared for 2-D input).  Other arguments
    go to DropoutLayer.

    >>> from bigdl_py.lasagne.layers import dropout_channels
    >>> dropout_channels((None, 16, 8, 8), p=0.2).shared_axes
    (2, 3)
    """
    _fixed_axes("dropout_channels", kwargs)
    ndim = len(_shape_of(incoming))
    return DropoutLayer(incoming, *args, shared_axes=tuple(range(2, ndim)), **kwargs)


spatial_dropout = dropout_channels  # Lasagne's alias


def dropout_locations(incoming, *args, **kwargs):
    """A DropoutLayer dropping whole locations (pixels, voxels) across all channels:
    the mask is shared over axis 1.

    >>> from bigdl_py.lasagne.layers import dropout_locations
    >>> dropout_locations((None, 16, 8, 8)).shared_axes
    (1,)
    """
    _fixed_axes("dropout_locations", kwargs)
    return DropoutLayer(incoming, *args, shared_axes=(1,), **kwargs)


class GaussianNoiseLayer(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``sigma`` (default 0.1).

    Training passes return ``x + e`` with ``e ~ N(0, sigma^2)`` (one draw per value,
    through ``bigdl_py.nn.GaussianNoise``); ``deterministic=True`` or ``sigma == 0``
    returns the input unchanged.  The gradient w.r.t. the input is ``grad_output``.

    >>> import numpy as np
    >>> from bigdl_py.lasagne.layers import GaussianNoiseLayer, InputLayer, get_output
    >>> l = GaussianNoiseLayer(InputLayer((None, 3)), sigma=0.5)
    >>> get_output(l, np.zeros((2, 3)), deterministic=True)
    array([[0., 0., 0.],
           [0., 0., 0.]])
    """

    def __init__(self, incoming, sigma=0.1, **kwargs):
        super().__init__(incoming, **kwargs)
        self._sigma = check_nonnegative(sigma, "GaussianNoiseLayer", "sigma")
        self._module = _nn.GaussianNoise(self._sigma)

    @property
    def sigma(self):
        return self._sigma

    def get_output_for(self, input, deterministic=False, **kwargs):
        x = np.asarray(input)
        if deterministic or self._sigma == 0:
            self._fwd = (x, x)
            return x
        y = self._module.forward(x)
        self._fwd = (x, y)
        return y

    def get_gradients_for(self, grad_output):
        x, y = self._forward_state()
        return self._check_grad(grad_output, y), {}
