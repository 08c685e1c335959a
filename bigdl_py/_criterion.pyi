"""Type stubs for the compiled classification-criterion kernels (``_core/_criterion.pyx``)."""
import numpy as np
import numpy.typing as npt

_Float = npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Labels = (npt.NDArray[np.float32] | npt.NDArray[np.float64] | npt.NDArray[np.int32]
           | npt.NDArray[np.int64])

def class_indices(t: _Labels, c: int, idx: npt.NDArray[np.intp]) -> int: ...
def nll_forward(x: _Float, idx: npt.NDArray[np.intp], w: npt.NDArray[np.float64],
                size_average: bool, log_prob: bool) -> float: ...
def nll_backward(x: _Float, idx: npt.NDArray[np.intp], w: npt.NDArray[np.float64],
                 size_average: bool, log_prob: bool, grad: _Float) -> None: ...
