"""``BatchNormalization`` (2-D input) and ``SpatialBatchNormalization`` (NCHW / NHWC maps).

The statistics, normalisation and gradients are ``bigdl_py._batchnorm`` (one float64
reduction pass per direction, results independent of the thread count).  BigDL's rules:
gamma ~ U[0, 1) and beta = 0 by default, biased variance to normalise, unbiased variance in
the running estimate, ``running = momentum * batch + (1 - momentum) * running``.
"""
import math

import numpy as np

from .. import _batchnorm
from .._tostring import java_double_str
from ..parallel import get_num_threads
from . import init as _init
from ._spatial import check_bool, check_format
from ._params import allocate
from .._validate import (check_float_dtype, check_instance, check_int, check_number, fit_shape,
                         to_array)
from .module import FusedGrads, Module

__all__ = ["BatchNormalization", "SpatialBatchNormalization"]


class _BatchNorm(FusedGrads, Module):
    """Parameters, running statistics, init and the three phases; subclasses give
    ``_view(x)`` -> the (A, C, B) view of an input (raising for a wrong one)."""

    _UPDATED_STATE = ("running_mean", "running_var", "save_mean", "save_invstd")

    def __init__(self, n_output, eps, momentum, affine, init_weight, init_bias,
                 init_grad_weight, init_grad_bias, dtype):
        super().__init__()
        own = type(self).__name__
        c = self.n_output = check_int(n_output, own, "n_output", 1)
        self.eps = check_number(eps, own, "eps", low=0.0)
        self.momentum = check_number(momentum, own, "momentum", low=0.0, high=1.0)
        self.affine = check_bool(affine, own, "affine")
        self._dtype = check_float_dtype(dtype, own)
        given = (init_weight, init_bias, init_grad_weight, init_grad_bias)
        if not affine and any(v is not None for v in given):
            raise ValueError(f"{own}: expected no initial weight/bias with affine=False, got "
                             "an array")
        self._fixed_w, self._fixed_b = init_weight is not None, init_bias is not None
        names = ("weight", "bias", "grad_weight", "grad_bias")
        given = {k: self._given(v, "init_" + k) for k, v in zip(names, given)}
        arrays = allocate(own, self._dtype, {"weight": (c,), "bias": (c,)} if affine else {})
        arrays.update(allocate(own, self._dtype, {"running_mean": (c,), "running_var": (c,)},
                               grads=False))  # checks the sizes first
        for k, v in given.items():
            if v is not None:
                arrays[k][...] = v
        self.weight, self.bias, self.grad_weight, self.grad_bias = map(arrays.get, names)
        self.running_mean, self.running_var = arrays["running_mean"], arrays["running_var"]
        self.running_var.fill(1)
        self.save_mean, self.save_invstd = np.zeros(c), np.ones(c)
        self._w_init, self._b_init = _init.RandomUniform(0.0, 1.0), _init.Zeros()
        self.reset()

    def _given(self, value, what):
        if value is None:
            return None
        arr, _ = to_array(value, type(self).__name__, self._dtype, what)
        return fit_shape(arr, (self.n_output,), type(self).__name__, what).copy()

    def reset(self):
        """Re-draw gamma (U[0, 1), BigDL's default) unless given, zero beta unless given,
        and zero the gradients; the running statistics are kept."""
        if self.affine:
            if not self._fixed_w:
                self._w_init.init(self.weight, self.n_output, 1)
            if not self._fixed_b:
                self._b_init.init(self.bias, self.n_output, 1)
        return self.zero_grad_parameters()

    def set_init_method(self, weight_init=None, bias_init=None):
        """Set gamma's and/or beta's init method and re-initialise at once (BigDL)."""
        for name, m in (("weight_init", weight_init), ("bias_init", bias_init)):
            check_instance(m, _init.InitializationMethod, type(self).__name__, name,
                           allow_none=True)
        self._w_init = weight_init or self._w_init
        self._b_init = bias_init or self._b_init
        return self.reset()

    def parameters(self):
        """BigDL's dict, with ``runningMean`` and ``runningVar`` beside the parameters."""
        entry = {"runningMean": self.running_mean, "runningVar": self.running_var}
        if self.affine:
            entry.update(weight=self.weight, bias=self.bias, gradWeight=self.grad_weight,
                         gradBias=self.grad_bias)
        return {self.name(): entry}

    def _config(self):
        cfg = {"n_output": self.n_output, "eps": self.eps, "momentum": self.momentum,
               "affine": self.affine, "dtype": self._dtype}
        if hasattr(self, "data_format"):
            cfg["data_format"] = self.data_format
        return cfg

    def _saved_buffers(self):
        """The running statistics, which save_model keeps."""
        return {"runningMean": self.running_mean, "runningVar": self.running_var}

    # ---- phases ----------------------------------------------------------------------
    def update_output(self, input):
        x3 = self._view(input, self._training)
        out = self._buffer("output", input.shape, self._dtype)
        y3 = out.reshape(x3.shape)
        if self._training:
            if x3.shape[0] * x3.shape[2] < 2:
                raise ValueError(f"{type(self).__name__}: expected more than one value per "
                                 f"channel in training, got input shape {tuple(input.shape)}")
            _batchnorm.forward_train(x3, y3, self.weight, self.bias, self.save_mean,
                                     self.save_invstd, self.running_mean, self.running_var,
                                     self.eps, self.momentum, get_num_threads())
        else:
            _batchnorm.forward_eval(x3, y3, self.weight, self.bias, self.running_mean,
                                    self.running_var, self.eps, get_num_threads())
        return out

    def _grads(self, input, grad_output, want_input, want_params):
        """Training mode: the batch statistics of the last forward; evaluation: the
        running ones (the derivative of the evaluation forward)."""
        x3 = self._view(input, self._training)
        if grad_output.shape != input.shape:
            raise ValueError(f"{type(self).__name__}: expected grad_output of shape "
                             f"{tuple(input.shape)}, got {tuple(grad_output.shape)}")
        gi = self._buffer("grad_input", input.shape, self._dtype) if want_input else None
        if self._training:
            mean, invstd = self.save_mean, self.save_invstd
        else:
            mean, invstd = np.empty(self.n_output), np.empty(self.n_output)
            _batchnorm.eval_stats(self.running_mean, self.running_var, self.eps, mean, invstd)
        use = want_params and self.affine
        _batchnorm.backward(x3, grad_output.reshape(x3.shape),
                            None if gi is None else gi.reshape(x3.shape), self.weight, mean,
                            invstd, self._training, self.grad_weight if use else None,
                            self.grad_bias if use else None, self._scale_w, self._scale_b,
                            get_num_threads())
        return gi

    def _extra_str(self):
        return (f"({self.n_output}, {java_double_str(self.eps)}, "
                f"{java_double_str(self.momentum)}, {str(self.affine).lower()})")


