"""bigdl_py.nn: BigDL's layers (also importable as ``bigdl_py.nn.layer``)."""
from .activation import Identity, LogSoftMax, ReLU, Sigmoid, SoftMax, Tanh
from .container import Container, Sequential
from .module import Module
from .persist import Model

__all__ = ["Module", "Container", "Sequential", "Model",
           "ReLU", "Tanh", "Sigmoid", "SoftMax", "LogSoftMax", "Identity"]
