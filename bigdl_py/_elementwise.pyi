"""Type stubs for the compiled CAdd/CMul kernels (``_core/_elementwise.pyx``).

Arrays are 1-D C-contiguous views, all float32 or all float64; sizes are checked
(ValueError).
"""
import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.floating]

def broadcast_acc(x: _F, g: _F, out: _F, A: int, B: int, C: int, middle: bool, fused: bool,
                  scale: float, n_threads: int) -> None: ...
def _set_parallel_threshold(values: int) -> int: ...
