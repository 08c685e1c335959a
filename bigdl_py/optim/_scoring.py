"""What evaluation returns and the pieces every evaluation path shares (local arrays,
RDD partitions, Spark DataFrames): ``EvaluatedResult``, the validation-method list with
BigDL's default, the batch size rule, and the summed per-batch scores.

>>> import numpy as np
>>> from bigdl_py.nn import Identity
>>> X, y = np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([2, 2])
>>> methods = val_methods(None, "evaluate")
>>> wrap(score_batches(Identity(), X, y, 1, methods), methods)
[Evaluated result: 0.5, total_num: 2, method: Top1Accuracy]
"""
from .._validate import check_int
from ..nn._inference import batches
from .validation import Top1Accuracy, ValidationMethod

__all__ = ["EvaluatedResult", "method_name", "val_methods", "batch_size", "score_batches",
           "wrap"]


class EvaluatedResult:
    """One validation method's result: ``result`` (the value, e.g. the accuracy),
    ``total_num`` (records scored) and ``method`` (its name, e.g. ``"Top1Accuracy"``)."""

    def __init__(self, result, total_num, method):
        self.result, self.total_num, self.method = result, total_num, method

    def __str__(self):
        return (f"Evaluated result: {self.result}, total_num: {self.total_num}, "
                f"method: {self.method}")

    __repr__ = __str__


def method_name(method):
    """BigDL's ``toString`` of a validation method (also the summary tag)."""
    return type(method).__name__


def val_methods(methods, owner):
    """The list of validation methods (``[Top1Accuracy()]`` for None, as BigDL)."""
    given, methods = methods, [Top1Accuracy()] if methods is None else methods
    if isinstance(methods, ValidationMethod):
        methods = [methods]
    if not isinstance(methods, (list, tuple)) or \
            not all(isinstance(m, ValidationMethod) for m in methods):
        raise TypeError(f"{owner}: expected a list of validation methods, got {given!r:.80}")
    if not methods:
        raise ValueError(f"{owner}: expected a non-empty list of validation methods, got "
                         f"{given!r}")
    return list(methods)


def batch_size(value, owner):
    """``value`` as an int >= 1 (TypeError for another type, ValueError below 1)."""
    return check_int(value, owner, "batch_size", 1)


def score_batches(model, X, y, batch_size, methods):
    """Summed result per method over ``X, y`` in chunks of ``batch_size`` (the model's
    mode is the caller's business)."""
    results = None
    for i, batch in zip(range(0, len(X), batch_size), batches(model, X, batch_size)):
        out = model.forward(batch)
        r = [m(out, y[i:i + batch_size]) for m in methods]
        results = r if results is None else [a + b for a, b in zip(results, r)]
    return results


def wrap(results, methods):
    """``[EvaluatedResult, ...]`` of the summed results of ``methods``."""
    return [EvaluatedResult(r.value, r.count, method_name(m)) for r, m in zip(results, methods)]
