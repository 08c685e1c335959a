"""bigdl_py.nn: BigDL's layers (also importable as ``bigdl_py.nn.layer``)."""
from . import init
from .activation import Identity, LogSoftMax, ReLU, Sigmoid, SoftMax, Tanh
from .container import Container, Sequential
from .dropout import Dropout
from .init import (ConstInitMethod, InitializationMethod, MsraFiller, Ones, RandomNormal,
                   RandomUniform, Xavier, Zeros)
from .linear import Linear
from .module import Module
from .nin import NIN
from .noise import GaussianDropout, GaussianNoise
from .persist import Model
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D

__all__ = ["Module", "Container", "Sequential", "Model",
           "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
           "GaussianDropout", "GaussianNoise", "Linear", "NIN",
           "ReLU", "Tanh", "Sigmoid", "SoftMax", "LogSoftMax", "Identity",
           "InitializationMethod", "RandomUniform", "RandomNormal", "Xavier", "MsraFiller",
           "Zeros", "Ones", "ConstInitMethod"]
