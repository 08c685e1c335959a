"""``CAdd`` and ``CMul``: a learnable bias / scale of a given ``size``, broadcast over the
input (BigDL's rules).

The parameter is used as the input's shape when it has as many values; otherwise it is
viewed as ``size`` (or ``[1] + size``, and more leading 1s for a deeper input) and
expanded along its size-1 axes.  Forward and grad_input are numpy broadcasts; the
parameter gradient is one fused OpenMP pass in ``bigdl_py._elementwise`` (CMul's
``input * grad_output`` never materialised), with a numpy reduction for the rare layouts
it does not cover (broadcast and kept axes alternating more than three times).
"""
import math

import numpy as np

from .. import _elementwise
from .regularizer import Regularizer
from ..parallel import get_num_threads
from . import init as _init
from .._validate import check_float_dtype, check_instance, check_int_tuple
from ._params import allocate
from .module import Module

__all__ = ["CAdd", "CMul"]


def _layout(vshape, xshape):
    """(A, B, C, middle) of ``broadcast_acc`` for a parameter viewed as ``vshape`` on an
    input of ``xshape`` (same rank), or None when the kept and broadcast axes alternate
    more than three times.  Axes of size 1 in the input belong to neither."""
    groups = []  # [kind, size]: "k" kept (parameter axis), "r" broadcast (summed)
    for v, n in zip(vshape, xshape):
        if n == 1:
            continue
        kind = "r" if v == 1 else "k"
        if groups and groups[-1][0] == kind:
            groups[-1][1] *= n
        else:
            groups.append([kind, n])
    kinds, sizes = "".join(k for k, _ in groups), [n for _, n in groups]
    if kinds == "krk":
        return sizes[0], sizes[1], sizes[2], True
    padded = {"": [1, 1, 1], "k": [1] + sizes + [1], "r": sizes + [1, 1],
              "rk": sizes + [1], "kr": [1] + sizes, "rkr": sizes}.get(kinds)
    return None if padded is None else (*padded, False)


