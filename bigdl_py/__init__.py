"""bigdl_py: BigDL's deep-learning module API for Python, without the JVM."""
__version__ = "0.1.0"

from .parallel import get_num_threads, openmp_enabled, set_num_threads
from .random import RNG
from .tensor import Double, Float, T, Tensor

__all__ = ["Tensor", "T", "RNG", "Float", "Double", "set_num_threads", "get_num_threads",
           "openmp_enabled", "__version__"]
