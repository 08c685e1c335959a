"""bigdl_py.optim: optimisation methods, regularizers, triggers, validation methods and the
Optimizer."""
from .._bigdl_names import DOUBLEMAX
from .evaluator import EvaluatedResult
from .optim_method import SGD, Adam, OptimMethod
from .optimizer import LocalOptimizer, Optimizer
from .regularizer import L1L2Regularizer, L1Regularizer, L2Regularizer, Regularizer
from .trigger import (EveryEpoch, MaxEpoch, MaxIteration, MaxScore, MinLoss, SeveralIteration,
                      Trigger, TriggerAnd, TriggerOr)
from .validation import Loss, Top1Accuracy, Top5Accuracy, ValidationMethod

__all__ = ["DOUBLEMAX", "OptimMethod", "SGD", "Adam", "Optimizer", "LocalOptimizer", "EvaluatedResult",
           "Regularizer", "L1L2Regularizer", "L1Regularizer", "L2Regularizer",
           "Trigger", "MaxEpoch", "MaxIteration", "EveryEpoch", "SeveralIteration", "MaxScore",
           "MinLoss", "TriggerAnd", "TriggerOr",
           "ValidationMethod", "Top1Accuracy", "Top5Accuracy", "Loss"]
