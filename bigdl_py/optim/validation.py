"""Validation methods: ``Top1Accuracy``, ``Top5Accuracy``, ``Loss`` (BigDL's).

A method is called on one batch, ``method(output, target)``, and returns a result;
results add up over batches (``a + b``) and ``result()`` gives ``(value, count)``.
Labels are BigDL's, 1-based.

>>> import numpy as np
>>> from bigdl_py.optim import Top1Accuracy
>>> out = np.log([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
>>> Top1Accuracy()(out, np.array([1.0, 2.0, 2.0])).result()
(0.6666666666666666, 3)
"""
import numpy as np

from .._validate import to_array
from ..nn.criterion import ClassNLLCriterion, Criterion

__all__ = ["ValidationMethod", "ValidationResult", "AccuracyResult", "LossResult",
           "Top1Accuracy", "Top5Accuracy", "Loss"]


class ValidationResult:
    """``total`` summed over ``count`` samples; ``value = total / count``."""

    def __init__(self, total, count):
        self.total, self.count = float(total), int(count)

    def __add__(self, other):
        return type(self)(self.total + other.total, self.count + other.count)

    @property
    def value(self):
        return self.total / self.count if self.count else float("nan")

    def result(self):
        return self.value, self.count


class AccuracyResult(ValidationResult):
    def __str__(self):
        return (f"Accuracy(correct: {int(self.total)}, count: {self.count}, accuracy: "
                f"{self.value})")


class LossResult(ValidationResult):
    def __str__(self):
        return f"(Loss: {self.total}, count: {self.count}, Average Loss: {self.value})"


class ValidationMethod:
    def __call__(self, output, target):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"

    __str__ = __repr__


def _scores_and_labels(output, target, owner):
    out, _ = to_array(output, owner, None, "output")
    out = out.reshape(1, -1) if out.ndim == 1 else out
    if out.ndim != 2:
        raise ValueError(f"{owner}: expected output of shape (N, C) or (C,), got "
                         f"{np.shape(output)}")
    t = np.asarray(target.numpy() if hasattr(target, "numpy") else target).reshape(-1)
    if t.size != out.shape[0]:
        raise ValueError(f"{owner}: expected {out.shape[0]} labels, got {t.size}")
    return out, t


class _TopK(ValidationMethod):
    k = 1

    def __call__(self, output, target):
        out, t = _scores_and_labels(output, target, type(self).__name__)
        if self.k == 1:
            hit = np.argmax(out, axis=1) + 1 == t
        else:
            k = min(self.k, out.shape[1])
            top = np.argpartition(-out, k - 1, axis=1)[:, :k] + 1
            hit = (top == t[:, None]).any(axis=1)
        return AccuracyResult(np.count_nonzero(hit), t.size)


class Top1Accuracy(_TopK):
    """Fraction of samples whose highest score is at the (1-based) label."""

    k = 1


class Top5Accuracy(_TopK):
    """Fraction of samples whose label is among the 5 highest scores."""

    k = 5


class Loss(ValidationMethod):
    """Mean of ``criterion`` over the validation samples (batch losses weighted by batch
    size); the default criterion is ``ClassNLLCriterion()``."""

    def __init__(self, criterion=None):
        if criterion is None:
            criterion = ClassNLLCriterion()
        if not isinstance(criterion, Criterion):
            raise TypeError(f"Loss: expected a criterion, got {type(criterion).__name__}")
        self.criterion = criterion

    def __call__(self, output, target):
        n = len(np.asarray(output)) if np.ndim(output) > 1 else 1
        loss = self.criterion.forward(output, target)
        averaged = getattr(self.criterion, "size_average", True)
        return LossResult(loss * n if averaged else loss, n)

    def __repr__(self):
        return f"Loss({self.criterion!r})"