class _Elementwise(Module):
    """Shared by CAdd and CMul: ``size``, dtype, regularizer, BigDL's initialisation
    ``U(-1/sqrt(n), 1/sqrt(n))`` with ``n = prod(size)`` and the broadcast view."""

    _PARAM = None  # "weight" (CMul: y = x * w) or "bias" (CAdd: y = x + b)
    _OP = None  # the forward's ufunc, np.multiply or np.add
    _REG = None  # the regularizer's BigDL name: "wRegularizer" (CMul) or "bRegularizer" (CAdd)
    _ELEMENTWISE = True  # update_output computes correctly with out is input

    def __init__(self, size, regularizer, dtype):
        super().__init__()
        owner = type(self).__name__
        size = check_int_tuple(size, owner, "size", 1, nonempty=True)
        self._dtype = check_float_dtype(dtype, owner)
        check_instance(regularizer, Regularizer, owner, self._REG, allow_none=True)
        self.size = list(size)
        self.regularizer = regularizer
        p = self._PARAM
        other = "bias" if p == "weight" else "weight"  # the parameter this layer lacks
        setattr(self, other, None)
        setattr(self, "grad_" + other, None)
        for name, arr in allocate(owner, self._dtype, {p: tuple(self.size)}).items():
            setattr(self, name, arr)  # size checked first (and bounded by a loaded file)
        self.reset()

    @property
    def _param(self):
        return getattr(self, self._PARAM)

    @property
    def _grad(self):
        return getattr(self, "grad_" + self._PARAM)

    def reset(self):
        """Re-draw the parameter from ``U(-1/sqrt(n), 1/sqrt(n))`` (row-major, so the
        mt19937 mode gives BigDL's numbers) and zero its gradient."""
        n = self._param.size
        _init.RandomUniform(-1 / math.sqrt(n), 1 / math.sqrt(n)).init(self._param, n, 1)
        return self.zero_grad_parameters()

    def parameters(self):
        key = "weight" if self._PARAM == "weight" else "bias"
        grad = "gradWeight" if key == "weight" else "gradBias"
        return {self.name(): {key: self._param, grad: self._grad}}

    def _view(self, x):
        """(the parameter viewed for broadcasting against ``x``, the axes it is expanded
        along)."""
        p = self._param
        if p.size == x.size:
            return p.reshape(x.shape), ()
        v = p.reshape((1,) * (x.ndim - p.ndim) + p.shape) if p.ndim < x.ndim else p
        if v.ndim != x.ndim or any(a != 1 and a != b for a, b in zip(v.shape, x.shape)):
            raise ValueError(f"{type(self).__name__}: expected an input of {p.size} values or "
                             f"one that size {self.size} expands to (its size-1 axes), got "
                             f"shape {x.shape}")
        return v, tuple(k for k, a in enumerate(v.shape) if a == 1 and x.shape[k] != 1)

    def update_output(self, input):
        v, _ = self._view(input)
        out = self._out(input)
        self._OP(input, v, out=out)
        return out

    def update_grad_input(self, input, grad_output):
        v, _ = self._view(input)
        self._check_grad(grad_output, input)
        out = self._buffer("grad_input", input.shape, self._dtype)
        if self._PARAM == "weight":  # d(x * w)/dx = w
            np.multiply(grad_output, v, out=out)
        else:  # d(x + b)/dx = 1
            out[...] = grad_output
        return out

    def acc_grad_parameters(self, input, grad_output):
        """grad += scale * (x * g for CMul, g for CAdd) summed over the axes the parameter
        is broadcast along, then the regularizer."""
        fused = self._PARAM == "weight"
        x, g, scale = input, grad_output, self._scale_w if fused else self._scale_b
        if scale != 0:
            v, axes = self._view(x)
            layout = _layout(v.shape, x.shape)
            flat = self._grad.reshape(-1)
            if layout is not None:
                gf = g.reshape(-1)
                _elementwise.broadcast_acc(x.reshape(-1) if fused else gf, gf, flat, *layout,
                                           fused, scale, get_num_threads())
            else:  # alternating layouts: one numpy reduction
                values = x * g if fused else g
                flat += self._dtype.type(scale) * values.sum(axis=axes).reshape(-1)
        if self.regularizer is not None:
            self.regularizer.acc_regularization(self._param, self._grad, scale)

    def _config(self):
        return {"size": list(self.size), self._REG: self.regularizer,
                "dtype": self._dtype.name}

    def _extra_str(self):
        return "([" + ", ".join(str(n) for n in self.size) + "])"  # Java Arrays.toString


class CAdd(_Elementwise):
    """``y = x + bias`` with a learnable ``bias`` of shape ``size`` (broadcast, see the
    module docstring); ``grad_input = grad_output``, ``gradBias += scale_b * grad_output``
    summed over the broadcast axes (plus ``bRegularizer``).

    Parameters
    ----------
    size : list of int
    bRegularizer : Regularizer, optional
    dtype : {"float32", "float64"}, keyword-only

    Examples
    --------
    >>> m = CAdd([1, 3])
    >>> m.set_weights([np.array([[1.0, 2.0, 3.0]])]).forward(np.zeros((2, 3))).tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    >>> str(m.set_name("add"))
    'CAdd[add]([1, 3])'
    """

    _PARAM, _OP, _REG = "bias", np.add, "bRegularizer"

    def __init__(self, size, bRegularizer=None, *, dtype="float32"):
        super().__init__(size, bRegularizer, dtype)


class CMul(_Elementwise):
    """``y = x * weight`` with a learnable ``weight`` of shape ``size`` (broadcast, see the
    module docstring); ``grad_input = grad_output * weight``, ``gradWeight += scale_w *
    input * grad_output`` summed over the broadcast axes (plus ``wRegularizer``).

    Parameters
    ----------
    size : list of int
    wRegularizer : Regularizer, optional
    dtype : {"float32", "float64"}, keyword-only

    Examples
    --------
    >>> m = CMul([3]).set_weights([np.array([1.0, 2.0, 3.0])])
    >>> m.forward(np.ones((2, 3))).tolist()
    [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    """

    _PARAM, _OP, _REG = "weight", np.multiply, "wRegularizer"

    def __init__(self, size, wRegularizer=None, *, dtype="float32"):
        super().__init__(size, wRegularizer, dtype)
