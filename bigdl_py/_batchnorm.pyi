"""Type stubs for the compiled batch-norm kernels (``_core/_batchnorm.pyx``).

Data is (A, C, B) C-contiguous (NCHW: (N, C, H*W); channels last: (N*H*W, C, 1)), one float
dtype with the per-channel vectors; saved statistics are float64.
"""
from typing import Optional

import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.floating]

def _set_parallel_threshold(elements: int) -> int: ...
def _set_simd(on: bool) -> bool: ...
def _set_avx512(on: bool) -> bool: ...
def _stream_threshold(nbytes: Optional[int] = None) -> int: ...
_D = npt.NDArray[np.float64]

def forward_train(x: _F, y: _F, weight: Optional[_F], bias: Optional[_F], save_mean: _D,
                  save_invstd: _D, running_mean: _F, running_var: _F, eps: float,
                  momentum: float, n_threads: int) -> None: ...
def forward_eval(x: _F, y: _F, weight: Optional[_F], bias: Optional[_F], running_mean: _F,
                 running_var: _F, eps: float, n_threads: int) -> None: ...
def backward(x: _F, grad_output: _F, grad_input: Optional[_F], weight: Optional[_F],
             mean: _D, invstd: _D, batch_stats: bool, grad_weight: Optional[_F],
             grad_bias: Optional[_F], scale_w: float, scale_b: float, n_threads: int) -> None: ...
def eval_stats(running_mean: _F, running_var: _F, eps: float, mean: _D, invstd: _D) -> None: ...
