"""bigdl_py.nn: BigDL's layers (also importable as ``bigdl_py.nn.layer``)."""
from . import init, persist
from .activation import Identity, LogSoftMax, ReLU, Sigmoid, SoftMax, Tanh
from .concat_table import ConcatTable, ParallelTable
from .container import Container, Sequential
from .conv import SpatialConvolution
from .dropout import Dropout
from .elementwise import CAdd, CMul
from .graph import Input, Model, Node
from .init import (ConstInitMethod, InitializationMethod, MsraFiller, Ones, RandomNormal,
                   RandomUniform, Xavier, Zeros)
from .linear import Linear
from .module import Module
from .nin import NIN
from .noise import GaussianDropout, GaussianNoise
from .normalization import BatchNormalization, SpatialBatchNormalization
from .pooling import SpatialAveragePooling, SpatialMaxPooling
from .reshape import Reshape, View
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from .select_table import FlattenTable, SelectTable
from .table import CAddTable, JoinTable
from .table_math import CAveTable, CMaxTable, CMulTable

__all__ = ["Module", "Container", "Sequential", "Model", "Input", "Node",
           "ConcatTable", "ParallelTable", "CAddTable", "JoinTable", "CMulTable", "CMaxTable",
           "CAveTable", "SelectTable",
           "FlattenTable", "CAdd", "CMul",
           "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
           "GaussianDropout", "GaussianNoise", "Linear", "NIN", "SpatialConvolution",
           "SpatialMaxPooling", "SpatialAveragePooling", "BatchNormalization",
           "SpatialBatchNormalization", "Reshape", "View",
           "ReLU", "Tanh", "Sigmoid", "SoftMax", "LogSoftMax", "Identity",
           "InitializationMethod", "RandomUniform", "RandomNormal", "Xavier", "MsraFiller",
           "Zeros", "Ones", "ConstInitMethod", "init"]

# model files may hold the classes exported here (and those their modules register)
persist.register(*(v for v in list(vars().values()) if isinstance(v, type)
                   and issubclass(v, Module) and v not in (Module, Container)))
