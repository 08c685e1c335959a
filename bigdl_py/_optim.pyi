"""Type stubs for the compiled fused optim-method updates (``_core/_optim.pyx``).

Each update takes flat C-contiguous arrays of one dtype (float32 or float64), updated in
place; an absent optional array is an empty one."""
import numpy as np
import numpy.typing as npt

_Float = npt.NDArray[np.float32] | npt.NDArray[np.float64]

def _set_parallel_threshold(n: int) -> int: ...
def sgd(x: _Float, g: _Float, v: _Float, clr: float, wd: float, mom: float, damp: float,
        nesterov: bool, first: bool, lrs: _Float, wds: _Float, n_threads: int) -> None: ...
def adam(x: _Float, g: _Float, s: _Float, r: _Float, step: float, beta1: float, beta2: float,
         epsilon: float, infinity_norm: bool, n_threads: int) -> None: ...
def rmsprop(x: _Float, g: _Float, s: _Float, clr: float, decayrate: float, epsilon: float,
            n_threads: int) -> None: ...
def adagrad(x: _Float, g: _Float, v: _Float, clr: float, weightdecay: float,
            n_threads: int) -> None: ...
def adadelta(x: _Float, g: _Float, v: _Float, a: _Float, decayrate: float, epsilon: float,
             n_threads: int) -> None: ...
