"""Former home of the validation module, kept importable: see ``bigdl_py._validate``."""
from .._validate import *  # noqa: F401,F403
from .._validate import __all__  # noqa: F401
