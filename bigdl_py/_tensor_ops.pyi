"""In-place element-wise kernels behind ``Tensor.mul/div/add/cmul`` (float32/float64)."""
import numpy as np
import numpy.typing as npt

_FloatArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]

def mul(x: _FloatArray, v: float, n_threads: int) -> None:
    """``x *= v`` in place (``v`` rounded to x's dtype)."""

def div(x: _FloatArray, v: float, n_threads: int) -> None:
    """``x *= 1 / v`` in place, the reciprocal taken in x's dtype (BigDL's ``div``)."""

def add(x: _FloatArray, v: float, n_threads: int) -> None:
    """``x += v`` in place (``v`` rounded to x's dtype)."""

def axpy(x: _FloatArray, alpha: float, y: _FloatArray, n_threads: int) -> None:
    """``x += alpha * y`` in place; ``y`` has x's dtype and length."""

def cmul(x: _FloatArray, y: _FloatArray, n_threads: int) -> None:
    """``x *= y`` element-wise in place; ``y`` has x's dtype and length."""
