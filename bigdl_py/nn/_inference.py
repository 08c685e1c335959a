"""``Module``'s methods on data: ``predict``, ``predict_class`` and ``evaluate(data)``.

Layers come first: ``bigdl_py.nn`` imports nothing from ``bigdl_py.optim``.  What needs
the training package -- ``evaluate(data, ...)`` with validation methods, inference on an
RDD or a DataFrame -- is installed into this module by ``bigdl_py.optim`` when it is
imported (:func:`install`); before that, those calls are a RuntimeError saying so.
Inference on arrays is here and needs nothing else.

>>> import numpy as np
>>> from bigdl_py.nn import SoftMax
>>> SoftMax().predict_class(np.array([[0.1, 0.9], [2.0, 1.0]]))
array([2, 1])
"""
import numpy as np

from .._validate import check_int
from ..utils.spark import is_dataframe, is_rdd
from . import _activity
from ._tree import walk

__all__ = ["Inference", "install", "batches"]

_ENGINE = {}  # "evaluate", "predict": bigdl_py.optim's functions


def install(**functions):
    """Called by ``bigdl_py.optim`` on import: ``evaluate(model, data, *args, **kwargs)``
    and ``predict(model, spark_data, batch_size, classes=...)``."""
    _ENGINE.update(functions)


def engine(name, owner):
    """The installed ``name`` function; RuntimeError when ``bigdl_py.optim`` was never
    imported."""
    try:
        return _ENGINE[name]
    except KeyError:
        raise RuntimeError(f"{owner}: expected bigdl_py.optim to be imported (it provides "
                           f"the validation methods and the Spark jobs), got a call "
                           "before it was") from None


def batches(model, x, batch_size):
    """``x[i:i + batch_size]`` for each batch of the samples ``x`` (an array or ``Rows``):
    views of the caller's arrays, or copies when a module of ``model`` has its in-place
    flag on -- an in-place layer first, or behind pass-through modules, would otherwise
    overwrite the caller's samples."""
    copy = any(m._INPLACE is not None and getattr(m, m._INPLACE, False)
               for m in walk(model))
    for i in range(0, len(x), batch_size):
        batch = x[i:i + batch_size]
        yield _activity.map_leaves(np.array, batch) if copy else batch


class Inference:
    """Mixin of ``Module``: inference on arrays and Spark data, evaluation on data."""

    def _evaluate_data(self, *args, **kwargs):
        """``evaluate(X, y, ...)`` / ``evaluate(rdd, ...)``: see ``Module.evaluate``."""
        return engine("evaluate", f"{type(self).__name__}.evaluate")(self, *args, **kwargs)

    def predict(self, X, batch_size=32):
        """Outputs for the samples ``X`` (first axis; a list of arrays for a graph with
        several inputs), computed in evaluation mode in batches of ``batch_size``; the
        mode is restored afterwards.  Returns an ndarray (a list for table outputs).

        ``X`` may be an RDD of Samples (the ``[spark]`` extra): the result is then an RDD
        of output rows in the input's order; a Spark
        DataFrame gives the DataFrame with a ``prediction`` column computed from its
        ``features`` column (``bigdl_py.optim._spark_infer``, the model broadcast once).
        BigDL's ``batch_size=-1`` (or None) means the default."""
        owner = type(self).__name__
        if batch_size is None or (isinstance(batch_size, int) and batch_size == -1):
            batch_size = 32
        if is_rdd(X) or is_dataframe(X):
            return self._predict_spark(X, batch_size, classes=False)
        x = _activity.batchable(X, owner, "X")
        batch_size = check_int(batch_size, f"{owner}.predict", "batch_size", 1)
        if getattr(x, "ndim", 1) == 0:
            raise ValueError(f"{owner}.predict: expected samples along the first axis, got a "
                             "scalar")
        was_training = self._training
        self.evaluate()
        try:
            outs = [_activity.map_leaves(np.asarray, self.forward(batch))
                    for batch in batches(self, x, batch_size)]
        finally:
            if was_training:
                self.training()
        if not outs:  # no samples: the shape of an output is unknown
            return np.empty((0,), dtype=x.dtype if x.dtype is not None else np.float32)
        return _activity.concat(outs)

    def predict_local(self, X, batch_size=-1):
        """BigDL's name for ``predict`` on arrays in this process."""
        return self.predict(X, batch_size)

    def predict_class(self, X, batch_size=32):
        """1-based class indices (BigDL's labels): ``argmax(predict(X), axis=-1) + 1``; an
        RDD of ints for an RDD of Samples, a DataFrame with a ``prediction`` column (the
        class as a double) for a DataFrame."""
        if is_rdd(X) or is_dataframe(X):
            return self._predict_spark(X, batch_size, classes=True)
        out = self.predict(X, batch_size)
        if out.ndim == 1 and out.size == 0:
            return np.empty((0,), dtype=np.int64)
        return np.argmax(out, axis=-1).astype(np.int64) + 1

    def _predict_spark(self, data, batch_size, classes):
        """An RDD (of output rows, or 1-based classes) or a DataFrame with a prediction
        column, through the one distributed inference function."""
        batch_size = 32 if batch_size is None or batch_size == -1 else batch_size
        owner = f"{type(self).__name__}.predict"
        return engine("predict", owner)(self, data, check_int(batch_size, owner, "batch_size", 1),
                                        classes=classes)
