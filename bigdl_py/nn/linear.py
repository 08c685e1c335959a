"""``Linear``: BigDL's fully connected layer, with Lasagne's ``num_leading_axes``.

The products run through BLAS (sgemm/dgemm) and the bias add / bias-gradient sums through
OpenMP loops, all in ``bigdl_py._linear``.
"""
import math

from .. import _linear
from .regularizer import Regularizer
from ..parallel import get_num_threads
from . import init as _init
from .._validate import (check_bool, check_float_dtype, check_instance, check_int, fit_shape,
                         to_array)
from ._params import allocate
from .module import Module

__all__ = ["Linear"]


class _Dense(Module):
    """Shared by Linear and NIN: weight (output_size, input_size) and an optional bias,
    their dtype, initialisation (BigDL's reset / set_init_method) and regularizers."""

    def _setup(self, input_size, output_size, with_bias, bias_spatial, wRegularizer,
               bRegularizer, init_weight, init_bias, init_grad_weight, init_grad_bias, dtype,
               w_shape=None, fans=None):
        """Validate and set the parameters; a convolution passes its ``w_shape`` and the
        ``fans`` (fan_in, fan_out) its init methods get."""
        owner = type(self).__name__
        self.input_size = check_int(input_size, owner, "input_size", 1)
        self.output_size = check_int(output_size, owner, "output_size", 1)
        with_bias = check_bool(with_bias, owner, "with_bias")
        self._dtype = check_float_dtype(dtype, owner)
        for name, reg in (("wRegularizer", wRegularizer), ("bRegularizer", bRegularizer)):
            check_instance(reg, Regularizer, owner, name, allow_none=True)
        if not with_bias and (init_bias is not None or init_grad_bias is not None):
            raise ValueError(f"{owner}: expected no init_bias / init_grad_bias with "
                             "with_bias=False, got an array")
        if w_shape is None:
            w_shape = (self.output_size, self.input_size)
        self._fans = (self.input_size, self.output_size) if fans is None else tuple(fans)
        bias_shape = (self.output_size,) + tuple(bias_spatial)
        self.with_bias = with_bias
        self.w_regularizer, self.b_regularizer = wRegularizer, bRegularizer
        self._fixed_w = init_weight is not None
        self._fixed_b = init_bias is not None
        given = {"weight": self._given(init_weight, w_shape, "init_weight"),
                 "grad_weight": self._given(init_grad_weight, w_shape, "init_grad_weight"),
                 "bias": self._given(init_bias, bias_shape, "init_bias"),
                 "grad_bias": self._given(init_grad_bias, bias_shape, "init_grad_bias")}
        shapes = {"weight": w_shape, "bias": bias_shape} if with_bias else {"weight": w_shape}
        arrays = allocate(owner, self._dtype, shapes)  # checks the size first
        for name, arr in arrays.items():
            if given[name] is not None:
                arr[...] = given[name]
        self.weight, self.grad_weight = arrays["weight"], arrays["grad_weight"]
        self.bias, self.grad_bias = arrays.get("bias"), arrays.get("grad_bias")
        stdv = 1.0 / math.sqrt(self.input_size)
        self._w_init = _init.RandomUniform(-stdv, stdv)
        self._b_init = _init.RandomUniform(-stdv, stdv)
        self.reset()

    def _given(self, value, shape, what):
        """A caller's initial array, checked (None stays None); copied into the
        parameters by _setup, never kept."""
        if value is None:
            return None
        arr, _ = to_array(value, type(self).__name__, self._dtype, what)
        return fit_shape(arr, shape, type(self).__name__, what)

    def _dense_config(self):
        """The constructor arguments _Dense handles (for ``_config``)."""
        return {"input_size": self.input_size, "output_size": self.output_size,
                "with_bias": self.with_bias, "wRegularizer": self.w_regularizer,
                "bRegularizer": self.b_regularizer, "dtype": self._dtype}

    def reset(self):
        """Re-draw weight then bias with the init methods (BigDL: parameters given as
        ``init_weight`` / ``init_bias`` are kept), and zero the gradients."""
        if not self._fixed_w:
            self._w_init.init(self.weight, *self._fans)
        if self.bias is not None and not self._fixed_b:
            self._b_init.init(self.bias, self.output_size, 1)
        return self.zero_grad_parameters()

    def set_init_method(self, weight_init=None, bias_init=None):
        """Set the weight and/or bias :mod:`bigdl_py.nn.init` method and re-initialise at
        once (BigDL's ``setInitMethod``)."""
        for name, m in (("weight_init", weight_init), ("bias_init", bias_init)):
            check_instance(m, _init.InitializationMethod, type(self).__name__, name,
                           allow_none=True)
        if weight_init is not None:
            self._w_init = weight_init
        if bias_init is not None:
            self._b_init = bias_init
        return self.reset()

    def _regularize(self):
        if self.w_regularizer is not None:
            self.w_regularizer.acc_regularization(self.weight, self.grad_weight, self._scale_w)
        if self.b_regularizer is not None and self.bias is not None:
            self.b_regularizer.acc_regularization(self.bias, self.grad_bias, self._scale_b)

    def _sizes(self):
        return f"{self.input_size} -> {self.output_size}"


