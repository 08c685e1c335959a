"""BigDL 2.x's ``bigdl.dllib.keras.optimizers`` path: re-exports ``bigdl_py.keras.optimizers``."""
from ...keras.optimizers import *  # noqa: F401,F403
from ...keras.optimizers import __all__  # noqa: F401
