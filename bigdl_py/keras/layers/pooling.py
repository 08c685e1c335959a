"""BigDL's Keras-style 2-D pooling layers over ``bigdl_py.nn.SpatialMaxPooling`` and
``SpatialAveragePooling``.

>>> from bigdl_py.keras.layers import GlobalAveragePooling2D, MaxPooling2D
>>> MaxPooling2D(input_shape=(6, 24, 24)).compute_output_shape((6, 24, 24))
(6, 12, 12)
>>> MaxPooling2D((3, 3), strides=(2, 2), border_mode="same",
...              dim_ordering="tf").compute_output_shape((7, 7, 4))
(4, 4, 4)
>>> GlobalAveragePooling2D().compute_output_shape((8, 5, 5))
(8,)
"""
from ... import nn as _nn
from .._shape import describe, image, image_shape, pair, window_length
from .convolutional import _BORDERS, _ORDERS
from .core import Layer, _choice

__all__ = ["MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D"]


class _Pooling2D(Layer):
    """Window ``pool_size`` (rows, cols), ``strides`` (default: the window),
    ``border_mode`` "valid" or "same", ``dim_ordering`` "th" or "tf"."""

    def __init__(self, pool_size=(2, 2), strides=None, border_mode="valid", dim_ordering="th",
                 input_shape=None, name=None):
        super().__init__(input_shape, name)
        own = type(self).__name__
        self.pool_size = pair(pool_size, own, "pool_size")
        self.strides = self.pool_size if strides is None else pair(strides, own, "strides")
        self.border_mode = _choice(border_mode, _BORDERS, own, "border_mode")
        self.dim_ordering = _choice(dim_ordering, _ORDERS, own, "dim_ordering")

    def compute_output_shape(self, input_shape):
        own = type(self).__name__
        c, h, w = image(input_shape, self.dim_ordering, own)
        oh = window_length(h, self.pool_size[0], self.strides[0], self.border_mode)
        ow = window_length(w, self.pool_size[1], self.strides[1], self.border_mode)
        if oh < 1 or ow < 1:
            raise ValueError(f"{own}: expected maps of at least the window's "
                             f"{self.pool_size[0]}x{self.pool_size[1]} with "
                             f"border_mode='valid', got input of shape {describe(input_shape)}")
        return image_shape(c, oh, ow, self.dim_ordering)

    def _window(self):
        pad = _BORDERS[self.border_mode]
        (kh, kw), (dh, dw) = self.pool_size, self.strides
        return kw, kh, dw, dh, pad, pad

    def __repr__(self):
        return f"{type(self).__name__}({self.pool_size}, strides={self.strides})"


class MaxPooling2D(_Pooling2D):
    """2-D max pooling (``bigdl_py.nn.SpatialMaxPooling``).  Shape: "th"
    ``(None, C, H, W) -> (None, C, oh, ow)``, "tf" channels last;
    ``oh = (H - pool_size[0]) // strides[0] + 1`` ("valid") or ``ceil(H / strides[0])``."""

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        return [_nn.SpatialMaxPooling(*self._window(), format=_ORDERS[self.dim_ordering])]


class AveragePooling2D(_Pooling2D):
    """2-D average pooling (``bigdl_py.nn.SpatialAveragePooling``); as BigDL's Keras
    layer, a window clipped by "same" padding averages only the input values it covers
    (``count_include_pad=False``).  Shapes as :class:`MaxPooling2D`."""

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        return [_nn.SpatialAveragePooling(*self._window(), count_include_pad=False,
                                          format=_ORDERS[self.dim_ordering])]


class GlobalAveragePooling2D(Layer):
    """The mean of each feature map: "th" ``(None, C, H, W)`` or "tf" ``(None, H, W, C)``
    ``-> (None, C)`` (an H x W ``SpatialAveragePooling`` and a ``Reshape``)."""

    def __init__(self, dim_ordering="th", input_shape=None, name=None):
        super().__init__(input_shape, name)
        self.dim_ordering = _choice(dim_ordering, _ORDERS, "GlobalAveragePooling2D",
                                    "dim_ordering")

    def compute_output_shape(self, input_shape):
        return image(input_shape, self.dim_ordering, "GlobalAveragePooling2D")[:1]

    def build(self, input_shape):
        c, h, w = image(input_shape, self.dim_ordering, "GlobalAveragePooling2D")
        return [_nn.SpatialAveragePooling(w, h, w, h, count_include_pad=False,
                                          format=_ORDERS[self.dim_ordering]),
                _nn.Reshape([c], batch_mode=True)]
