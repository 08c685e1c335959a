"""bigdl_py: BigDL's deep-learning module API for Python, without the JVM.

Subpackages (``bigdl_py.nn``, ``bigdl_py.optim``, ``bigdl_py.utils``, ...) are reachable as
attributes after ``import bigdl_py``; each is imported on first access (PEP 562), so the
top-level import stays fast.

>>> import bigdl_py
>>> bigdl_py.nn.Linear(2, 3).weight.shape
(3, 2)
"""
import importlib as _importlib
import pkgutil as _pkgutil

__version__ = "0.1.0"

from .parallel import get_num_threads, openmp_enabled, set_num_threads, threads
from .random import RNG
from .tensor import Double, Float, T, Tensor

__all__ = ["Tensor", "T", "RNG", "Float", "Double", "set_num_threads", "get_num_threads",
           "threads", "openmp_enabled", "__version__"]


def _submodules():
    """The public submodules and subpackages beside this file (any new one is included)."""
    return {m.name for m in _pkgutil.iter_modules(__path__) if not m.name.startswith("_")}


def __getattr__(name):
    if name in _submodules():
        return _importlib.import_module(f"{__name__}.{name}")  # binds the attribute, too
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _submodules())
