"""BigDL's Keras-style ``BatchNormalization`` over ``bigdl_py.nn.BatchNormalization``
(1-D samples) and ``SpatialBatchNormalization`` (3-D samples).

>>> from bigdl_py.keras.layers import BatchNormalization
>>> (bn,) = BatchNormalization(input_shape=(3, 8, 8)).build((3, 8, 8))
>>> bn.eps, bn.momentum, bn.weight.tolist(), bn.bias.tolist()
(0.001, 0.01, [1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
"""
from ... import nn as _nn
from ..._validate import check_int, check_number
from .._shape import describe, image
from .convolutional import _ORDERS
from .core import _INITS, Layer, _choice

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Normalise each feature (1-D samples) or each feature map (3-D samples, channels
    by ``dim_ordering``) by the batch's mean and variance in training and by running
    estimates in evaluation, then scale by gamma and shift by beta.

    Parameters
    ----------
    epsilon : float
        Added to the variance (BigDL's Keras default 1e-3).
    mode, axis : int
        Keras 1 arguments BigDL accepts only as 0 and the channel axis (1 for "th", -1 or
        3 for "tf").
    momentum : float
        Keras' momentum of the running estimates: ``running = momentum * running +
        (1 - momentum) * batch``, so the nn module gets ``1 - momentum`` (BigDL's Keras
        layer hands 0.99 to the nn module unchanged, which keeps 99% of the last batch).
    beta_init, gamma_init : str
        Init names ("zero", "one", "glorot_uniform", "uniform", "normal", "he_normal").
    dim_ordering : {"th", "tf"}
        For 3-D samples: channels first or last (nn NCHW / NHWC, no transposes).

    Shape: ``(None, n) -> (None, n)`` or a 3-D sample shape kept as it is.
    """

    def __init__(self, epsilon=0.001, mode=0, axis=1, momentum=0.99, beta_init="zero",
                 gamma_init="one", dim_ordering="th", input_shape=None, name=None):
        super().__init__(input_shape, name)
        own = "BatchNormalization"
        self.epsilon = check_number(epsilon, own, "epsilon", low=0)
        self.momentum = check_number(momentum, own, "momentum", low=0, high=1)
        self.beta_init = _choice(beta_init, _INITS, own, "beta_init")
        self.gamma_init = _choice(gamma_init, _INITS, own, "gamma_init")
        self.dim_ordering = _choice(dim_ordering, _ORDERS, own, "dim_ordering")
        if check_int(mode, own, "mode") != 0:
            raise ValueError(f"{own}: expected mode=0 (feature-wise, the only mode BigDL "
                             f"supports), got {mode}")
        ok = (1,) if self.dim_ordering == "th" else (-1, 3)
        if check_int(axis, own, "axis") not in ok:
            raise ValueError(f"{own}: expected axis in {list(ok)} for dim_ordering="
                             f"{self.dim_ordering!r}, got {axis}")
        self.mode, self.axis = 0, axis

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (1, 3):
            raise ValueError(f"BatchNormalization: expected 1-D or 3-D samples, got input "
                             f"of shape {describe(input_shape)}")
        return tuple(input_shape)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        momentum = float(f"{1.0 - self.momentum:.15g}")  # 0.99 -> 0.01, not 0.0100...09
        if len(input_shape) == 1:
            bn = _nn.BatchNormalization(input_shape[0], self.epsilon, momentum)
        else:
            c, _, _ = image(input_shape, self.dim_ordering, "BatchNormalization")
            bn = _nn.SpatialBatchNormalization(c, self.epsilon, momentum,
                                               data_format=_ORDERS[self.dim_ordering])
        bn.set_init_method(_INITS[self.gamma_init](), _INITS[self.beta_init]())
        return [bn]

    def __repr__(self):
        return f"BatchNormalization(epsilon={self.epsilon}, momentum={self.momentum})"
