"""Type stubs for the compiled pooling kernels (``_core/_pooling.pyx``).

x/out 4-D C-contiguous (NCHW or NHWC), one float dtype; indices int32 like out;
``kernel`` = (kh, kw, sh, sw, pad_top, pad_left, pad_bottom, pad_right).
"""
from typing import Tuple

import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.floating]

def _set_parallel_threshold(elements: int) -> int: ...
def _set_simd(on: bool) -> bool: ...
_K = Tuple[int, int, int, int, int, int, int, int]

def max_forward(x: _F, out: _F, indices: npt.NDArray[np.int32], kernel: _K, nhwc: bool,
                n_threads: int) -> None: ...
def max_backward(grad_output: _F, indices: npt.NDArray[np.int32], grad_input: _F, kernel: _K,
                 nhwc: bool, n_threads: int) -> None: ...
def avg_forward(x: _F, out: _F, kernel: _K, nhwc: bool, count_include_pad: bool, mult: float,
                n_threads: int) -> None: ...
def avg_backward(grad_output: _F, grad_input: _F, kernel: _K, nhwc: bool,
                 count_include_pad: bool, mult: float, n_threads: int) -> None: ...
