"""BigDL 2.x's ``bigdl.dllib.keras.layers`` path: re-exports ``bigdl_py.keras.layers``."""
from ...keras.layers import *  # noqa: F401,F403
from ...keras.layers import __all__  # noqa: F401