class BatchNormalization(_BatchNorm):
    r"""Batch normalisation of 2-D input ``(N, C)`` (BigDL's ``BatchNormalization``).

    Training: per channel, :math:`y = (x - \mu_B) / \sqrt{\sigma_B^2 + eps}\,\gamma + \beta`
    over the batch (biased variance), and the running statistics move towards the batch's
    (``momentum`` weights the batch; the running variance is the unbiased one).  Evaluation
    normalises with the running statistics; its backward is that map's derivative
    (BigDL's is wrong).  A training batch of one sample is a ValueError.

    Parameters
    ----------
    n_output : int
        Channels C.
    eps : float
        Added to the variance (>= 0).
    momentum : float
        In [0, 1].
    affine : bool
        Learn gamma (``weight``, default U[0, 1)) and beta (``bias``, default 0).
    init_weight, init_bias, init_grad_weight, init_grad_bias : array_like or None
        Initial values, (C,).
    dtype : {"float32", "float64"}, keyword-only
        Dtype of the parameters, statistics and output.

    Shape: ``(N, C) -> (N, C)``; ``(C,)`` in evaluation mode.  ``parameters()`` also holds
    ``runningMean`` and ``runningVar``; ``save_model`` keeps them.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import BatchNormalization
    >>> m = BatchNormalization(2, init_weight=[1.0, 2.0], init_bias=[0.0, 1.0])
    >>> m.forward(np.array([[1.0, 0.0], [3.0, 4.0]], np.float32)).round(4).tolist()
    [[-1.0, -1.0], [1.0, 3.0]]
    >>> m.running_mean.tolist(), m.running_var.round(4).tolist()
    ([0.20000000298023224, 0.20000000298023224], [1.100000023841858, 1.7000000476837158])
    >>> str(m.set_name("bn"))
    'BatchNormalization[bn](2, 1.0E-5, 0.1, true)'
    """

    def __init__(self, n_output, eps=1e-5, momentum=0.1, affine=True, init_weight=None,
                 init_bias=None, init_grad_weight=None, init_grad_bias=None, *,
                 dtype="float32"):
        super().__init__(n_output, eps, momentum, affine, init_weight, init_bias,
                         init_grad_weight, init_grad_bias, dtype)

    def _view(self, x, training):
        c = self.n_output
        if x.ndim == 2 and x.shape[1] == c:
            return x.reshape(x.shape[0], c, 1)
        if x.ndim == 1 and x.shape[0] == c and not training:
            return x.reshape(1, c, 1)
        accepted = "(N, C)" if training else "(N, C), or (C,) in evaluation mode"
        raise ValueError(f"BatchNormalization: expected {accepted} input with C={c}, got "
                         f"shape {tuple(x.shape)}")


