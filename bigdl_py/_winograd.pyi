"""Type stubs for the Winograd F(4x4, 3x3) convolution kernels (``_core/_winograd.pyx``).

Arrays are C-contiguous, all float32 or all float64; x/out 4-D (NCHW or NHWC), weight and
its gradient flat in BigDL's layout ((K, C, 3, 3) NCHW, (3, 3, C, K) NHWC); 3x3 kernel,
stride 1, one group.  Shapes are checked (ValueError).
"""
from typing import Optional

import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.floating]

path: str

def _set_parallel_threshold(elements: int) -> int: ...
def _set_path(which: str) -> str: ...
def _set_simd(on: bool) -> bool: ...
def scratch_elements(n: int, c: int, h: int, w: int, k: int, oh: int, ow: int) -> int: ...
def forward(x: _F, weight: _F, bias: Optional[_F], out: _F, pad_top: int, pad_left: int,
            nhwc: bool, scratch: _F, n_threads: int) -> None: ...
def backward(x: _F, grad_output: _F, weight: _F, grad_input: Optional[_F],
             grad_weight: Optional[_F], scale_w: float, pad_top: int, pad_left: int,
             nhwc: bool, scratch: _F, n_threads: int) -> None: ...
