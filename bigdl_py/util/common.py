"""BigDL 0.x's ``bigdl.util.common`` path: Sample, JTensor, the bootstrap calls (see ``bigdl_py._bigdl_paths``)."""
from .._bigdl_paths import reexport

__getattr__, __dir__, __all__ = reexport(__name__, "common")
