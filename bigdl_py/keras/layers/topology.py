"""Keras-style graphs: ``Input(shape=...)`` and layers called on nodes, over
``bigdl_py.nn``'s graph nodes (``bigdl_py.keras.models.Model`` collects them).

Calling a layer on a node (or a list of nodes, for ``Merge``) checks the layer against
the nodes' shapes, builds its nn modules, chains them as ``bigdl_py.nn`` nodes and
returns a node carrying the output shape.

>>> from bigdl_py.keras.layers import Dense, Input
>>> x = Input(shape=(4,))
>>> h = Dense(8, activation="relu")(x)
>>> h.shape, [type(m).__name__ for m in h.modules]
((8,), ['Linear', 'ReLU'])
"""
from ... import nn as _nn
from .._shape import describe, sample_shape

__all__ = ["Input", "Node"]


class Node:
    """The output of ``layer`` called on ``inbound`` nodes: its sample ``shape``, the nn
    ``modules`` built for this call and ``nn_node``, the ``bigdl_py.nn`` graph node of the
    last of them."""

    __slots__ = ("layer", "inbound", "shape", "modules", "nn_node")

    def __init__(self, layer, inbound, shape, modules, nn_node):
        self.layer, self.inbound, self.shape = layer, inbound, shape
        self.modules, self.nn_node = modules, nn_node

    def get_output_shape(self):
        """The output shape with the batch dimension as None."""
        return (None,) + self.shape

    def __repr__(self):
        return f"Node({self.layer!r} -> {describe(self.shape)})"


class _InputLayer:
    """What an :func:`Input` node records as its layer."""

    def __init__(self, shape, name):
        self.input_shape, self.name = shape, name

    def get_config(self):
        return {"shape": list(self.input_shape), "name": self.name}

    def __repr__(self):
        return f"Input(shape={self.input_shape})"


def Input(shape=None, name=None):
    """A graph input of samples of ``shape`` (batch dimension excluded), for
    ``bigdl_py.keras.models.Model``; ValueError without a shape."""
    if shape is None:
        raise ValueError("Input: expected shape= (a tuple of ints, batch dimension "
                         "excluded), got none")
    shape = sample_shape(shape, "Input", "shape")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"Input: expected a string as name, got {type(name).__name__}")
    module = _nn.Identity()
    if name is not None:
        module.set_name(name)
    return Node(_InputLayer(shape, name), [], shape, [module], _nn.Node(module))


def call(layer, x):
    """``layer(x)``: a new :class:`Node` (see the module docstring)."""
    own = type(layer).__name__
    nodes = list(x) if isinstance(x, (list, tuple)) else [x]
    if not nodes or not all(isinstance(n, Node) for n in nodes):
        raise TypeError(f"{own}: expected a bigdl_py.keras node (from Input or a layer call) "
                        f"or a list of them, got {x!r:.80}")
    if getattr(layer, "_called", False):
        raise ValueError(f"{own}: expected a layer called once (each call builds new "
                         f"weights; shared layers are not supported), got a second call of "
                         f"{layer!r}")
    shape = [n.shape for n in nodes] if isinstance(x, (list, tuple)) else nodes[0].shape
    if layer.input_shape is not None and layer.input_shape != shape:
        raise ValueError(f"{own}: layer {layer!r} expects input shape "
                         f"{describe(layer.input_shape)}, got {describe(shape)} from "
                         f"{', '.join(repr(n.layer) for n in nodes)}")
    try:
        out = layer.compute_output_shape(shape)
    except ValueError as e:
        raise ValueError(f"{own}: layer {layer!r} cannot take the output shape "
                         f"{describe(shape)} of {', '.join(repr(n.layer) for n in nodes)}: "
                         f"{e}") from None
    modules = layer.build(shape)
    if layer.name is not None:
        modules[0].set_name(layer.name)
    prev = [n.nn_node for n in nodes] if isinstance(x, (list, tuple)) else nodes[0].nn_node
    for m in modules:
        prev = m(prev)
    layer._called = True
    return Node(layer, nodes, out, modules, prev)
