"""bigdl_py.nnframes: BigDL's NNFrames on Spark ML (``[spark]`` extra).

``NNEstimator(model, criterion)`` / ``NNClassifier(model, criterion)`` are
``pyspark.ml`` Estimators whose ``fit(df)`` trains ``model`` with the distributed optimizer
on the DataFrame's features and label columns and returns an ``NNModel`` /
``NNClassifierModel``, a Transformer whose ``transform(df)`` adds the prediction column.
They sit in a ``pyspark.ml.Pipeline`` and save and load with it (the model in bigdl_py's
own file format, no pickle).
"""
import importlib

try:
    importlib.import_module("pyspark.ml")
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("bigdl_py.nnframes needs pyspark: install the [spark] extra "
                      "(pip install 'bigdl_py[spark]')") from e

from .nn_estimator import NNClassifier, NNClassifierModel, NNEstimator, NNModel

__all__ = ["NNEstimator", "NNModel", "NNClassifier", "NNClassifierModel"]
