"""``module.predict(rdd)`` / ``predict_class(rdd)``: inference on an RDD of Samples (BigDL's
``Predictor``), returning an RDD in the input's partition order.

One broadcast of the model (a copy in evaluation mode, sent once), one Spark stage: each
partition stacks its Samples' features in chunks of ``batch_size``, runs one forward per
chunk and yields one output row per Sample.  Nothing is computed until the result RDD is
used (``collect()``, ``take(n)``, ...), as in BigDL, so the broadcast stays alive for as
long as the result may be recomputed; Spark's cleaner frees it once the result RDD is no
longer referenced.  This module keeps no global state.
"""
import copy
import functools

import numpy as np

__all__ = ["predict_rdd"]


def predict_rdd(model, rdd, batch_size, classes=False):
    """An RDD of output rows (ndarrays), or of 1-based class indices (ints) when
    ``classes``, for the Samples of ``rdd``."""
    snapshot = copy.deepcopy(model).clear_state().evaluate()
    job = rdd.context.broadcast(snapshot)
    return rdd.mapPartitions(functools.partial(_predict_partition, job, batch_size, classes))


def _predict_partition(job_b, batch_size, classes, records):
    from ..utils.sample import Sample
    from .evaluator import _stack_features
    model, chunk = job_b.value, []

    def flush():
        out = np.asarray(model.forward(_stack_features([s.inputs for s in chunk])))
        chunk.clear()
        if classes:
            return [int(c) + 1 for c in np.argmax(out.reshape(len(out), -1), axis=-1)]
        return list(out.copy())

    for i, s in enumerate(records):
        if not isinstance(s, Sample):
            raise TypeError(f"predict: expected an RDD of bigdl_py.utils.Sample, got a "
                            f"{type(s).__name__} (record {i} of a partition)")
        chunk.append(s)
        if len(chunk) == batch_size:
            yield from flush()
    if chunk:
        yield from flush()
