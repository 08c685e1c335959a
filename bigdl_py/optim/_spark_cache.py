"""The driver's side of caching a training or validation set on Spark (SPEC §8).

``cache(rdd, parts, what)`` runs two Spark jobs: the first stacks every input partition
and returns a summary (records, shapes, the first record) that the driver checks; the
second deals the records round-robin by their global index into ``parts`` partitions
(one shuffle: every partition gets ``N // parts`` or one more records, whatever the input's
partitioning, empty or skewed partitions included) and spills each to memory-mapped files
(see ``_spark_data``).  ``parts`` is the library's decision: ``task_slots(sc)``.
"""
import functools
import os
import sys
import uuid

import numpy as np

from ..utils.spark import is_dataframe, is_rdd
from . import _spark_data as data

__all__ = ["cache", "task_slots", "spark_errors", "release", "context_of", "model_dtype"]


def task_slots(sc):
    """How many tasks the cluster runs at once: ``defaultParallelism`` (its cores) divided
    by ``spark.task.cpus`` (each task's threads).  The training set is rebalanced into this
    many partitions."""
    return max(1, sc.defaultParallelism // task_cpus(sc))


def task_cpus(sc):
    """``spark.task.cpus`` (default 1): the OpenMP threads each task uses on a worker."""
    return max(1, int(sc.getConf().get("spark.task.cpus", "1")))


def check_python_workers(sc):
    """When ``PYSPARK_PYTHON`` is unset, make the context's Python workers run this
    interpreter (SPEC §8), once per context: a context the user built before importing
    bigdl_py would otherwise start plain ``python3`` workers that cannot import it."""
    if os.environ.get("PYSPARK_PYTHON") is None:
        os.environ["PYSPARK_PYTHON"] = sys.executable
        sc.pythonExec = sys.executable


class spark_errors:
    """Context manager: a failed Spark job becomes a RuntimeError saying what was being
    done (``what``) and the worker's Python error, instead of a raw Py4JJavaError; a
    worker that cannot import bigdl_py gets its own explanation."""

    def __init__(self, owner, what):
        self.owner, self.what = owner, what

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or not _is_spark_error(exc):
            return False
        text = str(exc)
        if "No module named 'bigdl_py'" in text:
            raise ImportError(
                f"{self.owner}: Spark's Python workers cannot import bigdl_py while "
                f"{self.what}: install bigdl_py where the workers run, or point "
                f"PYSPARK_PYTHON (now {os.environ.get('PYSPARK_PYTHON')!r}) at an interpreter "
                f"that has it") from exc
        raise JobFailed(f"{self.owner}: {self.what} failed on Spark: {summary(text)}") from exc


class JobFailed(RuntimeError):
    """A Spark job of the distributed optimizer failed (task errors, lost executors)."""


def _is_spark_error(exc):
    mod = type(exc).__module__
    return mod.startswith("py4j") or mod.startswith("pyspark")


def summary(text):
    """The most telling line of a Spark failure: the worker's Python exception if any."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        head = ln.split(":", 1)[0]
        if head.endswith(("Error", "Exception")) and not head.startswith(("org.", "java.",
                                                                          "py4j")):
            return ln[:500]
    return (lines[0] if lines else text)[:500]


def cache(rdd, parts, what, owner="DistriOptimizer"):
    """(persisted RDD of ``Block`` in ``parts`` partitions, info) after checking every
    record; info has ``n``, ``features``/``label`` ((shape, dtype str)), ``first``
    ((X, y) of one record) and ``layout`` (``_spark_data.pack``'s, for several feature
    arrays per record).  A ValueError (nothing left cached) when the records cannot
    be a training set."""
    from pyspark import StorageLevel
    level = StorageLevel.MEMORY_AND_DISK
    stacks = rdd.mapPartitionsWithIndex(data.stack_partition)
    stacks.persist(level)
    try:
        with spark_errors(owner, f"reading the {what}"):
            summaries = stacks.map(data.stack_summary).collect()
        info = _check(summaries, what, owner)
        offsets = np.cumsum([0] + [s["n"] for s in summaries[:-1]]).tolist()
        blocks = (stacks.mapPartitionsWithIndex(functools.partial(data.deal_rows, offsets,
                                                                  parts))
                  .partitionBy(parts, data.target_partition)
                  .mapPartitionsWithIndex(functools.partial(data.spill_partition,
                                                            uuid.uuid4().hex)))
        blocks.persist(level)
        with spark_errors(owner, f"caching the {what}"):
            info["blocks"] = blocks.collect()  # the small descriptors
        return blocks, info
    finally:
        stacks.unpersist()


def _check(summaries, what, owner):
    errors = [s["error"] for s in summaries if s["error"] is not None]
    full = [s for s in summaries if s["error"] is None and s["n"]]
    if not errors and not full:
        errors.append("no records")
    if not errors:
        ref = full[0]
        for s in full[1:]:
            if (s["features"][0], s["label"][0], s["layout"]) != (
                    ref["features"][0], ref["label"][0], ref["layout"]):
                errors.append(f"partition {s['index']} has features {s['features'][0]} and "
                              f"labels {s['label'][0]}, but partition {ref['index']} has "
                              f"features {ref['features'][0]} and labels {ref['label'][0]}")
    if errors:
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise ValueError(f"{owner}: expected bigdl_py.utils.Sample records with features "
                         f"and labels of one shape as the {what}, got: {errors[0]}{more}")
    return {"n": sum(s["n"] for s in full), "features": full[0]["features"],
            "label": full[0]["label"], "first": full[0]["first"], "layout": full[0]["layout"]}


def release(blocks, descriptors):
    """Unpersist a cached set and delete its files where the driver can reach them (the
    rest go with Spark's local directories when the application stops)."""
    for b in descriptors:
        data.remove_block(b)
    try:
        blocks.unpersist()
    except Exception:  # a stopped context: nothing left to free
        pass


def context_of(data, owner, what):
    """The SparkContext of an RDD or DataFrame (TypeError for anything else)."""
    if is_rdd(data):
        return data.context
    if is_dataframe(data):
        return data.sparkSession.sparkContext
    raise TypeError(f"{owner}: expected an RDD of Samples or a Spark DataFrame as {what}, "
                    f"got {type(data).__name__}")


def model_dtype(model):
    """The parameters' dtype (float32 when there are none or they differ)."""
    dtypes = {w.dtype for w, _ in model._param_pairs()}
    return dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float32)
