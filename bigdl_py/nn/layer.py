"""BigDL's ``bigdl.nn.layer`` path: bigdl_py's layers by BigDL's names (see ``bigdl_py._bigdl_paths``)."""
from .._bigdl_paths import reexport

__getattr__, __dir__, __all__ = reexport(__name__, "layer")
