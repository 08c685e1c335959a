"""BigDL 2.x's ``bigdl.dllib.keras.models`` path: re-exports ``bigdl_py.keras.models``."""
from ..._bigdl_paths import alias

__getattr__, __dir__, __all__ = alias("bigdl_py.keras.models")
