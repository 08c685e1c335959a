"""``module.evaluate(data, ...)``: test a model on arrays or on an RDD of Samples (BigDL's
``Evaluator.test``), returning one ``EvaluatedResult`` per validation method.

BigDL leaves the model in evaluation mode afterwards; here the mode is restored.  The RDD
form runs one Spark job: each partition scores its Samples in evaluation mode in chunks of
``batch_size`` and the driver adds the partial results (``treeAggregate``).
"""
import copy
import functools

import numpy as np

from .._validate import to_array
from ..nn._activity import Rows
from ..utils.sample import Sample
from ..utils.spark import is_dataframe, is_rdd
from . import _spark_infer
from ._scoring import EvaluatedResult, batch_size as _batch, score_batches
from ._scoring import val_methods as _methods, wrap as _wrap
from .local import _dataset

__all__ = ["EvaluatedResult", "evaluate"]


def evaluate(model, data, *args, **kwargs):
    """Test ``model``: ``evaluate(model, X, y, batch_size=32, val_methods=None)`` or
    ``evaluate(model, rdd, batch_size=32, val_methods=None)``; ``val_methods`` defaults to
    ``[Top1Accuracy()]``.  Returns ``[EvaluatedResult(value, count, name), ...]`` and
    restores the model's mode.

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.nn import Identity
    >>> from bigdl_py.optim import Top1Accuracy
    >>> X, y = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([2, 1, 1])
    >>> Identity().evaluate(X, y, 2, [Top1Accuracy()])
    [Evaluated result: 0.6666666666666666, total_num: 3, method: Top1Accuracy]
    """
    owner = f"{type(model).__name__}.evaluate"
    if is_dataframe(data):
        return _spark_infer.evaluate(model, data, *args, **kwargs)
    if is_rdd(data):
        return _evaluate_rdd(model, data, *args, **kwargs)
    return _evaluate_arrays(model, data, *args, owner=owner, **kwargs)


def _evaluate_arrays(model, X, y, batch_size=32, val_methods=None, *, owner):
    methods, batch_size = _methods(val_methods, owner), _batch(batch_size, owner)
    X, y = _dataset(X, y, owner, "test")
    dtypes = {w.dtype for w, _ in model._param_pairs()}
    if len(dtypes) == 1:
        dtype = dtypes.pop()
        X = X.astype(dtype) if isinstance(X, Rows) else to_array(X, owner, dtype, "X")[0]
    was_training = model.is_training()
    model.evaluate()
    try:
        results = score_batches(model, X, y, batch_size, methods)
    finally:
        if was_training:
            model.training()
    return _wrap(results, methods)


def _evaluate_rdd(model, rdd, batch_size=32, val_methods=None):
    owner = f"{type(model).__name__}.evaluate"
    methods, batch_size = _methods(val_methods, owner), _batch(batch_size, owner)
    sc = rdd.context
    job = sc.broadcast((copy.deepcopy(model).clear_state(), methods))
    try:
        fn = functools.partial(evaluate_partition, job, batch_size)
        results = rdd.mapPartitions(fn).treeAggregate(None, _add, _add)
    finally:
        job.destroy()
    if results is None:
        raise ValueError(f"{owner}: expected an RDD with at least one Sample, got an empty "
                         "RDD")
    return _wrap(results, methods)


def _add(a, b):
    """treeAggregate's seqOp/combOp: per-method sums (None is the empty sum)."""
    if a is None or b is None:
        return b if a is None else a
    return [x + y for x, y in zip(a, b)]


def _stack_features(features):
    """Samples' features stacked: one array, or ``Rows`` of one array per graph input."""
    if isinstance(features[0], list):
        return Rows([np.stack([f[k] for f in features]) for k in range(len(features[0]))])
    return np.stack(features)


def evaluate_partition(job_b, batch_size, records):
    """mapPartitions: this partition's Samples in chunks of ``batch_size`` in evaluation
    mode -> [summed result per method] (nothing for an empty partition)."""
    model, methods = job_b.value
    model.evaluate()
    results, chunk = None, []

    def flush():
        X = _stack_features([s.inputs for s in chunk])
        y = np.stack([s.label for s in chunk])
        r = score_batches(model, X, y, len(chunk), methods)
        chunk.clear()
        return r if results is None else [a + b for a, b in zip(results, r)]

    for i, s in enumerate(records):
        if not isinstance(s, Sample):
            raise TypeError(f"evaluate: expected an RDD of bigdl_py.utils.Sample, got a "
                            f"{type(s).__name__} (record {i} of a partition)")
        chunk.append(s)
        if len(chunk) == batch_size:
            results = flush()
    if chunk:
        results = flush()
    if results is not None:
        yield results
