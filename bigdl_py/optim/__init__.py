"""bigdl_py.optim: optimisation methods, regularizers, triggers, validation methods and the
Optimizer."""
from .._bigdl_names import DOUBLEMAX
from .optim_method import OptimMethod  # first: it imports its subclasses at its end
from .evaluator import EvaluatedResult  # noqa: I001
from .methods import Adadelta, Adagrad, Adam, Adamax, RMSprop
from .plateau import Plateau
from .schedule import (Default, Exponential, LearningRateSchedule, MultiStep, NaturalExp, Poly,
                       SequentialSchedule, Step, Warmup)
from .sgd import SGD
from .summary import TrainSummary, ValidationSummary
from .optimizer import LocalOptimizer, Optimizer
from .regularizer import L1L2Regularizer, L1Regularizer, L2Regularizer, Regularizer
from .trigger import (EveryEpoch, MaxEpoch, MaxIteration, MaxScore, MinLoss, SeveralIteration,
                      Trigger, TriggerAnd, TriggerOr)
from .validation import Loss, Top1Accuracy, Top5Accuracy, ValidationMethod

__all__ = ["DOUBLEMAX", "OptimMethod", "SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "LearningRateSchedule", "Default", "Poly", "Step", "MultiStep", "Exponential",
           "NaturalExp", "Warmup", "Plateau", "SequentialSchedule",
           "TrainSummary", "ValidationSummary",
           "Optimizer", "LocalOptimizer", "EvaluatedResult",
           "Regularizer", "L1L2Regularizer", "L1Regularizer", "L2Regularizer",
           "Trigger", "MaxEpoch", "MaxIteration", "EveryEpoch", "SeveralIteration", "MaxScore",
           "MinLoss", "TriggerAnd", "TriggerOr",
           "ValidationMethod", "Top1Accuracy", "Top5Accuracy", "Loss"]
