"""BigDL 0.x's ``bigdl.nn.keras.layer`` path: re-exports ``bigdl_py.keras.layers``."""
from ..._bigdl_paths import alias

__getattr__, __dir__, __all__ = alias("bigdl_py.keras.layers")
