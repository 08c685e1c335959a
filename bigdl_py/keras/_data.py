"""Targets for the Keras-style models: Keras' labels (0-based classes on BigDL 2.x's
paths, 1-based on 0.x's; one-hot rows) turned into what ``bigdl_py.nn``'s criteria take
(1-based class labels), for arrays and for RDDs of Samples."""
import functools

import numpy as np

from ..utils.sample import Sample
from ..utils.spark import is_rdd

__all__ = ["targets", "training_data"]


def targets(y, kind, base, owner):
    """The criterion's targets for Keras targets ``y`` of ``kind`` ("raw", "onehot",
    "sparse" with labels counted from ``base``); ValueError for targets that do not fit."""
    y = np.asarray(y)
    if kind == "raw":
        return y
    if kind == "onehot":
        if y.ndim != 2 or not np.all((y == 0) | (y == 1)) or not np.all(y.sum(axis=1) == 1):
            raise ValueError(f"{owner}: expected one-hot targets of shape (N, classes) for "
                             f"categorical_crossentropy, got shape {y.shape}")
        return (np.argmax(y, axis=1) + 1).astype(np.float32)
    y = y.reshape(len(y), -1) if y.ndim > 1 else y
    if y.ndim != 1 and y.shape[1] != 1 or y.dtype.kind not in "iuf" or \
            not np.all(y == np.round(y)) or (y.size and y.min() < base):
        raise ValueError(f"{owner}: expected integer class labels >= {base} for "
                         f"sparse_categorical_crossentropy, got {y.dtype} {y.shape}"
                         f"{' min ' + str(y.min()) if y.size else ''}")
    return (y.reshape(-1) + (1 - base)).astype(np.float32)


def _relabel(kind, base, sample):
    """``sample`` with its label as ``targets`` makes it (runs on the Spark workers)."""
    label = targets(np.asarray(sample.label)[None], kind, base, "fit")[0]
    return Sample(sample.features if isinstance(sample.inputs, list) else sample.inputs,
                  label)


def training_data(x, y, kind, base, owner, distributed):
    """``(x, targets)`` arrays for local training, or an RDD of Samples with the
    criterion's labels: ``x`` an RDD of Samples (``y`` None), or arrays with
    ``distributed=True`` (made into Samples on the active or a new SparkContext, as
    BigDL's ``to_sample_rdd``)."""
    if is_rdd(x):
        if y is not None:
            raise ValueError(f"{owner}: expected y=None with an RDD of Samples (the labels "
                             f"are in the Samples), got {type(y).__name__}")
        return x if kind == "raw" else x.map(functools.partial(_relabel, kind, base))
    if y is None:
        raise ValueError(f"{owner}: expected targets y with array input, got None")
    t = targets(y, kind, base, owner)
    several = isinstance(x, (list, tuple))  # one array per graph input
    n = len(x[0]) if several else len(x)
    if len(t) != n:
        raise ValueError(f"{owner}: expected as many targets as samples, got {len(t)} "
                         f"targets for {n} samples")
    if not distributed:
        return x, t
    from ..utils.nncontext import to_sample_rdd
    return to_sample_rdd(list(zip(*x)) if several else np.asarray(x), t)