def leading_axes(ndim, num_leading_axes, owner):
    """Lasagne's ``num_leading_axes`` rule for an ``ndim``-dimensional input: the number of
    leading axes kept (a negative value counts the trailing axes of the dot product);
    ValueError when it leaves no trailing axis or asks for more than there are.

    >>> leading_axes(4, -1, "DenseLayer")
    3
    """
    lead = num_leading_axes
    if lead >= ndim:
        raise ValueError(f"{owner}: got num_leading_axes={lead} for a {ndim}-dimensional "
                         "input, leaving no trailing axes for the dot product")
    if lead < -ndim:
        raise ValueError(f"{owner}: got num_leading_axes={lead} for a {ndim}-dimensional "
                         "input, requesting more trailing axes than there are input "
                         "dimensions")
    return lead + ndim if lead < 0 else lead


def leading_axes_shape(shape, num_leading_axes, input_size, owner="Linear"):
    """(rows, output shape without its last axis) for ``shape`` (Lasagne's rule).

    ``num_leading_axes=None`` is BigDL's rule: 1-D ``(in,)`` or 2-D ``(B, in)`` only.
    Otherwise the first ``num_leading_axes`` axes are kept (negative: that many trailing
    axes form the features) and the rest must multiply to ``input_size``.
    """
    nd = len(shape)
    if num_leading_axes is None:
        if nd not in (1, 2):
            raise ValueError(f"{owner}: expected a 1D (input_size,) or 2D (batch, input_size) "
                             f"input, got a {nd}D input of shape {shape} (set "
                             "num_leading_axes to flatten trailing axes)")
        lead = nd - 1
    else:
        lead = leading_axes(nd, num_leading_axes, owner)
    features = math.prod(shape[lead:])
    if features != input_size:
        if num_leading_axes is None:
            raise ValueError(f"{owner}: expected input with {input_size} features, got "
                             f"{features}")
        raise ValueError(f"{owner}: expected the trailing axes {tuple(shape[lead:])} of input "
                         f"{tuple(shape)} (num_leading_axes={num_leading_axes}) to multiply "
                         f"to input_size={input_size}, got {features}")
    return math.prod(shape[:lead]), tuple(shape[:lead])


