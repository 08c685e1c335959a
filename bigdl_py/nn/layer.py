"""BigDL Python's ``bigdl.nn.layer`` import path: every layer of ``bigdl_py.nn``."""
from . import *  # noqa: F401,F403
from . import __all__  # noqa: F401
