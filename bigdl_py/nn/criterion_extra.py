"""The criteria BigDL's examples use beyond MSE/NLL: ``AbsCriterion``, ``SmoothL1Criterion``,
``BCECriterion`` (elementwise, any shape) and the table criteria ``KLDCriterion`` and
``ParallelCriterion`` -- BigDL 2.4's formulas and ``size_average`` rules.

Examples
--------
>>> AbsCriterion().forward([1.0, 2.0], [1.5, 4.0])
1.25
>>> SmoothL1Criterion().forward([0.0, 0.0], [0.5, 3.0])
1.3125
>>> from bigdl_py.nn.criterion import MSECriterion
>>> p = ParallelCriterion().add(MSECriterion(), 0.5).add(AbsCriterion())
>>> p.forward([[1.0], [2.0]], [[3.0], [1.0]])
3.0
"""
import numpy as np

from .._validate import check_bool, check_number, to_array
from .criterion_base import Criterion, paired_target

__all__ = ["AbsCriterion", "SmoothL1Criterion", "BCECriterion", "KLDCriterion",
           "ParallelCriterion"]


class _Elementwise(Criterion):
    """Criteria of an input and a target of the same shape (or the same shape once size-1
    axes are dropped), averaged over the elements when ``size_average``."""

    def __init__(self, size_average=True):
        super().__init__()
        self.size_average = check_bool(size_average, type(self).__name__, "size_average")

    def _target(self, target, x):
        return paired_target(super()._target(target, x), x, type(self).__name__)

    def _norm(self, x):
        return max(x.size, 1) if self.size_average else 1

    def __repr__(self):
        return f"{type(self).__name__}(size_average={self.size_average})"


class AbsCriterion(_Elementwise):
    """``sum |x - t|`` divided by the element count when ``size_average``.

    Gradient (BigDL's): ``-norm`` where ``t > x``, else ``+norm`` (so ``+norm`` where the
    two are equal).
    """

    def update_output(self, x, t):
        return float(np.abs(x - t, dtype=np.float64).sum()) / self._norm(x)

    def update_grad_input(self, x, t):
        norm = x.dtype.type(1.0 / self._norm(x))
        return np.where(t > x, -norm, norm).astype(x.dtype, copy=False)


class SmoothL1Criterion(_Elementwise):
    """Huber loss with threshold 1: ``0.5 d**2`` where ``|d| < 1``, else ``|d| - 0.5``
    (``d = x - t``), summed and divided by the element count when ``size_average``.
    Gradient ``clip(d, -1, 1) / norm``."""

    def update_output(self, x, t):
        d = np.abs(x - t, dtype=np.float64)
        return float(np.where(d < 1.0, 0.5 * d * d, d - 0.5).sum()) / self._norm(x)

    def update_grad_input(self, x, t):
        g = np.clip(x - t, -1.0, 1.0).astype(x.dtype, copy=False)
        g *= x.dtype.type(1.0 / self._norm(x))
        return g


class BCECriterion(_Elementwise):
    """Binary cross-entropy of probabilities ``x`` and targets ``t`` in [0, 1]:
    ``-sum w * (t log(x + eps) + (1 - t) log(1 - x + eps))`` with ``eps = 1e-12``,
    divided by the element count when ``size_average``.  ``weights`` has the input's shape
    or that of its trailing axes (broadcast).  Gradient, as BigDL:
    ``norm * w * (t - x) / (x**2 - x - eps)``.
    """

    EPS = 1e-12

    def __init__(self, weights=None, size_average=True):
        super().__init__(size_average)
        if weights is not None:
            weights, _ = to_array(weights, "BCECriterion", np.float64, "weights")
            weights = weights.copy()
        self.weights = weights

    def _weights(self, x):
        w = self.weights
        if w is not None and (w.ndim > x.ndim or x.shape[x.ndim - w.ndim:] != w.shape):
            raise ValueError(f"BCECriterion: expected weights of the input's shape {x.shape} "
                             f"or of its trailing axes, got {w.shape}")
        return 1.0 if w is None else w

    def update_output(self, x, t):
        w = self._weights(x)
        x64, t64 = x.astype(np.float64), t.astype(np.float64)
        s = t64 * np.log(x64 + self.EPS) + (1.0 - t64) * np.log(1.0 - x64 + self.EPS)
        return -float((w * s).sum()) / self._norm(x)

    def update_grad_input(self, x, t):
        w = self._weights(x)
        x64 = x.astype(np.float64)
        g = (t - x64) / (x64 * x64 - x64 - self.EPS) * (w / self._norm(x))
        return np.asarray(g, dtype=x.dtype)

    def __repr__(self):
        w = None if self.weights is None else self.weights.tolist()
        return f"BCECriterion(weights={w}, size_average={self.size_average})"


