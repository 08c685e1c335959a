"""bigdl_py.nn: BigDL's layers (also importable as ``bigdl_py.nn.layer``)."""
from .activation import Identity, LogSoftMax, ReLU, Sigmoid, SoftMax, Tanh
from .module import Module

__all__ = ["Module", "ReLU", "Tanh", "Sigmoid", "SoftMax", "LogSoftMax", "Identity"]
