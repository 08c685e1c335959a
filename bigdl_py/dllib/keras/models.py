"""BigDL 2.x's ``bigdl.dllib.keras.models`` path: re-exports ``bigdl_py.keras.models``."""
from ...keras.models import *  # noqa: F401,F403
from ...keras.models import __all__  # noqa: F401
