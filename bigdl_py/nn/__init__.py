"""bigdl_py.nn: BigDL's layers (also importable as ``bigdl_py.nn.layer``)."""
from .dropout import Dropout
from .module import Module
from .noise import GaussianDropout, GaussianNoise
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D

__all__ = ["Module", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
           "GaussianDropout", "GaussianNoise"]
