"""bigdl_py.nn: BigDL's layers (also importable as ``bigdl_py.nn.layer``)."""
from .module import Module

__all__ = ["Module"]
