"""``InputLayer``: where a graph's data enters."""
import numpy as np

from .base import Layer, _check_shape

__all__ = ["InputLayer"]


class InputLayer(Layer):
    """The entry point of a network.

    Parameters
    ----------
    shape : tuple of int or None
        The input's shape; None marks a size known only at run time (usually the
        batch).  ``output_shape == shape``.
    input_var : array-like or None
        Optional default input, used by ``get_output`` when it is given no input
        for this layer (Lasagne's symbolic variable has no numpy counterpart).
    name : str or None

    Examples
    --------
    >>> from bigdl_py.lasagne.layers import InputLayer
    >>> InputLayer((None, 3, 32, 32)).output_shape
    (None, 3, 32, 32)
    """

    def __init__(self, shape, input_var=None, name=None):
        if not isinstance(shape, (tuple, list)):
            raise TypeError(f"InputLayer: expected shape to be a tuple of ints and None, got "
                            f"{shape!r}")
        self.shape = _check_shape(shape, "shape", "InputLayer")
        super().__init__(self.shape, name=name)
        self.input_layer = None
        self.input_var = None if input_var is None else self.check_input(input_var)

    @property
    def output_shape(self):
        return self.shape

    def check_input(self, value):
        """``value`` as an ndarray, checked against ``shape`` (rank and fixed sizes)."""
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"InputLayer: expected a real numeric array, got dtype {arr.dtype}")
        if arr.ndim != len(self.shape) or any(
                d is not None and d != s for d, s in zip(self.shape, arr.shape)):
            label = f"InputLayer {self.name!r}" if self.name else "InputLayer"
            raise ValueError(f"{label}: expected an input of shape {self.shape} (None: any "
                             f"size), got {arr.shape}")
        return arr

    def get_output_for(self, input, **kwargs):
        arr = self.check_input(input)
        self._fwd = arr
        return arr

    def get_gradients_for(self, grad_output):
        return np.asarray(grad_output), {}
