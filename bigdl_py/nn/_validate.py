"""Former home of the validation module, kept importable: see ``bigdl_py._validate``."""
from .._bigdl_paths import alias

__getattr__, __dir__, __all__ = alias("bigdl_py._validate")
