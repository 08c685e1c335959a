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
        batch).  ``output_shape == shape``.  As in Lasagne, it is a declaration the
        layers above use to infer their shapes (a DenseLayer's number of inputs, say),
        not a check on the arrays ``get_output`` is given: any real numeric array goes
        through, and a layer that cannot compute with it raises, naming itself.
    input_var : array-like or None
        Optional default input, used by ``get_output`` when it is given no input
        for this layer (Lasagne's symbolic variable has no numpy counterpart).
    name : str or None

    Examples
    --------
    >>> from bigdl_py.lasagne.layers import InputLayer
    >>> InputLayer((None, 3, 32, 32)).output_shape
    (None, 3, 32, 32)
    >>> from bigdl_py.lasagne.layers import get_output
    >>> get_output(InputLayer((None, 3)), [[1.0, 2.0]]).shape   # a declaration, not a check
    (1, 2)
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
        """``value`` as an ndarray: any shape (``shape`` is a declaration), a real numeric
        dtype (TypeError otherwise)."""
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        if arr.dtype.kind not in "biuf":
            label = f"InputLayer {self.name!r}" if self.name else "InputLayer"
            raise TypeError(f"{label}: expected a real numeric array, got dtype {arr.dtype}")
        return arr

    def get_output_for(self, input, **kwargs):
        arr = self.check_input(input)
        self._fwd = arr
        return arr

    def get_gradients_for(self, grad_output):
        return np.asarray(grad_output), {}
