"""BigDL's Keras-style core layers (Keras 1.2.2 names) over ``bigdl_py.nn`` modules.

A layer here computes nothing itself: it checks and infers shapes and, when added to a
model, builds the ``bigdl_py.nn`` modules that do the work (``Dense`` is a ``Linear``
plus its activation module).  Shapes exclude the batch dimension.

>>> from bigdl_py.keras.layers import Dense
>>> d = Dense(4, activation="relu", input_shape=(3,))
>>> d.compute_output_shape((3,))
(4,)
>>> [type(m).__name__ for m in d.build((3,))]
['Linear', 'ReLU']
"""
from ... import nn as _nn
from ..._validate import check_bool, check_instance, check_int
from ...optim.regularizer import Regularizer
from .._shape import sample_shape

__all__ = ["Layer", "Dense", "Activation", "Dropout", "GaussianDropout", "GaussianNoise",
           "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "Reshape", "Flatten"]

# Keras' activation names -> the bigdl_py.nn module class
_ACTIVATIONS = {"relu": _nn.ReLU, "tanh": _nn.Tanh, "sigmoid": _nn.Sigmoid,
                "softmax": _nn.SoftMax, "log_softmax": _nn.LogSoftMax, "linear": None}
# Keras' init names -> a bigdl_py.nn initialization method (BigDL's Keras mapping)
_INITS = {"glorot_uniform": _nn.Xavier, "zero": _nn.Zeros, "one": _nn.Ones,
          "uniform": lambda: _nn.RandomUniform(-0.05, 0.05),
          "normal": lambda: _nn.RandomNormal(0.0, 0.05), "he_normal": _nn.MsraFiller}


def _choice(value, table, owner, what):
    if not isinstance(value, str):
        raise TypeError(f"{owner}: expected a string as {what}, got {type(value).__name__}")
    if value.lower() not in table:
        raise ValueError(f"{owner}: expected {what} in {sorted(table)}, got {value!r}")
    return value.lower()


def regularizers(w, b, owner):
    """``(W_regularizer, b_regularizer)``, each a ``bigdl_py.optim`` Regularizer or None."""
    return (check_instance(w, Regularizer, owner, "W_regularizer", allow_none=True),
            check_instance(b, Regularizer, owner, "b_regularizer", allow_none=True))


def activation_modules(name, owner):
    """The nn modules of Keras activation ``name`` (none for None/"linear")."""
    if name is None:
        return []
    cls = _ACTIVATIONS[_choice(name, _ACTIVATIONS, owner, "activation")]
    return [] if cls is None else [cls()]


class Layer:
    """Base of the Keras-style layers: ``input_shape`` (batch excluded) on the first layer
    of a ``Sequential``, ``name`` optional."""

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        self._init_args = (args, kwargs)  # the constructor arguments, for save_model
        return self

    def __init__(self, input_shape=None, name=None):
        owner = type(self).__name__
        self.input_shape = None if input_shape is None else sample_shape(input_shape, owner)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{owner}: expected a string as name, got {type(name).__name__}")
        self.name = name

    def __call__(self, x):
        """This layer applied to a graph node (``bigdl_py.keras.layers.Input`` or another
        layer's output): a new node, for ``bigdl_py.keras.models.Model``."""
        from .topology import call
        return call(self, x)

    def compute_output_shape(self, input_shape):
        """The sample shape this layer outputs for ``input_shape``; ValueError if it cannot
        take that shape.  Default: shape preserved."""
        return tuple(input_shape)

    def build(self, input_shape):
        """The list of ``bigdl_py.nn`` modules computing this layer for ``input_shape``."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Fully connected layer on 1-D samples: ``Linear(input_dim, output_dim)`` followed by
    ``activation`` ("relu", "tanh", "sigmoid", "softmax", "log_softmax", "linear" or None)."""

    def __init__(self, output_dim, init="glorot_uniform", activation=None, W_regularizer=None,
                 b_regularizer=None, bias=True, input_dim=None, input_shape=None, name=None):
        if input_dim is not None and input_shape is None:
            input_shape = (check_int(input_dim, "Dense", "input_dim", 1),)
        super().__init__(input_shape, name)
        self.output_dim = check_int(output_dim, "Dense", "output_dim", 1)
        self.init = _choice(init, _INITS, "Dense", "init")
        if activation is not None:
            _choice(activation, _ACTIVATIONS, "Dense", "activation")
        self.activation, self.bias = activation, check_bool(bias, "Dense", "bias")
        self.W_regularizer, self.b_regularizer = regularizers(W_regularizer, b_regularizer,
                                                              "Dense")

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(f"Dense: expected 1-D samples (input of shape (None, n)), got "
                             f"{(None,) + tuple(input_shape)}; add a Flatten first")
        return (self.output_dim,)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        lin = _nn.Linear(input_shape[0], self.output_dim, with_bias=self.bias,
                         wRegularizer=self.W_regularizer, bRegularizer=self.b_regularizer)
        lin.set_init_method(_INITS[self.init](), _nn.Zeros())
        return [lin] + activation_modules(self.activation, "Dense")

    def __repr__(self):
        return f"Dense({self.output_dim}, activation={self.activation!r})"


class Activation(Layer):
    """An activation by Keras name: "relu", "tanh", "sigmoid", "softmax", "log_softmax" or
    "linear" (identity)."""

    def __init__(self, activation, input_shape=None, name=None):
        super().__init__(input_shape, name)
        self.activation = _choice(activation, _ACTIVATIONS, "Activation", "activation")

    def build(self, input_shape):
        return activation_modules(self.activation, "Activation") or [_nn.Identity()]

    def __repr__(self):
        return f"Activation({self.activation!r})"


class _Wrap(Layer):
    """A shape-preserving layer made of one nn module, ``self._make()``.  A subclass gives
    the nn class and its arguments (kept as attributes of their names) to ``__init__``,
    which builds one module at once, so wrong arguments fail at construction."""

    _ndim = None  # required sample rank (None: any)

    def __init__(self, input_shape=None, name=None, module=None, **args):
        super().__init__(input_shape, name)
        vars(self).update(args)
        self._make = lambda: module(*args.values())
        self._make()

    def compute_output_shape(self, input_shape):
        if self._ndim is not None and len(input_shape) != self._ndim:
            raise ValueError(f"{type(self).__name__}: expected {self._ndim}-D samples, got "
                             f"input of shape {(None,) + tuple(input_shape)}")
        return tuple(input_shape)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        return [self._make()]


class Dropout(_Wrap):
    """Drops each input with probability ``p`` in training (scaled by 1/(1-p))."""

    def __init__(self, p, input_shape=None, name=None):
        super().__init__(input_shape, name, _nn.Dropout, p=p)
        self.p = self._make().get_p()


class GaussianDropout(_Wrap):
    """Multiplies by 1-centred Gaussian noise of std sqrt(p/(1-p)) in training."""

    def __init__(self, p, input_shape=None, name=None):
        super().__init__(input_shape, name, _nn.GaussianDropout, p=p)


class GaussianNoise(_Wrap):
    """Adds centred Gaussian noise of std ``sigma`` in training."""

    def __init__(self, sigma, input_shape=None, name=None):
        super().__init__(input_shape, name, _nn.GaussianNoise, sigma=sigma)


def _spatial(cls, ndim, formats):
    class _Spatial(_Wrap):
        _ndim = ndim

        def __init__(self, p=0.5, dim_ordering="th", input_shape=None, name=None):
            order = _choice(dim_ordering, {"th": 0, "tf": 0}, cls.__name__, "dim_ordering")
            args = {"p": p} if formats is None else {"p": p, "data_format": formats[order]}
            super().__init__(input_shape, name, cls, **args)
            self.dim_ordering = order

    _Spatial.__name__ = _Spatial.__qualname__ = cls.__name__
    _Spatial.__doc__ = (f"Drops whole feature maps with probability ``p`` in training "
                        f"(``bigdl_py.nn.{cls.__name__}``); ``dim_ordering`` \"th\" puts the "
                        f"channels first, \"tf\" last.")
    return _Spatial


SpatialDropout1D = _spatial(_nn.SpatialDropout1D, 2, None)
SpatialDropout2D = _spatial(_nn.SpatialDropout2D, 3, {"th": "NCHW", "tf": "NHWC"})
SpatialDropout3D = _spatial(_nn.SpatialDropout3D, 4, {"th": "NCHW", "tf": "NHWC"})


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (batch excluded; same number of values),
    over ``bigdl_py.nn.Reshape(target_shape, batch_mode=True)``."""

    def __init__(self, target_shape, input_shape=None, name=None):
        super().__init__(input_shape, name)
        self.target_shape = sample_shape(target_shape, "Reshape", "target_shape")

    def compute_output_shape(self, input_shape):
        n, m = _size(input_shape), _size(self.target_shape)
        if n != m:
            raise ValueError(f"Reshape: expected samples of {m} values for target_shape "
                             f"{self.target_shape}, got input of shape "
                             f"{(None,) + tuple(input_shape)} ({n} values)")
        return self.target_shape

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        return [_nn.Reshape(list(self.target_shape), batch_mode=True)]

    def __repr__(self):
        return f"Reshape({self.target_shape})"


class Flatten(Layer):
    """Flatten each sample to 1-D (``bigdl_py.nn.Reshape([n], batch_mode=True)``)."""

    def compute_output_shape(self, input_shape):
        return (_size(input_shape),)

    def build(self, input_shape):
        return [_nn.Reshape([_size(input_shape)], batch_mode=True)]


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n
