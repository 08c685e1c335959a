"""``Module``: BigDL's layer contract (Torch7 style).

A layer writes ``update_output``, ``update_grad_input`` and, when it has weights,
``acc_grad_parameters`` (which *adds* into the gradients); ``forward`` and
``backward`` here convert the input, call the phases and mirror the input's type.
Layers work on C-contiguous ndarrays; ``_buffer`` gives them reusable storage.  Element-wise
layers (``_ELEMENTWISE``) write through ``_out``, which carries the one in-place mechanism
(BigDL's ``inplace``/``ip``) and keeps a fresh output in the input's memory order (see
``nn._placement``).

``Module`` is assembled from mixins named for what they hold: ``_call.Calls`` (forward,
backward, conversions, buffers), ``_snapshot.AllOrNothing`` (the hooks containers use to
leave everything as it was when a child fails), ``_weights.Weights`` (parameters, flat
storage, scales, freezing), ``_saving.Saving`` (``_config`` and ``save_model``) and
``_inference.Inference`` (``predict``, ``evaluate(data)``); this module holds the rest:
construction, the three phases, the mode, naming and printing, and graph nodes.

>>> import numpy as np
>>> from bigdl_py.nn import Linear
>>> m = Linear(3, 2)                       # modules start in training mode
>>> y = m.forward(np.ones((4, 3), np.float32))
>>> gx = m.backward(np.ones((4, 3), np.float32), np.ones_like(y))
>>> y.shape, gx.shape, m.is_training(), m.evaluate().is_training()
((4, 2), (4, 3), True, False)
"""
import secrets

from ._bigdl_type import BigDLType
from ._call import Calls, FusedGrads
from ._inference import Inference
from ._saving import Saving
from ._snapshot import AllOrNothing
from ._tree import walk
from ._weights import Weights

__all__ = ["Module", "Node", "walk", "FusedGrads"]


def _short_str(module):
    """The first line of ``str(module)`` without the opening brace, e.g.
    ``Sequential[seq]`` or ``Linear[fc](4 -> 3)``."""
    return str(module).split("\n", 1)[0].rstrip("{ ")


class Module(Calls, AllOrNothing, Weights, Saving, Inference, metaclass=BigDLType):
    """Base of every layer and container.

    Parameter layers set ``self.weight``/``self.bias`` and ``self.grad_weight``/
    ``self.grad_bias`` (ndarrays, bias may be None) and ``self._dtype``; parameterless
    layers keep the input's float dtype.
    """

    _dtype = None

    def __init__(self):
        self.output = None
        self.grad_input = None
        self._training = True
        self._name = None
        self._hex = "%08x" % secrets.randbits(32)
        self._forwarded = False
        self._reuse = False
        self._buffers = {}
        self._tensors = {}
        self._scale_w = 1.0
        self._scale_b = 1.0
        self._frozen = None  # (scale_w, scale_b) before freeze(), None when not frozen

    # ---- the three phases --------------------------------------------------------
    def update_output(self, input):
        raise NotImplementedError(f"{type(self).__name__}.update_output")

    def update_grad_input(self, input, grad_output):
        raise NotImplementedError(f"{type(self).__name__}.update_grad_input")

    def acc_grad_parameters(self, input, grad_output):
        """Add this call's parameter gradients (scaled by scale_w/scale_b); no-op here."""

    # ---- mode --------------------------------------------------------------------
    def training(self):
        self._training = True
        return self

    def evaluate(self, *args, **kwargs):
        """``evaluate()``: evaluation mode, returns self.  ``evaluate(X, y, batch_size=32,
        val_methods=None)`` or ``evaluate(rdd_of_samples, batch_size=32,
        val_methods=None)``: test the model (see ``bigdl_py.optim.evaluator.evaluate``),
        returning a list of ``EvaluatedResult``; the mode is restored afterwards."""
        if args or kwargs:
            return self._evaluate_data(*args, **kwargs)
        self._training = False
        return self

    def is_training(self):
        return self._training

    def reset(self):
        """Re-draw the initial parameters (no-op without parameters)."""
        return self

    def clear_state(self):
        """Drop cached outputs, gradients, buffers and masks."""
        self.output = None
        self.grad_input = None
        self._buffers.clear()
        self._tensors.clear()
        return self

    # ---- naming and printing ----------------------------------------------------------
    def set_name(self, name):
        if not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: expected a str name, got {name!r}")
        self._name = name
        return self

    def name(self):
        return self._name if self._name is not None else f"{self._class_name()}{self._hex}"

    def _class_name(self):
        """The class name BigDL prints (``StaticGraph`` for a graph ``Model``)."""
        return type(self).__name__

    def _print_name(self):
        """BigDL's ``getPrintName``: ``Class[<name or 8 hex digits>]``."""
        tag = self._name if self._name is not None else self._hex
        return f"{self._class_name()}[{tag}]"

    def _extra_str(self):
        """What BigDL prints after ``Class[name]``, e.g. ``(0.5)``."""
        return ""

    def _str(self, line):
        """``str()`` with ``line`` as the line separator: BigDL's ``setLine``, which only
        Sequential honours (so a Sequential nested in a Sequential is indented)."""
        return str(self)

    def __str__(self):
        return f"{self._print_name()}{self._extra_str()}"

    __repr__ = __str__

    # ---- graphs --------------------------------------------------------------------------
    def __call__(self, x=None):
        """A graph node applying this module to the node(s) ``x`` (BigDL's
        ``layer(x)``): ``Linear(4, 3)(inp)``, ``CAddTable()([a, b])``; see
        :class:`bigdl_py.nn.Model`."""
        return Node(self, x)


class Node:
    """A module applied to the outputs of its predecessor nodes (``prev``): one node, or
    a table of their outputs, in the order given.  Made by ``module(x)`` and
    :func:`Input`."""

    __slots__ = ("module", "prev")

    def __init__(self, module, x=None):
        if not isinstance(module, Module):
            raise TypeError(f"Node: expected a bigdl_py Module, got {type(module).__name__}")
        prev = [] if x is None else list(x) if isinstance(x, (list, tuple)) else [x]
        for p in prev:
            if not isinstance(p, Node):
                raise TypeError(f"{type(module).__name__}: expected a Node or a list of Nodes "
                                f"to call the module on, got {type(p).__name__}")
        self.module, self.prev = module, prev

    def element(self):
        """The node's module (BigDL's ``node.element()``)."""
        return self.module

    def __repr__(self):
        return f"Node({_short_str(self.module)})"
