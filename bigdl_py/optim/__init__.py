"""bigdl_py.optim: regularizers (optimisation methods and the Optimizer come later)."""
from .regularizer import L1L2Regularizer, L1Regularizer, L2Regularizer, Regularizer

__all__ = ["Regularizer", "L1L2Regularizer", "L1Regularizer", "L2Regularizer"]
