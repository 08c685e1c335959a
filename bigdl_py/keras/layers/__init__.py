"""BigDL's Keras-style layers (Keras 1.2.2 names) over ``bigdl_py.nn`` modules.

A layer here computes nothing itself: it checks and infers shapes and, when added to a
model, builds the ``bigdl_py.nn`` modules that do the work (``Dense`` is a ``Linear``
plus its activation module).  Shapes exclude the batch dimension.  One module per family,
as BigDL's ``bigdl.dllib.keras.layers``: ``core``, ``convolutional``, ``pooling``,
``normalization``, ``merge``; ``topology`` has ``Input`` and the graph nodes.
"""
from .convolutional import Convolution2D
from .core import (Activation, Dense, Dropout, Flatten, GaussianDropout, GaussianNoise, Layer,
                   Reshape, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D)
from .merge import Merge, merge
from .normalization import BatchNormalization
from .pooling import AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D
from .topology import Input, Node

__all__ = ["Layer", "Dense", "Activation", "Dropout", "GaussianDropout", "GaussianNoise",
           "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "Reshape", "Flatten",
           "Convolution2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
           "BatchNormalization", "Merge", "merge", "Input", "Node"]
