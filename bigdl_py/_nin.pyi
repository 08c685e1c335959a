"""Type stubs for the compiled NCHW NIN kernels (``_core/_nin.pyx``).

Arrays are C-contiguous, all float32 or all float64; shapes are checked (ValueError).
"""
from typing import Optional

import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.floating]

def forward(x: _F, weight: _F, bias: Optional[_F], out: _F, scratch_x: Optional[_F],
            scratch_y: Optional[_F], swap: bool, n_threads: int) -> None: ...
def backward(x: _F, grad_output: _F, weight: _F, grad_input: Optional[_F], grad_weight: _F,
             grad_bias: Optional[_F], scale_w: float, scale_b: float,
             scratch_x: Optional[_F], scratch_g: Optional[_F], swap: bool,
             n_threads: int) -> None: ...

def _set_gemm_block(block: int) -> int:
    """Largest m, n or k per BLAS call (tests lower it); returns the old one."""
