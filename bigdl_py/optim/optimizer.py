"""``Optimizer.create(...)``: BigDL's entry point, a ``LocalOptimizer`` (``local.py``) for
arrays or a ``DistriOptimizer`` (``distri.py``) for Spark data.  Also BigDL's
``bigdl.optim.optimizer`` path: ``from bigdl_py.optim.optimizer import *`` brings SGD,
the triggers, the validation methods and the rest (``bigdl_py._bigdl_paths``).

>>> import numpy as np
>>> from bigdl_py.nn import Linear, LogSoftMax, Sequential
>>> from bigdl_py.nn.criterion import ClassNLLCriterion
>>> from bigdl_py.optim import SGD, MaxEpoch, Optimizer
>>> X = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
>>> y = (X[:, 0] > 0) + 1.0                          # BigDL's labels are 1-based
>>> model = Sequential().add(Linear(4, 2)).add(LogSoftMax())
>>> opt = Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxEpoch(3), 16, SGD(0.5))
>>> opt.optimize() is model                           # progress goes to stderr
True
>>> float((model.predict_class(X) == y).mean()) > 0.9
True
"""
from .._bigdl_paths import reexport
from ..utils.spark import is_dataframe, is_rdd
from .distri import DistriOptimizer
from .local import LocalOptimizer


class Optimizer:
    """BigDL's entry point: ``Optimizer.create(model, training_set=(X, y), criterion,
    end_trigger=MaxEpoch(1), batch_size=32, optim_method=SGD())``.

    BigDL 0.x's constructor works too and returns what ``create`` returns:
    ``Optimizer(model=..., training_rdd=..., criterion=..., optim_method=...,
    end_trigger=..., batch_size=...)`` (``training_set=`` is accepted for
    ``training_rdd=``).
    """

    def __new__(cls, model, training_rdd=None, criterion=None, end_trigger=None,
                batch_size=32, optim_method=None, bigdl_type="float", *, training_set=None):
        if (training_rdd is None) == (training_set is None):
            raise TypeError("Optimizer: expected one of training_rdd= or training_set=, got "
                            f"{'both' if training_set is not None else 'neither'}")
        data = training_rdd if training_set is None else training_set
        return cls.create(model, data, criterion, end_trigger, batch_size, optim_method)

    @staticmethod
    def create(model, training_set, criterion, end_trigger=None, batch_size=32,
               optim_method=None, cores=None, bigdl_type="float"):
        """A ``LocalOptimizer`` for ``training_set=(X, y)`` (features along the first
        axis, 1-based labels for classification criteria), a ``DistriOptimizer`` for an
        RDD of Samples or a DataFrame (columns ``features`` and ``label``).  ``cores`` (local mode) is the thread count used while training
        (default: ``bigdl_py.get_num_threads()``); ``bigdl_type`` is BigDL's and changes
        nothing (the model's parameters fix the dtype)."""
        if isinstance(training_set, tuple) and len(training_set) == 2:
            X, y = training_set
            return LocalOptimizer(X, y, model, criterion, end_trigger, batch_size,
                                  optim_method, cores)
        if is_rdd(training_set) or is_dataframe(training_set):
            return DistriOptimizer(model, training_set, criterion, end_trigger, batch_size,
                                   optim_method)
        raise TypeError("Optimizer.create: expected training_set=(X, y) for local training "
                        f"or an RDD of Samples or a DataFrame, got "
                        f"{type(training_set).__name__}")


# also BigDL's bigdl.optim.optimizer path: its other names resolve on first use
__getattr__, __dir__, __all__ = reexport(__name__, "optimizer", ["Optimizer", "LocalOptimizer"])
