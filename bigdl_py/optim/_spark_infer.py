"""Distributed inference on Spark (SPEC §8): ``predict`` and ``evaluate`` on an RDD or a
DataFrame, the model broadcast once, one Spark job.

- ``predict(model, rdd)``: an RDD of per-record outputs (``classes=True``: 1-based class
  indices), computed per partition in batches of ``batch_size`` records in evaluation
  mode.  The records are Samples (their features are used), ndarrays, or ``Chunk`` s.
- ``predict(model, df)``: ``df`` with a ``prediction_col`` added (arrays of the model's
  float type; ``classes=True``: the 1-based class as a double, as BigDL's
  ``NNClassifierModel``), computed by an Arrow UDF on Arrow batches.
- ``evaluate(model, rdd_or_df, batch_size, methods)``: ``[EvaluatedResult, ...]``, the
  partial sums added on the way back (``treeAggregate``).

Each task runs with ``spark.task.cpus`` threads.  This is the one function the
``Module.predict``/``evaluate`` RDD and DataFrame forms and NNFrames call.
"""
import copy
import functools
import warnings

import numpy as np

from ..utils.sample import Sample
from ..utils.spark import is_dataframe, is_rdd
from . import _spark_tasks as tasks
from ._scoring import batch_size as _batch, val_methods as _methods, wrap as _wrap
from ._spark_cache import check_python_workers, model_dtype, spark_errors, task_cpus
from ._spark_data import Chunk
from ._spark_frames import array_column, arrow_matrix, dataframe_chunks

__all__ = ["predict", "evaluate"]


def _job(model, sc, feature_shape):
    check_python_workers(sc)
    return sc.broadcast({"model": copy.deepcopy(model).clear_state(),
                         "threads": task_cpus(sc), "shape": feature_shape})


def _features(job, X):
    shape = job["shape"]
    return X if shape is None else X.reshape((len(X),) + tuple(shape))


def _forward(job, X, batch_size):
    """Evaluation-mode outputs of ``X`` in batches, with the task's threads."""
    model = job["model"]
    with tasks.task_threads(job):
        model.evaluate()
        X = _features(job, X)
        outs = [np.asarray(model.forward(X[i:i + batch_size]))
                for i in range(0, len(X), batch_size)]
    return np.concatenate(outs) if outs else np.empty((0,))


def batches(records, batch_size, labels):
    """Stack an RDD partition's records (Samples, ndarrays or Chunks) into (X, y)
    batches of about ``batch_size`` records (y is None without ``labels``)."""
    feats, ys, n = [], [], 0
    for i, r in enumerate(records):
        if isinstance(r, Chunk):
            x, t = r.X, r.y
        elif isinstance(r, Sample):
            x, t = r.inputs[None], r.label[None]
        elif isinstance(r, np.ndarray) and not labels:
            x, t = r[None], None
        else:
            want = "bigdl_py.utils.Sample" + ("" if labels else " or numpy.ndarray")
            raise TypeError(f"bigdl_py: expected an RDD of {want}, got a "
                            f"{type(r).__name__} (record {i} of a partition)")
        feats.append(x)
        ys.append(t)
        n += len(x)
        if n >= batch_size:
            yield np.concatenate(feats), np.concatenate(ys) if labels else None
            feats, ys, n = [], [], 0
    if feats:
        yield np.concatenate(feats), np.concatenate(ys) if labels else None


def predict_partition(job_b, batch_size, classes, records):
    """mapPartitions: per-record outputs (or 1-based classes) of the partition."""
    job = job_b.value
    for X, _ in batches(records, batch_size, False):
        out = _forward(job, X, batch_size)
        if classes:
            yield from (int(c) for c in np.argmax(out.reshape(len(out), -1), axis=1) + 1)
        else:
            yield from out


def score_partition(job_b, batch_size, methods, records):
    """mapPartitions: [summed result per method] over the partition (nothing if empty)."""
    job = job_b.value
    results = None
    for X, y in batches(records, batch_size, True):
        out = _forward(job, X, batch_size)
        for i in range(0, len(X), batch_size):
            r = tuple(m(out[i:i + batch_size], y[i:i + batch_size]) for m in methods)
            results = tasks.add_results(results, r)
    if results is not None:
        yield results


def predict_arrow(job_b, batch_size, classes, dtype, column):
    """Arrow UDF: a batch of feature arrays -> the batch's predictions."""
    import pyarrow as pa
    out = _forward(job_b.value, arrow_matrix(column, dtype), batch_size)
    if classes:
        return pa.array(np.argmax(out.reshape(len(out), -1), axis=1) + 1.0, pa.float64())
    flat = out.reshape(len(out), -1)
    values = pa.array(flat.reshape(-1))
    offsets = pa.array(np.arange(0, flat.size + 1, max(flat.shape[1], 1), dtype=np.int32)
                       if len(flat) else np.zeros(1, np.int32))
    return pa.ListArray.from_arrays(offsets, values)


def predict(model, data, batch_size=32, *, classes=False, features_col="features",
            prediction_col="prediction", feature_shape=None):
    """Outputs of ``model`` for an RDD (an RDD back) or a DataFrame (the DataFrame with
    ``prediction_col`` added); see the module docstring."""
    owner = f"{type(model).__name__}.predict"
    if is_rdd(data):
        job_b = _job(model, data.context, feature_shape)
        return data.mapPartitions(functools.partial(predict_partition, job_b, batch_size,
                                                    classes))
    if not is_dataframe(data):
        raise TypeError(f"{owner}: expected an RDD or a DataFrame, got {type(data).__name__}")
    from pyspark.sql.functions import ArrowUDFType, arrow_udf
    from pyspark.sql.types import ArrayType, DoubleType, FloatType
    dtype = model_dtype(model)
    column = array_column(data, features_col, dtype, owner)
    job_b = _job(model, data.sparkSession.sparkContext, feature_shape)
    kind = DoubleType() if classes else ArrayType(
        FloatType() if dtype == np.float32 else DoubleType(), False)
    fn = functools.partial(predict_arrow, job_b, batch_size, classes, np.dtype(dtype).str)
    with warnings.catch_warnings():  # "prefer type hints": a partial has none
        warnings.simplefilter("ignore", UserWarning)
        udf = arrow_udf(fn, kind, ArrowUDFType.SCALAR)
    return data.withColumn(prediction_col, udf(column))


def evaluate(model, data, batch_size=32, val_methods=None, *, features_col="features",
             label_col="label", feature_shape=None):
    """``[EvaluatedResult, ...]`` of ``model`` on an RDD of Samples or a DataFrame, one
    Spark job; the model's mode is untouched (tasks use a copy)."""
    owner = f"{type(model).__name__}.evaluate"
    methods, batch_size = _methods(val_methods, owner), _batch(batch_size, owner)
    if is_dataframe(data):
        sc = data.sparkSession.sparkContext
        data = dataframe_chunks(data, features_col, label_col, model_dtype(model), owner,
                                feature_shape)
        feature_shape = None  # the chunks have it
    else:
        sc = data.context
    job_b = _job(model, sc, feature_shape)
    try:
        with spark_errors(owner, "evaluating"):
            results = data.mapPartitions(functools.partial(
                score_partition, job_b, batch_size, methods)).treeAggregate(
                None, tasks.add_results, tasks.add_results)
    finally:
        job_b.destroy()
    if results is None:
        raise ValueError(f"{owner}: expected at least one record, got none")
    return _wrap(results, methods)
