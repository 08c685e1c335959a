"""BigDL 0.x's Keras-style API paths ``bigdl.nn.keras.topology`` and
``bigdl.nn.keras.layer``: ``bigdl_py.keras`` with BigDL 0.x's 1-based class labels."""
from . import layer, topology

__all__ = ["layer", "topology"]
