"""Type stubs for the compiled Linear/NIN kernels (``_core/_linear.pyx``).

Arrays are C-contiguous, all float32 or all float64; shapes are checked (ValueError).
"""
from typing import Optional

import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.floating]

def linear_forward(x: _F, weight: _F, bias: Optional[_F], out: _F, spatial: int,
                   n_threads: int) -> None: ...
def linear_grad_input(grad_output: _F, weight: _F, grad_input: _F, n_threads: int) -> None: ...
def linear_acc_grad(x: _F, grad_output: _F, grad_weight: _F, grad_bias: Optional[_F],
                    scale_w: float, scale_b: float, spatial: int, n_threads: int) -> None: ...
def regularize(weight: _F, grad: _F, l1: float, l2: float, n_threads: int) -> None: ...
def _set_parallel_threshold(elements: int) -> int: ...

def _set_gemm_block(block: int) -> int:
    """Largest m, n or k per BLAS call (tests lower it); returns the old one."""
