"""BigDL 2.x's ``bigdl.dllib.nn.criterion`` path (see ``bigdl_py._bigdl_paths``)."""
from ..._bigdl_paths import reexport

__getattr__, __dir__, __all__ = reexport(__name__, "criterion")
