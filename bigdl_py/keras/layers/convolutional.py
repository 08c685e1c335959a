"""``Convolution2D`` (BigDL's Keras-style layer) over ``bigdl_py.nn.SpatialConvolution``.

>>> from bigdl_py.keras.layers import Convolution2D
>>> conv = Convolution2D(6, 5, 5, activation="tanh", input_shape=(1, 28, 28))
>>> conv.compute_output_shape((1, 28, 28))
(6, 24, 24)
>>> [type(m).__name__ for m in conv.build((1, 28, 28))]
['SpatialConvolution', 'Tanh']
"""
from ... import nn as _nn
from ..._validate import check_bool, check_int
from .._shape import describe, image, image_shape, pair, window_length
from .core import _ACTIVATIONS, _INITS, Layer, _choice, activation_modules, regularizers

__all__ = ["Convolution2D"]

_BORDERS = {"valid": 0, "same": -1}   # border_mode -> nn padding (-1, -1 is SAME)
_ORDERS = {"th": "NCHW", "tf": "NHWC"}  # dim_ordering -> nn data_format (no transposes)


class Convolution2D(Layer):
    """2-D convolution of ``nb_filter`` kernels of ``nb_row`` x ``nb_col`` over 3-D
    samples, then ``activation``.

    Parameters
    ----------
    nb_filter, nb_row, nb_col : int
        Output channels, kernel rows and columns.
    init : str
        Weight init ("glorot_uniform", "uniform", "normal", "zero", "one", "he_normal");
        the bias starts at 0.
    activation : str or None
        As :class:`Dense`.
    border_mode : {"valid", "same"}
        No padding, or SAME padding (``ceil(size / stride)`` outputs).
    subsample : (int, int)
        Strides (rows, cols).
    dim_ordering : {"th", "tf"}
        Samples (channels, rows, cols) or (rows, cols, channels): the nn layer's NCHW or
        NHWC, so "tf" runs without transposing.
    W_regularizer, b_regularizer, bias :
        As :class:`Dense`.

    Shape: "th" ``(None, C, H, W) -> (None, nb_filter, oh, ow)``; "tf" channels last;
    ``oh = (H - nb_row) // subsample[0] + 1`` ("valid") or ``ceil(H / subsample[0])``.
    """

    def __init__(self, nb_filter, nb_row, nb_col, init="glorot_uniform", activation=None,
                 border_mode="valid", subsample=(1, 1), dim_ordering="th",
                 W_regularizer=None, b_regularizer=None, bias=True, input_shape=None,
                 name=None):
        super().__init__(input_shape, name)
        own = "Convolution2D"
        self.nb_filter = check_int(nb_filter, own, "nb_filter", 1)
        self.nb_row = check_int(nb_row, own, "nb_row", 1)
        self.nb_col = check_int(nb_col, own, "nb_col", 1)
        self.init = _choice(init, _INITS, own, "init")
        if activation is not None:
            _choice(activation, _ACTIVATIONS, own, "activation")
        self.activation = activation
        self.border_mode = _choice(border_mode, _BORDERS, own, "border_mode")
        self.subsample = pair(subsample, own, "subsample")
        self.dim_ordering = _choice(dim_ordering, _ORDERS, own, "dim_ordering")
        self.bias = check_bool(bias, own, "bias")
        self.W_regularizer, self.b_regularizer = regularizers(W_regularizer, b_regularizer, own)

    def compute_output_shape(self, input_shape):
        _, h, w = image(input_shape, self.dim_ordering, "Convolution2D")
        oh = window_length(h, self.nb_row, self.subsample[0], self.border_mode)
        ow = window_length(w, self.nb_col, self.subsample[1], self.border_mode)
        if oh < 1 or ow < 1:
            raise ValueError(f"Convolution2D: expected maps of at least the kernel's "
                             f"{self.nb_row}x{self.nb_col} with border_mode='valid', got "
                             f"input of shape {describe(input_shape)}")
        return image_shape(self.nb_filter, oh, ow, self.dim_ordering)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        c, _, _ = image(input_shape, self.dim_ordering, "Convolution2D")
        pad = _BORDERS[self.border_mode]
        conv = _nn.SpatialConvolution(
            c, self.nb_filter, self.nb_col, self.nb_row, self.subsample[1], self.subsample[0],
            pad, pad, wRegularizer=self.W_regularizer, bRegularizer=self.b_regularizer,
            with_bias=self.bias, data_format=_ORDERS[self.dim_ordering])
        conv.set_init_method(_INITS[self.init](), _nn.Zeros())
        return [conv] + activation_modules(self.activation, "Convolution2D")

    def __repr__(self):
        return (f"Convolution2D({self.nb_filter}, {self.nb_row}, {self.nb_col}, "
                f"activation={self.activation!r})")