class Linear(_Dense):
    r"""Fully connected layer: :math:`y = x W^T + b` (BigDL's ``Linear``).

    Parameters
    ----------
    input_size, output_size : int
        Features in and out; ``weight`` is (output_size, input_size), ``bias``
        (output_size,).
    with_bias : bool
        Add a bias.
    wRegularizer, bRegularizer : bigdl_py.optim.Regularizer or None
        Added to the weight / bias gradient in ``acc_grad_parameters``.
    init_weight, init_bias, init_grad_weight, init_grad_bias : array_like or None
        Initial values (copied, cast to ``dtype``); a given weight or bias is kept by
        ``reset()``, as in BigDL.
    num_leading_axes : int or None, keyword-only
        Lasagne's DenseLayer rule: keep that many leading axes and flatten the rest into
        ``input_size`` features (negative: that many trailing axes are the features; 0: the
        whole input is one sample).  None (default) accepts BigDL's 1D and 2D inputs only.
    dtype : {"float32", "float64"}, keyword-only
        Dtype of the parameters, gradients and output; input is cast to it.

    Notes
    -----
    Default initialisation (and ``reset()``): weight then bias, each
    :math:`U(-1/\sqrt{in}, 1/\sqrt{in})` in row-major order from :data:`bigdl_py.RNG`, so
    ``"mt19937"`` mode reproduces BigDL's numbers.  Training and evaluation are the same.

    Backward: ``grad_input = G W``; ``grad_weight += scale_w * G^T X`` and
    ``grad_bias += scale_b * sum_rows(G)`` (a zero scale skips its term), then the
    regularizers add theirs.

    Shape: ``(input_size,) -> (output_size,)``; ``(B, input_size) -> (B, output_size)``;
    with ``num_leading_axes=k``: ``(*lead, *trail) -> (*lead, output_size)``.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import Linear
    >>> m = Linear(3, 2, init_weight=np.ones((2, 3)), init_bias=[0.5, -0.5])
    >>> m.forward(np.array([[1.0, 2.0, 3.0]], np.float32)).tolist()
    [[6.5, 5.5]]
    >>> str(m.set_name("fc1"))
    'Linear[fc1](3 -> 2)'
    >>> Linear(6000, 50, num_leading_axes=1).forward(np.zeros((2, 10, 20, 30))).shape
    (2, 50)
    """

    def __init__(self, input_size, output_size, with_bias=True, wRegularizer=None,
                 bRegularizer=None, init_weight=None, init_bias=None, init_grad_weight=None,
                 init_grad_bias=None, *, num_leading_axes=None, dtype="float32"):
        super().__init__()
        if num_leading_axes is not None:
            check_int(num_leading_axes, "Linear", "num_leading_axes")
        self.num_leading_axes = None if num_leading_axes is None else int(num_leading_axes)
        self._setup(input_size, output_size, with_bias, (), wRegularizer, bRegularizer,
                    init_weight, init_bias, init_grad_weight, init_grad_bias, dtype)

    def _config(self):
        return dict(self._dense_config(), num_leading_axes=self.num_leading_axes)

    def _rows(self, x):
        """(rows, output shape) of input ``x``; raises before any work."""
        shape = x.shape
        if len(shape) == 2 and shape[1] == self.input_size and self.num_leading_axes is None:
            return shape[0], (shape[0], self.output_size)  # the common case, kept lean
        rows, lead = leading_axes_shape(shape, self.num_leading_axes, self.input_size)
        return rows, lead + (self.output_size,)

    def update_output(self, input):
        rows, out_shape = self._rows(input)
        out = self._buffer("output", out_shape, self._dtype)
        if input.ndim == 2 and out.ndim == 2:  # no reshapes on the common path
            _linear.linear_forward(input, self.weight, self.bias, out, 1, get_num_threads())
        else:
            _linear.linear_forward(input.reshape(rows, self.input_size), self.weight,
                                   self.bias, out.reshape(rows, self.output_size), 1,
                                   get_num_threads())
        return out

    def update_grad_input(self, input, grad_output):
        return self._grad_input(input, grad_output, self._checked_rows(input, grad_output))

    def acc_grad_parameters(self, input, grad_output):
        self._acc_grad(input, grad_output, self._checked_rows(input, grad_output))

    def _backward(self, input, grad_output):
        rows = self._checked_rows(input, grad_output)  # validated once for both phases
        grad_input = self._grad_input(input, grad_output, rows)
        self._acc_grad(input, grad_output, rows)
        return grad_input

    def _checked_rows(self, input, grad_output):
        rows, out_shape = self._rows(input)
        self._check_grad(grad_output, out_shape)
        return rows

    def _grad_input(self, input, grad_output, rows):
        gi = self._buffer("grad_input", input.shape, self._dtype)
        _linear.linear_grad_input(grad_output.reshape(rows, self.output_size), self.weight,
                                  gi.reshape(rows, self.input_size), get_num_threads())
        return gi

    def _acc_grad(self, input, grad_output, rows):
        _linear.linear_acc_grad(input.reshape(rows, self.input_size),
                                grad_output.reshape(rows, self.output_size), self.grad_weight,
                                self.grad_bias, self._scale_w, self._scale_b, 1,
                                get_num_threads())
        self._regularize()

    def _extra_str(self):
        return f"({self._sizes()})"
