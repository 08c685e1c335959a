"""BigDL's Keras-style models: ``Sequential`` (shapes inferred layer by layer from the
first layer's ``input_shape``) over a ``bigdl_py.nn.Sequential`` of the layers' modules.

>>> import numpy as np
>>> from bigdl_py.keras.layers import Dense
>>> from bigdl_py.keras.models import Sequential
>>> model = Sequential()
>>> model.add(Dense(8, activation="relu", input_shape=(4,))).add(Dense(3))
Sequential(2 layers)
>>> model.get_output_shape()
(None, 3)
>>> model.predict(np.zeros((5, 4), np.float32)).shape
(5, 3)
"""
import numpy as np

from .. import nn as _nn
from ._shape import describe
from ._training import KerasModel
from .layers import Layer

__all__ = ["Sequential"]


def _count(modules):
    return int(sum(np.asarray(w).size for m in modules for w, _ in m._param_pairs()))


class Sequential(KerasModel):
    """A linear stack of Keras-style layers.  ``add`` checks each layer against the
    previous layer's output shape (ValueError naming both) and builds its ``bigdl_py.nn``
    modules into ``net``, a ``bigdl_py.nn.Sequential``."""

    def __init__(self, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Sequential: expected a string as name, got "
                            f"{type(name).__name__}")
        self.name = name
        self.layers, self._shapes, self._modules = [], [], []
        self.net = _nn.Sequential()
        self._compile = None

    def add(self, layer):
        """Append ``layer`` (shapes checked, its modules built); returns self."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a bigdl_py.keras layer, got "
                            f"{type(layer).__name__}")
        i = len(self.layers)
        if i == 0:
            if layer.input_shape is None:
                raise ValueError(f"Sequential.add: expected input_shape= on the first layer "
                                 f"({layer!r}), got none")
            shape = layer.input_shape
        else:
            shape, prev = self._shapes[-1], f"layer {i} ({self.layers[-1]!r})"
            if layer.input_shape is not None and layer.input_shape != shape:
                raise ValueError(f"Sequential.add: layer {i + 1} ({layer!r}) expects input "
                                 f"shape {describe(layer.input_shape)}, got "
                                 f"{describe(shape)} from {prev}")
            try:
                layer.compute_output_shape(shape)
            except ValueError as e:
                raise ValueError(f"Sequential.add: layer {i + 1} ({layer!r}) cannot take the "
                                 f"output shape {describe(shape)} of {prev}: {e}") from None
        out = layer.compute_output_shape(shape)
        modules = layer.build(shape)
        for m in modules:
            self.net.add(m)
        self.layers.append(layer)
        self._shapes.append(tuple(out))
        self._modules.append(modules)
        return self

    def get_input_shape(self):
        """The input shape with the batch dimension as None."""
        return (None,) + self.layers[0].input_shape if self.layers else None

    def get_output_shape(self):
        """The output shape with the batch dimension as None."""
        if not self.layers:
            raise ValueError("Sequential.get_output_shape: expected a model with layers, got "
                             "an empty Sequential")
        return (None,) + self._shapes[-1]

    def summary(self, line_length=65):
        """Print a table of the layers, their output shapes and parameter counts."""
        rows = [(f"{layer.name or type(layer).__name__.lower() + str(i + 1)} "
                 f"({type(layer).__name__})", describe(shape), _count(mods))
                for i, (layer, shape, mods) in enumerate(zip(self.layers, self._shapes,
                                                              self._modules))]
        print(_table(rows, _count(self.net.modules), line_length))

    def __repr__(self):
        return f"Sequential({len(self.layers)} layers)"


def _table(rows, total, line_length):
    """Keras' summary table of (label, output shape, parameter count) rows; the label
    column widens to fit the longest label."""
    w = [max(int(line_length * 0.45), max((len(r[0]) + 2 for r in rows), default=0)),
         int(line_length * 0.35), 0]
    w[2] = max(line_length - w[0] - w[1], 10)
    width = sum(w)

    def row(*cells):
        return "".join(str(c)[:n - 1].ljust(n) for c, n in zip(cells, w)).rstrip()

    lines = [("_" * width), row("Layer (type)", "Output Shape", "Param #"), "=" * width]
    for r in rows:
        lines += [row(*r), "_" * width]
    lines.append(f"Total params: {total:,}")
    return "\n".join(lines)
