"""BigDL 0.x's ``bigdl.nn.keras.layer`` path: re-exports ``bigdl_py.keras.layers``."""
from ...keras.layers import *  # noqa: F401,F403
from ...keras.layers import __all__  # noqa: F401
