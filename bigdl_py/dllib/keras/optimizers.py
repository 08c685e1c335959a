"""BigDL 2.x's ``bigdl.dllib.keras.optimizers`` path: re-exports ``bigdl_py.keras.optimizers``."""
from ..._bigdl_paths import alias

__getattr__, __dir__, __all__ = alias("bigdl_py.keras.optimizers")
