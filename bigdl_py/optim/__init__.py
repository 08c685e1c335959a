"""bigdl_py.optim: optimisation methods, regularizers, triggers, validation methods and the
Optimizer."""
from .._bigdl_names import DOUBLEMAX
from ..nn import _inference
from . import _spark_infer, evaluator
from .evaluator import EvaluatedResult
from .optim_method import OptimMethod
from .methods import Adadelta, Adagrad, Adam, Adamax, RMSprop
from .plateau import Plateau
from .schedule import (Default, Exponential, LearningRateSchedule, MultiStep, NaturalExp, Poly,
                       SequentialSchedule, Step, Warmup)
from .sgd import SGD
from .summary import TrainSummary, ValidationSummary
from .local import LocalOptimizer
from .optimizer import Optimizer
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

# what Module.evaluate(data) and Module.predict(rdd or DataFrame) call (nn does not import
# optim: see bigdl_py.nn._inference)
_inference.install(evaluate=evaluator.evaluate, predict=_spark_infer.predict)
