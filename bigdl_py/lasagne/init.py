"""Parameter initializers with Lasagne's names, defaults, gain and fan rules.

Every random draw goes through ``bigdl_py.RNG`` (``uniform_`` / ``normal_``), so the
numbers follow ``RNG.set_seed`` and ``RNG.set_algorithm`` like every other bigdl_py
layer.  An initializer is a callable ``init(shape) -> ndarray`` (float32, Lasagne's
usual ``floatX``); layers ask for their own dtype through ``sample(shape, dtype)``.

Fan rules (``shape`` as the layer passes it; a DenseLayer's W is
``(num_inputs, num_units)``, a convolution's ``(out, in, *kernel)``):

- Glorot: ``n1, n2 = shape[:2]``, ``receptive = prod(shape[2:])``,
  :math:`\\sigma = gain \\sqrt{2 / ((n_1 + n_2) \\cdot receptive)}`;
  ``c01b=True`` takes ``n1, n2 = shape[0], shape[3]`` and ``receptive = shape[1]*shape[2]``.
- He: ``fan_in = shape[0]`` for 2-D shapes, ``prod(shape[1:])`` for higher ranks
  (``prod(shape[:3])`` with ``c01b=True``); :math:`\\sigma = gain \\sqrt{1 / fan_{in}}`.
- The uniform variants draw from :math:`U(-\\sqrt{3}\\sigma, \\sqrt{3}\\sigma)` (the same
  standard deviation), so GlorotUniform's bound is :math:`gain\\sqrt{6/(n_1+n_2)}` for
  a matrix.  ``gain='relu'`` means :math:`\\sqrt{2}`.

Examples
--------
>>> from bigdl_py.lasagne.layers import DenseLayer
>>> from bigdl_py.lasagne.init import Constant, GlorotUniform
>>> l1 = DenseLayer((100, 20), num_units=50, W=GlorotUniform(), b=Constant(0.0))
>>> bound = (6.0 / (20 + 50)) ** 0.5
>>> bool(abs(l1.W.get_value()).max() <= bound), l1.W.get_value().shape
(True, (20, 50))
"""
import math

import numpy as np

from .._validate import check_float_dtype, check_int_tuple, check_number, is_int, is_number
from ..random import RNG

__all__ = ["Initializer", "Constant", "Normal", "Uniform", "Glorot", "GlorotNormal",
           "GlorotUniform", "He", "HeNormal", "HeUniform"]

FLOATX = np.float32


def _shape(shape, owner):
    return check_int_tuple((shape,) if is_int(shape) else shape, owner, "shape", 0)


def _dtype(dtype):
    return check_float_dtype(FLOATX if dtype is None else dtype, "Initializer")


def _gain(gain, owner):
    if isinstance(gain, str):
        if gain != "relu":
            raise ValueError(f"{owner}: expected gain to be a number or 'relu', got {gain!r}")
        return math.sqrt(2.0)
    return check_number(gain, owner, "gain")


class Initializer:
    """Base class: ``init(shape)`` calls ``init.sample(shape)``."""

    def __call__(self, shape):
        return self.sample(shape)

    def sample(self, shape, dtype=None):
        """An array of ``shape`` (float32 unless ``dtype`` says float64)."""
        raise NotImplementedError(f"{type(self).__name__}.sample")

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(Initializer):
    """Every value equal to ``val`` (default 0)."""

    def __init__(self, val=0.0):
        self.val = check_number(val, "Constant", "val")

    def sample(self, shape, dtype=None):
        return np.full(_shape(shape, "Constant"), self.val, dtype=_dtype(dtype))


class Normal(Initializer):
    """Draws from :math:`N(mean, std^2)` (defaults ``std=0.01``, ``mean=0``)."""

    def __init__(self, std=0.01, mean=0.0):
        self.std = check_number(std, "Normal", "std")
        self.mean = check_number(mean, "Normal", "mean")
        if self.std < 0:
            raise ValueError(f"Normal: expected std >= 0, got {self.std}")

    def sample(self, shape, dtype=None):
        out = np.empty(_shape(shape, "Normal"), dtype=_dtype(dtype))
        return RNG.normal_(out, self.mean, self.std)


class Uniform(Initializer):
    """Draws from :math:`U(a, b)`.

    ``range`` a number r gives ``(-r, r)``, a pair gives ``(range[0], range[1])``
    (default ``range=0.01``).  With ``std`` given, ``range`` is ignored and the bounds
    are :math:`mean \\mp \\sqrt{3}\\,std` (the distribution with that standard deviation).
    """

    def __init__(self, range=0.01, std=None, mean=0.0):
        if std is not None:
            std = check_number(std, "Uniform", "std")
            mean = check_number(mean, "Uniform", "mean")
            if std < 0:
                raise ValueError(f"Uniform: expected std >= 0, got {std}")
            a, b = mean - math.sqrt(3.0) * std, mean + math.sqrt(3.0) * std
        elif is_number(range):
            r = check_number(range, "Uniform", "range")
            a, b = -r, r
        else:
            try:
                a, b = range
            except (TypeError, ValueError):
                raise TypeError("Uniform: expected range to be a number or a pair (low, high),"
                                f" got {range!r}") from None
            a, b = check_number(a, "Uniform", "range[0]"), check_number(b, "Uniform", "range[1]")
        if a > b:
            raise ValueError(f"Uniform: expected low <= high, got range ({a}, {b})")
        self.range = (a, b)

    def sample(self, shape, dtype=None):
        out = np.empty(_shape(shape, "Uniform"), dtype=_dtype(dtype))
        return RNG.uniform_(out, self.range[0], self.range[1])