def _table(value, owner, n=None):
    if not isinstance(value, (list, tuple)) or (n is not None and len(value) != n):
        want = "a table (list)" if n is None else f"a table (list) of {n} arrays"
        got = f"{len(value)} entries" if isinstance(value, (list, tuple)) \
            else type(value).__name__
        raise TypeError(f"{owner}: expected {want}, got {got}")
    return list(value)


class KLDCriterion(Criterion):
    """KL divergence of N(mean, exp(log_var)) from N(0, 1), BigDL's VAE loss:
    ``-0.5 * sum(1 + log_var - mean**2 - exp(log_var)) / batch`` (batch = the first axis's
    size when ``size_average``, else 1).  Input: the table ``[mean, log_var]`` (arrays of one
    shape, batch first); the target is ignored.  Gradient ``[mean / batch,
    0.5 * (exp(log_var) - 1) / batch]``.
    """

    def __init__(self, size_average=True):
        super().__init__()
        self.size_average = check_bool(size_average, "KLDCriterion", "size_average")

    def _inputs(self, input):
        mean, log_var = (to_array(v, "KLDCriterion")[0] for v in _table(input, "KLDCriterion",
                                                                          2))
        if mean.shape != log_var.shape or mean.ndim == 0:
            raise ValueError(f"KLDCriterion: expected mean and log_var of one shape with a "
                             f"batch axis, got {mean.shape} and {log_var.shape}")
        batch = mean.shape[0] if self.size_average else 1
        return mean, log_var, max(batch, 1)

    def forward(self, input, target=None):
        mean, lv, batch = self._inputs(input)
        m, v = mean.astype(np.float64), lv.astype(np.float64)
        self.output = float(-0.5 * (1.0 + v - m * m - np.exp(v)).sum() / batch)
        return self.output

    def backward(self, input, target=None):
        mean, lv, batch = self._inputs(input)
        g_mean = mean * mean.dtype.type(1.0 / batch)
        g_lv = ((np.exp(lv.astype(np.float64)) - 1.0) * (0.5 / batch)).astype(lv.dtype)
        self.grad_input = [g_mean, g_lv]
        return self.grad_input

    def __repr__(self):
        return f"KLDCriterion(size_average={self.size_average})"


class ParallelCriterion(Criterion):
    """A weighted sum of criteria, the i-th applied to the i-th entry of the input table
    and of the target table (or to the whole target when ``repeat_target``).
    ``add(criterion, weight=1.0)`` returns self; the gradient is the table of each
    criterion's gradient times its weight."""

    def __init__(self, repeat_target=False):
        super().__init__()
        self.repeat_target = check_bool(repeat_target, "ParallelCriterion", "repeat_target")
        self.criterions, self.weights = [], []

    def add(self, criterion, weight=1.0):
        if not isinstance(criterion, Criterion):
            raise TypeError(f"ParallelCriterion: expected a criterion, got "
                            f"{type(criterion).__name__}")
        weight = check_number(weight, "ParallelCriterion", "weight")
        self.criterions.append(criterion)
        self.weights.append(float(weight))
        return self

    def _pairs(self, input, target):
        n = len(self.criterions)
        inputs = _table(input, "ParallelCriterion", n)
        targets = [target] * n if self.repeat_target else _table(target, "ParallelCriterion",
                                                                   n)
        return zip(self.criterions, self.weights, inputs, targets)

    def forward(self, input, target):
        self.output = float(sum(w * c.forward(x, t) for c, w, x, t in
                                self._pairs(input, target)))
        return self.output

    def backward(self, input, target):
        grads = []
        for c, w, x, t in self._pairs(input, target):
            g = c.backward(x, t)
            grads.append([np.asarray(gi) * w for gi in g] if isinstance(g, list)
                         else np.asarray(g) * np.asarray(g).dtype.type(w))
        self.grad_input = grads
        return grads

    def __repr__(self):
        inner = ", ".join(f"{c!r} * {w}" for c, w in zip(self.criterions, self.weights))
        return f"ParallelCriterion(repeat_target={self.repeat_target})[{inner}]"

