"""Criteria (loss functions): ``MSECriterion``, ``ClassNLLCriterion``, ``CrossEntropyCriterion``.

``forward(input, target)`` returns the loss as a Python float; ``backward(input, target)``
returns d loss / d input (a fresh ndarray, or this criterion's reused Tensor when ``input``
is a Tensor).  Class labels are BigDL's: 1-based, as float or int arrays.
"""

import numpy as np

from .. import _criterion as _k
from ..tensor import Tensor
from .._validate import check_bool, fit_shape, is_number, to_array
from ._bigdl_type import BigDLType
from .softmax import log_softmax

__all__ = ["Criterion", "MSECriterion", "ClassNLLCriterion", "CrossEntropyCriterion"]


class Criterion(metaclass=BigDLType):
    """Base of the criteria: a subclass writes ``update_output(x, t) -> float`` and
    ``update_grad_input(x, t) -> ndarray`` on converted arrays (see ``_target``)."""

    def __init__(self):
        self.output = 0.0
        self.grad_input = None
        self._grad_tensor = None

    def forward(self, input, target):
        """The loss, a Python float."""
        x, _ = to_array(input, type(self).__name__)
        self.output = float(self.update_output(x, self._target(target, x)))
        return self.output

    def backward(self, input, target):
        """d loss / d input, shaped like ``input``."""
        x, kind = to_array(input, type(self).__name__)
        g = self.update_grad_input(x, self._target(target, x))
        if kind == "tensor":
            if self._grad_tensor is None:
                self._grad_tensor = Tensor.from_numpy(g)
            self._grad_tensor._a = g
            g = self._grad_tensor
        self.grad_input = g
        return g

    def _target(self, target, x):
        return to_array(target, type(self).__name__, x.dtype, "target")[0]

    def __repr__(self):
        return f"{type(self).__name__}()"

    __str__ = __repr__


def paired_target(t, x, owner):
    """``t`` shaped like ``x``; shapes that differ only by size-1 axes are paired (BigDL
    pairs an ``(N, 1)`` output with an ``(N,)`` target), anything else is a ValueError."""
    return fit_shape(t, x.shape, owner, "target", " (the input's, size-1 axes aside)")


class MSECriterion(Criterion):
    """Mean squared error, ``sum((x - t)**2) / n`` (``n`` = number of elements) when
    ``size_average``, else the plain sum.  Gradient ``2 (x - t) / n``.

    Shapes: ``input`` and ``target`` of the same (any) shape, or shapes that differ only
    by size-1 axes (an ``(N, 1)`` output with ``(N,)`` targets).

    Examples
    --------
    >>> MSECriterion().forward([1.0, 2.0], [1.0, 4.0])
    2.0
    """

    def __init__(self, size_average=True):
        super().__init__()
        self.size_average = check_bool(size_average, "MSECriterion", "size_average")

    def _target(self, target, x):
        return paired_target(super()._target(target, x), x, "MSECriterion")

    def _norm(self, x):
        return x.size if self.size_average else 1

    def update_output(self, x, t):
        if x.size == 0:
            return float("nan") if self.size_average else 0.0
        d = (x - t).astype(np.float64, copy=False)
        return float(np.dot(d.ravel(), d.ravel())) / self._norm(x)

    def update_grad_input(self, x, t):
        g = np.subtract(x, t)
        g *= x.dtype.type(2.0 / max(self._norm(x), 1))
        return g

    def __repr__(self):
        return f"MSECriterion(size_average={self.size_average})"


_LABELS = {np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64)}  # the kernel's
_NO_WEIGHTS = np.empty(0, np.float64)