class _Scaled(Initializer):
    """``initializer`` (Normal or Uniform, given ``std=``) with the standard deviation
    ``_std_of(shape)`` of a subclass (Glorot's or He's fan rule) for a shape of at least 2
    dimensions (exactly 4 with ``c01b``)."""

    _UNDEFINED = None  # what a shape of fewer than 2 dimensions leaves undefined

    def __init__(self, initializer, gain=1.0, c01b=False):
        self.initializer = initializer
        self.gain = _gain(gain, type(self).__name__)
        self.c01b = bool(c01b)

    def sample(self, shape, dtype=None):
        shape = _shape(shape, type(self).__name__)
        return self.initializer(std=self._std(shape)).sample(shape, dtype)

    def _std(self, shape):
        owner = type(self).__name__
        if self.c01b and len(shape) != 4:
            raise ValueError(f"{owner}: expected a 4-dimensional shape with c01b=True, got "
                             f"{shape}")
        if len(shape) < 2:
            raise ValueError(f"{owner}: expected a shape of length >= 2 ({self._UNDEFINED} "
                             f"undefined otherwise), got {shape}")
        return self._std_of(shape)

    def __repr__(self):
        head = "" if type(self) in _SHORTCUT else f"{self.initializer.__name__}, "
        return f"{type(self).__name__}({head}gain={self.gain}, c01b={self.c01b})"


class Glorot(_Scaled):
    """Glorot (Xavier) scaling of ``initializer`` (Normal or Uniform, given ``std=``).

    :math:`\\sigma = gain\\sqrt{2 / ((n_1 + n_2)\\,r)}` with ``n1, n2 = shape[:2]`` and
    ``r = prod(shape[2:])`` (``c01b``: ``shape[0], shape[3]`` and ``shape[1]*shape[2]``).
    Shapes of fewer than 2 dimensions are a ValueError.
    """

    _UNDEFINED = "fan-in and fan-out are"

    def _std_of(self, shape):
        if self.c01b:
            n1, n2, receptive = shape[0], shape[3], shape[1] * shape[2]
        else:
            n1, n2, receptive = shape[0], shape[1], int(np.prod(shape[2:]))
        return self.gain * math.sqrt(2.0 / max((n1 + n2) * receptive, 1))


class He(_Scaled):
    """He scaling of ``initializer``: :math:`\\sigma = gain\\sqrt{1 / fan_{in}}`.

    ``fan_in = shape[0]`` for 2-D shapes (a DenseLayer's W is ``(num_inputs,
    num_units)``), ``prod(shape[1:])`` for higher ranks (a convolution's
    ``(out, in, *kernel)``), ``prod(shape[:3])`` with ``c01b``.  Fewer than 2
    dimensions is a ValueError.
    """

    _UNDEFINED = "fan-in is"

    def _std_of(self, shape):
        if self.c01b:
            fan_in = int(np.prod(shape[:3]))
        else:
            fan_in = shape[0] if len(shape) == 2 else int(np.prod(shape[1:]))
        return self.gain * math.sqrt(1.0 / max(fan_in, 1))


def _shortcut(name, scaling, initializer, doc):
    """``scaling`` (Glorot or He) with its ``initializer`` fixed: Lasagne's ``GlorotNormal``
    and the like, constructed with ``(gain=1.0, c01b=False)``."""
    def __init__(self, gain=1.0, c01b=False):
        scaling.__init__(self, initializer, gain, c01b)
    return type(name, (scaling,), {"__init__": __init__, "__doc__": doc,
                                   "__module__": __name__})


GlorotNormal = _shortcut("GlorotNormal", Glorot, Normal,
                         "Glorot with a Normal distribution: :math:`N(0, \\sigma^2)`.")
GlorotUniform = _shortcut("GlorotUniform", Glorot, Uniform,
                          "Glorot with a Uniform distribution: "
                          ":math:`U(-\\sqrt{3}\\sigma, \\sqrt{3}\\sigma)`.")
HeNormal = _shortcut("HeNormal", He, Normal, "He with a Normal distribution.")
HeUniform = _shortcut("HeUniform", He, Uniform,
                      "He with a Uniform distribution of the same standard deviation.")


_SHORTCUT = (GlorotNormal, GlorotUniform, HeNormal, HeUniform)