class SpatialBatchNormalization(_BatchNorm):
    r"""Batch normalisation of feature maps, one mean/variance per channel over
    (N, H, W) (BigDL's ``SpatialBatchNormalization``); the rules of
    :class:`BatchNormalization`.

    Parameters
    ----------
    n_output, eps, momentum, affine, init_weight, init_bias, init_grad_weight,
    init_grad_bias, dtype :
        As :class:`BatchNormalization`.
    data_format : {"NCHW", "NHWC"}
        Channels first or last (any case).

    Shape: NCHW ``(N, C, H, W)``, NHWC ``(N, H, W, C)``; 3-D (one sample) in evaluation
    mode only.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import SpatialBatchNormalization
    >>> m = SpatialBatchNormalization(3, data_format="NHWC", init_weight=np.ones(3))
    >>> y = m.forward(np.random.default_rng(0).standard_normal((4, 5, 5, 3)))
    >>> abs(y.mean(axis=(0, 1, 2))).round(6).tolist(), y.std(axis=(0, 1, 2)).round(3).tolist()
    ([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    >>> str(SpatialBatchNormalization(3).set_name("bn1"))
    'SpatialBatchNormalization[bn1](3, 1.0E-5, 0.1, true)'
    """

    def __init__(self, n_output, eps=1e-5, momentum=0.1, affine=True, init_weight=None,
                 init_bias=None, init_grad_weight=None, init_grad_bias=None,
                 data_format="NCHW", *, dtype="float32"):
        self.data_format = check_format(data_format, "SpatialBatchNormalization")
        super().__init__(n_output, eps, momentum, affine, init_weight, init_bias,
                         init_grad_weight, init_grad_bias, dtype)

    def _view(self, x, training):
        c, nhwc = self.n_output, self.data_format == "NHWC"
        ok = x.ndim == 4 or (x.ndim == 3 and not training)
        if ok and x.shape[-1 if nhwc else x.ndim - 3] == c:
            if nhwc:
                return x.reshape(math.prod(x.shape[:-1]), c, 1)
            return x.reshape(x.shape[0] if x.ndim == 4 else 1, c, math.prod(x.shape[-2:]))
        lay = "(N, H, W, C)" if nhwc else "(N, C, H, W)"
        accepted = f"a 4-D {lay}" + ("" if training else " or 3-D")
        raise ValueError(f"SpatialBatchNormalization: expected {accepted} input ("
                         f"{self.data_format}) with C={c}, got shape {tuple(x.shape)}")
