"""Row-major GEMM over scipy's BLAS (sgemm/dgemm), by swapping operands."""
import numpy as np
import numpy.typing as npt

_FloatArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]

def gemm(trans_a: bool, trans_b: bool, alpha: float, a: _FloatArray, b: _FloatArray,
         beta: float, c: _FloatArray, n_threads: int) -> None:
    """``c = alpha * op(a) @ op(b) + beta * c`` in place (2-D, one dtype, contiguous rows),
    BLAS on at most ``n_threads`` threads."""

def _set_gemm_block(block: int) -> int:
    """Largest m, n or k per BLAS call (tests lower it); returns the old one."""
