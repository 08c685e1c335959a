"""Type stubs for the compiled fused Gaussian noise kernels (``_core/_noise.pyx``)."""
import numpy as np
import numpy.typing as npt

_Float = npt.NDArray[np.float32] | npt.NDArray[np.float64]

def gauss(x: _Float, out: _Float, mean: float, std: float, mul: bool, key: int, offset: int,
          n_threads: int) -> None: ...
def gauss_mt(x: _Float, out: _Float, z: npt.NDArray[np.float64], mean: float, std: float,
             mul: bool) -> None: ...
def _set_simd(on: bool) -> bool: ...
