"""``get_gradients``: the backward of a facade graph, through the pass ``get_output``
just made (same dropout masks and noise), so a network can be trained::

    out = get_output(net, x)                      # training pass (dropout on)
    grads = get_gradients(net, x, dloss_dout(out))
    for p, g in grads.params.items():
        p.set_value(p.get_value() - lr * g)

>>> import numpy as np
>>> from bigdl_py.lasagne.layers import DenseLayer, InputLayer, get_gradients, get_output
>>> net = DenseLayer(InputLayer((None, 3)), num_units=2)
>>> x = np.ones((4, 3), np.float32)
>>> g = get_gradients(net, x, np.ones_like(get_output(net, x)))
>>> g.input.shape, sorted(p.name for p in g.params)
((4, 3), ['W', 'b'])
"""
from collections import namedtuple

import numpy as np

from ..utils import unique
from .base import Layer
from .helper import _sources, get_all_layers

__all__ = ["get_gradients", "Gradients"]

Gradients = namedtuple("Gradients", ["input", "params"])
Gradients.__doc__ = """Result of ``get_gradients``.

input : ndarray or dict
    The gradient w.r.t. the input: an array when ``inputs`` was an array, else a dict
    ``{layer: gradient}`` with the keys of the ``inputs`` dict (or the network's
    InputLayers when ``inputs`` was None and there are several).
params : dict
    ``{Param: gradient}`` for every parameter of the layers the pass computed, in
    ``get_all_params`` order; each gradient has its parameter's shape (a DenseLayer's
    W gradient is ``(num_inputs, num_units)``), and a parameter shared by several
    layers gets the sum of their contributions."""


def get_gradients(layer, inputs, grad_output):
    """Backpropagate ``grad_output`` through the pass ``get_output(layer, inputs, ...)``
    just made.

    The pass's dropout masks and noise are reused, so the gradients are those of the
    output the caller saw.  ``inputs`` must be the inputs of that pass (compared by
    value); anything computed since from other inputs is a RuntimeError, as is no pass.

    Parameters
    ----------
    layer : Layer
        The output layer of the pass.
    inputs : array-like, dict or None
        As given to ``get_output``.
    grad_output : array-like
        d(loss)/d(output), the output's shape.

    Returns
    -------
    Gradients
        ``(input, params)``: see ``Gradients``.  Fresh arrays; parameters are not
        changed.
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"get_gradients: expected a Layer, got {type(layer).__name__}")
    treat = list(inputs) if isinstance(inputs, dict) else []
    all_layers = get_all_layers(layer, treat)
    given, feeds = _sources(all_layers, inputs, "get_gradients")
    _check_pass(all_layers, {**given, **feeds}, given, layer)
    computed = [x for x in all_layers if x not in given]
    grads = {layer: np.asarray(grad_output)}
    param_grads = {}
    for x in reversed(computed):
        gin, pgrads = x.get_gradients_for(grads.pop(x))
        _accumulate(grads, x.input_layer if x.input_layer is not None else ("feed", x), gin)
        for p, g in pgrads.items():
            _accumulate(param_grads, p, g)
    order = unique(p for x in computed for p in x.get_params())
    params = {p: param_grads[p] for p in order if p in param_grads}
    if feeds:
        return Gradients(grads[("feed", next(iter(feeds)))], params)
    for src, value in given.items():
        if src not in grads:  # not upstream of layer
            grads[src] = np.zeros(np.shape(value))
    if isinstance(inputs, dict):
        grad_input = {k: grads[k] for k in inputs}
    elif len(given) == 1:
        grad_input = grads[next(iter(given))]
    else:
        grad_input = {k: grads[k] for k in given}
    return Gradients(grad_input, params)


def _accumulate(store, key, value):
    store[key] = value if key not in store else store[key] + value


def _check_pass(all_layers, sources, given, layer):
    stale = RuntimeError("get_gradients: expected get_output(layer, inputs) with these "
                         "inputs first (its pass is what is backpropagated), got no such "
                         f"pass for {layer!r}")
    passes = set()
    for src, value in sources.items():
        rec = getattr(src, "_src", None)
        if rec is None or not _same(rec[1], value):
            raise stale
        passes.add(rec[0])
    for x in all_layers:
        if x not in given:
            passes.add(getattr(x, "_pass", None))
    if len(passes) != 1 or None in passes:
        raise stale


def _same(a, b):
    if a is b:
        return True
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and bool(
        np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
