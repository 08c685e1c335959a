"""``Param`` (the facade's stand-in for a Theano shared variable) and ``create_param``.

>>> import numpy as np
>>> from bigdl_py.lasagne.utils import create_param
>>> create_param(np.zeros((2, 3)), (2, 3), name="W")
Param(name='W', shape=(2, 3), dtype=float32)
"""
import numpy as np

from .._validate import is_int, is_number
from ..nn._params import check_fits
from .init import Initializer

__all__ = ["Param", "create_param", "unique"]


class Param:
    """A named parameter array, like the Theano shared variable Lasagne returns.

    The values live in one place: either this object's own array, or, once a layer
    binds it to a bigdl_py module, a *view* of the module's array (a DenseLayer's W is
    ``linear.weight.T``), so ``set_value`` writes straight into the module that
    computes with it and ``get_value`` always shows what the module uses.

    ``get_value(borrow=False)`` returns a copy (``borrow=True``: the live view),
    ``set_value(v)`` copies ``v`` in (same shape; cast to the parameter's dtype).
    ``np.asarray(p)`` gives the live view; ``p.shape``, ``p.dtype``, ``p.name``.
    """

    def __init__(self, value, name=None):
        self._value = value
        self._view = None
        self.name = name

    def _bind(self, view):
        """Make ``view()`` (a function returning a view of a module's array) the storage."""
        self._view = view
        self._value = None

    def _array(self):
        return self._view() if self._view is not None else self._value

    def get_value(self, borrow=False):
        a = self._array()
        return a if borrow else a.copy()

    def set_value(self, value, borrow=False):
        a = self._array()
        v = np.asarray(value)
        if v.shape != a.shape:
            raise ValueError(f"Param {self.name!r}: expected a value of shape {a.shape}, got "
                             f"{v.shape}")
        a[...] = v
        return self

    @property
    def shape(self):
        return self._array().shape

    @property
    def dtype(self):
        return self._array().dtype

    @property
    def ndim(self):
        return self._array().ndim

    def __array__(self, dtype=None, copy=None):
        a = self._array()
        return a if dtype is None else a.astype(dtype)

    def __str__(self):
        return str(self.name)

    def __repr__(self):
        return f"Param(name={self.name!r}, shape={self.shape}, dtype={self.dtype})"


def create_param(spec, shape, name=None, dtype=np.float32, owner="create_param"):
    """A ``Param`` of ``shape`` from ``spec``.

    ``spec`` is a ``Param`` (returned as is, after a shape check: the layer then shares
    it), a number or array (copied), or a callable ``spec(shape)`` returning an array
    (``Initializer`` instances are asked for ``dtype`` directly).  Shapes must be
    concrete: ``None`` or non-positive dimensions are a ValueError.
    """
    shape = tuple(shape)
    if any(not is_int(d) or d <= 0 for d in shape):
        raise ValueError(f"{owner}: cannot create parameter {name!r} with shape {shape}: "
                         "every dimension must be a positive int")
    if not isinstance(spec, Param):  # a ValueError naming the size, not a MemoryError
        check_fits(owner, dtype, [shape], grads=False)
    if isinstance(spec, Param):
        if spec.shape != shape:
            raise ValueError(f"{owner}: the provided Param {spec.name!r} has shape "
                             f"{spec.shape}, should be {shape}")
        return spec
    source = "the provided"
    if isinstance(spec, Initializer):
        spec, source = spec.sample(shape, dtype), "the initializer's"
    elif callable(spec):
        spec, source = spec(shape), "the callable's"
    if is_number(spec):
        spec = np.full(shape, spec, dtype=dtype)
    if not isinstance(spec, (np.ndarray, list, tuple)):
        raise TypeError(f"{owner}: cannot initialize parameter {name!r}: {source} value is "
                        f"not a number, array or callable, got {type(spec).__name__}")
    arr = np.array(spec, dtype=dtype)
    if arr.shape != shape:
        raise ValueError(f"{owner}: cannot initialize parameter {name!r}: {source} array has "
                         f"shape {arr.shape}, should be {shape}")
    return Param(np.ascontiguousarray(arr), name)


def unique(items):
    """Items in first-seen order without repeats (by identity)."""
    seen, out = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def bind_param(param, module, attr, transpose=False):
    """Make ``param`` and ``module.<attr>`` one storage (the module computes with it).

    A fresh Param's values are copied into the module's array and the Param becomes
    a view of it (transposed when ``transpose``: Lasagne's W is (in, out), a bigdl_py
    weight (out, in)).  A Param already bound to another module (a layer given
    another layer's W) is shared: this module adopts that storage.
    """
    arr = getattr(module, attr)
    value = param.get_value(borrow=True)
    value = value.T if transpose else value
    if value.dtype != arr.dtype:
        raise ValueError(f"{type(module).__name__}: cannot share parameter {param.name!r} "
                         f"of dtype {value.dtype} with a {arr.dtype} layer")
    if param._view is not None:
        setattr(module, attr, value)
        return
    arr[...] = value
    param._bind(lambda: getattr(module, attr).T if transpose else getattr(module, attr))