class ClassNLLCriterion(Criterion):
    """Negative log likelihood of 1-based class labels.

    For a batch ``x`` of shape (N, C) and labels ``t`` in 1..C, with class weights
    ``w`` (default all 1):

    ``loss = -sum_i w[t_i] * x[i, t_i] / (sum_i w[t_i] if size_average else 1)``

    With ``logProbAsInput=False`` the input holds probabilities and ``x[i, t_i]`` is
    replaced by ``log(clip(x[i, t_i], 1e-8, 1 - 1e-8))`` (BigDL).  The gradient is
    nonzero only at the labels: ``-w[t_i] / norm`` (divided by the clipped probability
    in the probability case).

    Parameters
    ----------
    weights : array-like of length C, optional
        Per-class weights.
    size_average : bool
        Average over the (weighted) batch, else sum.
    logProbAsInput : bool
        True: the input is log-probabilities (after ``LogSoftMax``); False: probabilities.

    Shapes: input ``(C,)`` with a single label, or ``(N, C)`` with labels ``(N,)`` or
    ``(N, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> ClassNLLCriterion().forward(np.log([[0.5, 0.5], [0.25, 0.75]]), [1, 2])  # doctest: +ELLIPSIS
    0.4904...
    """

    def __init__(self, weights=None, size_average=True, logProbAsInput=True):
        super().__init__()
        owner = type(self).__name__
        if weights is not None:
            w, _ = to_array(weights, owner, np.float64, "weights")
            if w.ndim != 1 or not np.all(np.isfinite(w)):
                raise ValueError(f"{owner}: expected weights to be a 1D array of finite "
                                 f"numbers, got shape {w.shape}")
            weights = w.copy()
        self.weights = weights
        self.size_average = check_bool(size_average, owner, "size_average")
        self.logProbAsInput = check_bool(logProbAsInput, owner, "logProbAsInput")

    def _target(self, target, x):
        """0-based int indices of shape (N,) for the (N, C) view of ``x``."""
        owner = type(self).__name__
        if x.ndim not in (1, 2):
            raise ValueError(f"{owner}: expected a 1D (C,) or 2D (N, C) input, got shape "
                             f"{x.shape}")
        if isinstance(target, Tensor):
            target = target.numpy()
        if is_number(target):
            target = [target]
        t = np.asarray(target)
        if t.dtype.kind not in "iuf":
            raise TypeError(f"{owner}: expected numeric class labels, got {t.dtype}")
        n = 1 if x.ndim == 1 else x.shape[0]
        if t.ndim == 2 and t.shape[1] == 1:
            t = t[:, 0]
        if t.shape != (n,):
            raise ValueError(f"{owner}: expected {n} labels (shape ({n},) or ({n}, 1)) for "
                             f"input of shape {x.shape}, got shape {np.shape(target)}")
        c = x.shape[-1]
        if self.weights is not None and self.weights.size != c:
            raise ValueError(f"{owner}: expected weights of length {c} (the number of "
                             f"classes), got {self.weights.size}")
        labels = t if t.dtype in _LABELS else t.astype(np.float64)  # exact below 2**53
        idx = np.empty(n, np.intp)
        bad = _k.class_indices(np.ascontiguousarray(labels), c, idx)  # one pass
        if bad >= 0:
            raise ValueError(f"{owner}: expected class labels in 1..{c} (1-based, as in "
                             f"BigDL), got {t[bad].item()!r}")
        return idx

    def _weights(self):
        return _NO_WEIGHTS if self.weights is None else self.weights

    def update_output(self, x, idx):
        return _k.nll_forward(np.ascontiguousarray(x).reshape(-1, x.shape[-1]), idx,
                              self._weights(), self.size_average, self.logProbAsInput)

    def update_grad_input(self, x, idx):
        g = np.empty(x.shape, x.dtype)
        _k.nll_backward(np.ascontiguousarray(x).reshape(-1, x.shape[-1]), idx,
                        self._weights(), self.size_average, self.logProbAsInput,
                        g.reshape(-1, x.shape[-1]))
        return g

    def __repr__(self):
        w = None if self.weights is None else self.weights.tolist()
        return (f"ClassNLLCriterion(weights={w}, size_average={self.size_average}, "
                f"logProbAsInput={self.logProbAsInput})")


class CrossEntropyCriterion(ClassNLLCriterion):
    """``LogSoftMax`` followed by ``ClassNLLCriterion`` on raw scores, in one stable step.

    ``loss = -sum_i w[t_i] * log_softmax(x_i)[t_i] / norm``; gradient
    ``w[t_i] * (softmax(x_i) - onehot(t_i)) / norm``.  Shapes as ClassNLLCriterion.

    Examples
    --------
    >>> CrossEntropyCriterion().forward([[0.0, 0.0]], [2])  # doctest: +ELLIPSIS
    0.6931...
    """

    def __init__(self, weights=None, size_average=True):
        super().__init__(weights, size_average)

    def update_output(self, x, idx):
        return super().update_output(log_softmax(x, np.empty_like(x)), idx)

    def update_grad_input(self, x, idx):
        logp = log_softmax(x, np.empty_like(x))
        g = super().update_grad_input(logp, idx)  # -w/norm at the labels
        p = np.exp(logp, out=logp).reshape(-1, x.shape[-1])
        p *= -g.reshape(p.shape).sum(axis=-1, keepdims=True)
        g += p.reshape(g.shape)
        return g

    def __repr__(self):
        w = None if self.weights is None else self.weights.tolist()
        return f"CrossEntropyCriterion(weights={w}, size_average={self.size_average})"
