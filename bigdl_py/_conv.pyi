"""Type stubs for the compiled convolution kernels (``_core/_conv.pyx``).

Arrays are C-contiguous, all float32 or all float64; x/out 4-D (NCHW or NHWC), weight and
gradients flat in BigDL's layout; ``kernel`` = (kh, kw, sh, sw, pad_top, pad_left).
Shapes are checked (ValueError).
"""
from typing import Optional, Tuple

import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.floating]

def _set_parallel_threshold(elements: int) -> int: ...
def _set_path(path: str) -> str: ...
def _set_simd(on: bool) -> bool: ...
def scratch_per_sample(x: _F, out: _F, kernel: Tuple[int, int, int, int, int, int], nhwc: bool,
                       groups: int) -> int: ...
def forward(x: _F, weight: _F, bias: Optional[_F], out: _F,
            kernel: Tuple[int, int, int, int, int, int], nhwc: bool, groups: int,
            scratch: Optional[_F], n_threads: int) -> None: ...
def backward(x: _F, grad_output: _F, weight: _F, grad_input: Optional[_F], grad_weight: _F,
             grad_bias: Optional[_F], scale_w: float, scale_b: float,
             kernel: Tuple[int, int, int, int, int, int], nhwc: bool, groups: int,
             scratch: Optional[_F], n_threads: int) -> None: ...
def bias_backward(grad_output: _F, grad_bias: _F, scale_b: float, nhwc: bool,
                  n_threads: int) -> None: ...
