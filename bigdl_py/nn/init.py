"""Initialisation methods (BigDL's ``InitializationMethod``) for ``set_init_method``.

Each method fills a parameter array in place through the global :data:`bigdl_py.RNG`, in
row-major element order, so in ``"mt19937"`` mode the numbers are BigDL's.  A layer passes
the fans of the parameter: for a weight (out, in), ``fan_in = in`` and ``fan_out = out``;
for a bias (BigDL's ``ONE_D`` format), ``fan_in = len(bias)`` and ``fan_out = 1``.

>>> import numpy as np
>>> from bigdl_py.nn.init import ConstInitMethod, Xavier
>>> w = np.empty((3, 4), np.float32)
>>> ConstInitMethod(0.5).init(w, fan_in=4, fan_out=3)
>>> float(w.sum())
6.0
>>> Xavier().bound(fan_in=4, fan_out=3) == (6 / 7) ** 0.5
True
"""
import math

from .._validate import check_bool, check_number
from ..random import RNG
from ._params import drawing_skipped

__all__ = ["InitializationMethod", "RandomUniform", "RandomNormal", "Xavier", "MsraFiller",
           "Zeros", "Ones", "ConstInitMethod"]


def _skipped_while_loading(init):
    def wrapper(self, array, fan_in, fan_out):
        if not drawing_skipped():
            init(self, array, fan_in, fan_out)
    wrapper.__doc__, wrapper.__name__, wrapper.__wrapped__ = init.__doc__, init.__name__, init
    return wrapper


class InitializationMethod:
    """Base: ``init(array, fan_in, fan_out)`` fills ``array`` (C-contiguous float32/float64)
    in place.  While ``load_model`` builds layers, every method's ``init`` does nothing
    (the file's arrays replace the values; no random numbers are drawn)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "init" in vars(cls):
            cls.init = _skipped_while_loading(vars(cls)["init"])

    def init(self, array, fan_in, fan_out):
        raise NotImplementedError(type(self).__name__)

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))

    def __repr__(self):
        args = ", ".join(f"{v!r}" for v in vars(self).values())
        return f"{type(self).__name__}({args})"


class RandomUniform(InitializationMethod):
    """Uniform on ``[lower, upper)``; without bounds, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    Drawn as ``u * (upper - lower) + lower`` from ``RNG.uniform_`` (BigDL's ``rand``).
    """

    def __init__(self, lower=None, upper=None):
        if (lower is None) != (upper is None):
            raise ValueError("RandomUniform: expected both lower and upper or neither, got "
                             f"lower={lower!r}, upper={upper!r}")
        self.lower = None if lower is None else check_number(lower, "RandomUniform", "lower")
        self.upper = None if upper is None else check_number(upper, "RandomUniform", "upper")

    def init(self, array, fan_in, fan_out):
        if self.lower is None:
            stdv = 1.0 / math.sqrt(fan_in)
            RNG.uniform_(array, -stdv, stdv)
        else:
            RNG.uniform_(array, self.lower, self.upper)


class RandomNormal(InitializationMethod):
    """Normal ``N(mean, stdv**2)`` from ``RNG.normal_`` (BigDL's ``randn``)."""

    def __init__(self, mean, stdv):
        self.mean = check_number(mean, "RandomNormal", "mean")
        self.stdv = check_number(stdv, "RandomNormal", "stdv")
        if self.stdv < 0:
            raise ValueError(f"RandomNormal: expected stdv >= 0, got {self.stdv}")

    def init(self, array, fan_in, fan_out):
        RNG.normal_(array, self.mean, self.stdv)


class Xavier(InitializationMethod):
    """Glorot uniform: ``U(-b, b)`` with ``b = sqrt(6 / (fan_in + fan_out))``."""

    def bound(self, fan_in, fan_out):
        return math.sqrt(6.0 / (fan_in + fan_out))

    def init(self, array, fan_in, fan_out):
        b = self.bound(fan_in, fan_out)
        RNG.uniform_(array, -b, b)


class MsraFiller(InitializationMethod):
    """He et al. (2015): ``N(0, std**2)`` with ``std = sqrt(2 / n)``.

    ``n = (fan_in + fan_out) // 2`` when ``varianceNormAverage`` (BigDL's default; BigDL
    divides integers, so this is the floor), else ``n = fan_out``.
    """

    def __init__(self, varianceNormAverage=True):
        self.varianceNormAverage = check_bool(varianceNormAverage, "MsraFiller",
                                              "varianceNormAverage")

    def std(self, fan_in, fan_out):
        n = (fan_in + fan_out) // 2 if self.varianceNormAverage else fan_out
        return math.sqrt(2.0 / n)

    def init(self, array, fan_in, fan_out):
        RNG.normal_(array, 0.0, self.std(fan_in, fan_out))


class ConstInitMethod(InitializationMethod):
    """Every element equal to ``value`` (cast to the parameter's dtype)."""

    def __init__(self, value):
        self.value = check_number(value, type(self).__name__, "value")

    def init(self, array, fan_in, fan_out):
        array.fill(self.value)


class Zeros(ConstInitMethod):
    """All zeros."""

    def __init__(self):
        self.value = 0.0

    def __repr__(self):
        return "Zeros()"


class Ones(ConstInitMethod):
    """All ones."""

    def __init__(self):
        self.value = 1.0

    def __repr__(self):
        return "Ones()"
