"""bigdl_py.nn: BigDL's layers (also importable as ``bigdl_py.nn.layer``)."""
from .init import (ConstInitMethod, InitializationMethod, MsraFiller, Ones, RandomNormal,
                   RandomUniform, Xavier, Zeros)
from .linear import Linear
from .module import Module
from .nin import NIN

__all__ = ["Module", "Linear", "NIN", "InitializationMethod", "RandomUniform", "RandomNormal",
           "Xavier", "MsraFiller", "Zeros", "Ones", "ConstInitMethod"]
