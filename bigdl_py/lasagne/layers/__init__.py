"""Lasagne's layers on bigdl_py modules: ``from bigdl_py.lasagne.layers import ...``."""
from .base import Layer
from .dense import DenseLayer, NINLayer
from .gradients import Gradients, get_gradients
from .helper import (count_params, get_all_layers, get_all_param_values, get_all_params,
                     get_output, get_output_shape, set_all_param_values)
from .input import InputLayer
from .noise import (DropoutLayer, GaussianNoiseLayer, dropout, dropout_channels,
                    dropout_locations, spatial_dropout)

__all__ = ["Layer", "InputLayer", "DenseLayer", "NINLayer", "DropoutLayer", "dropout",
           "dropout_channels", "spatial_dropout", "dropout_locations", "GaussianNoiseLayer",
           "get_all_layers", "get_output", "get_output_shape", "get_all_params",
           "count_params", "get_all_param_values", "set_all_param_values", "get_gradients",
           "Gradients"]
