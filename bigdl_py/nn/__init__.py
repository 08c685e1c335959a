"""bigdl_py.nn: BigDL's layers (also importable as ``bigdl_py.nn.layer``)."""
from . import init
from .dropout import Dropout
from .init import (ConstInitMethod, InitializationMethod, MsraFiller, Ones, RandomNormal,
                   RandomUniform, Xavier, Zeros)
from .linear import Linear
from .module import Module
from .nin import NIN
from .noise import GaussianDropout, GaussianNoise
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D

__all__ = ["Module", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
           "GaussianDropout", "GaussianNoise", "Linear", "NIN", "InitializationMethod",
           "RandomUniform", "RandomNormal", "Xavier", "MsraFiller", "Zeros", "Ones",
           "ConstInitMethod"]
