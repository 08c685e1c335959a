"""``Module``: BigDL's layer contract (Torch7 style).

A layer writes ``update_output``, ``update_grad_input`` and, when it has weights,
``acc_grad_parameters`` (which *adds* into the gradients); ``forward`` and
``backward`` here convert the input, call the phases and mirror the input's type.
Layers work on C-contiguous ndarrays; ``_buffer`` gives them reusable storage.  Element-wise
layers (``_ELEMENTWISE``) write through ``_out``, which carries the one in-place mechanism
(BigDL's ``inplace``/``ip``) and keeps a fresh output in the input's memory order (see
``nn._placement``).

>>> import numpy as np
>>> from bigdl_py.nn import Linear
>>> m = Linear(3, 2)                       # modules start in training mode
>>> y = m.forward(np.ones((4, 3), np.float32))
>>> gx = m.backward(np.ones((4, 3), np.float32), np.ones_like(y))
>>> y.shape, gx.shape, m.is_training(), m.evaluate().is_training()
((4, 2), (4, 3), True, False)
"""
import inspect
import secrets

import numpy as np

from ..random import RNG
from ..tensor import Tensor
from .._validate import check_finite, check_same_shape, fit_shape, to_array
from . import _activity, _params, _placement, persist
from ._bigdl_type import BigDLType
from ._inference import Inference

__all__ = ["Module", "Node", "walk"]

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def walk(module):
    """``module`` and every module nested in it, depth first."""
    yield module
    for child in getattr(module, "modules", ()):
        yield from walk(child)


def _short_str(module):
    """The first line of ``str(module)`` without the opening brace, e.g.
    ``Sequential[seq]`` or ``Linear[fc](4 -> 3)``."""
    return str(module).split("\n", 1)[0].rstrip("{ ")


class Module(Inference, metaclass=BigDLType):
    """Base of every layer and container.

    Parameter layers set ``self.weight``/``self.bias`` and ``self.grad_weight``/
    ``self.grad_bias`` (ndarrays, bias may be None) and ``self._dtype``; parameterless
    layers keep the input's float dtype.
    """

    _dtype = None
    #: what ``forward`` accepts: False = arrays only, True = tables (lists) only, None =
    #: either (a list holding arrays at its leaves is a table).  See ``nn._activity``.
    _TAKES_TABLE = False
    #: an element-wise layer: the output has the input's shape and ``update_output`` takes
    #: its output array from ``_out(x)``, which may be ``x`` itself (so the layer must
    #: compute correctly with ``out is x``).  ``forward`` then writes in place when the
    #: layer's ``_INPLACE`` flag is on, and lays a fresh ndarray result (and the gradient)
    #: out like the input, as ``np.empty_like`` does.
    _ELEMENTWISE = False
    #: the name of the layer's in-place flag attribute (BigDL's ``"inplace"`` or ``"ip"``):
    #: when it is on, ``forward`` writes into the array ``_inplace_target`` picks (the
    #: input; a table layer's element), which ``update_output`` gets while ``_overwrite``
    _INPLACE = None
    _overwrite = False  # _out(x) gives x: set by forward around update_output only

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

    # ---- forward / backward --------------------------------------------------------
    def _takes_table(self):
        return self._TAKES_TABLE

    def _input(self, value, what="input"):
        takes = self._takes_table()
        if type(value) is np.ndarray and takes is not True:
            # what the chain passes along: a C-contiguous array already of the dtype the
            # conversion below would give is taken as it is (the same result, cheaper)
            dt, want = value.dtype, self._dtype if takes is False else None
            if (dt is want or (want is None and (dt is _F32 or dt is _F64))) \
                    and value.flags.c_contiguous:
                return value, "ndarray"
        if takes is False:
            if _activity.is_table_like(value):
                raise TypeError(f"{type(self).__name__}: expected an array as {what}, got a "
                                f"table (a list of {len(value)} arrays)")
            return to_array(value, type(self).__name__, self._dtype, what)
        return _activity.to_activity(value, type(self).__name__, what, takes)

    def _grad_output(self, grad_output, input):
        """``grad_output`` converted like the last output (a table for a table), else to
        an array of the input's dtype."""
        if type(grad_output) is np.ndarray and type(input) is np.ndarray \
                and grad_output.dtype is input.dtype and type(self.output) is not list \
                and grad_output.flags.c_contiguous:
            return grad_output  # already what the conversion below would give
        owner = type(self).__name__
        if isinstance(self.output, list) or (
                self.output is None and _activity.is_table_like(grad_output)):
            like = self.output
            if like is None:
                return _activity.to_activity(grad_output, owner, "grad_output", True)[0]
            return _activity.to_like(grad_output, like, owner)
        dtype = input.dtype if isinstance(input, np.ndarray) else None
        return to_array(grad_output, owner, dtype, "grad_output")[0]

    def forward(self, input):
        """Compute the output; a Tensor in gives this module's reused output Tensor.  An
        element-wise layer with its in-place flag on writes into the caller's writable
        float32/float64 array or Tensor (strided views included) and returns that same
        object; other input (integers, read-only, lists) gets a fresh result and stays
        untouched."""
        x, kind = self._input(input)
        self._reuse = kind == "tensor"
        inplace = self._INPLACE is not None and getattr(self, self._INPLACE)
        if not (self._ELEMENTWISE or inplace):
            out = self.update_output(x)
            self._forwarded = True
            self.output = self._mirror(out, kind, "output")
            return self.output
        target = self._inplace_target(input, x) if inplace else None
        layout = None
        if target is None and self._ELEMENTWISE and kind == "ndarray":
            layout = _placement.layout_target(input, x.dtype)
        # x is overwritten in place, or when it is this call's scratch copy of the input
        self._overwrite = target is not None or layout is not None and \
            not np.may_share_memory(x, input)
        try:
            out = self.update_output(x)
        finally:
            self._overwrite = False
        self._forwarded = True
        if target is not None:  # copied back only when x was a scratch copy of a view
            given, arr = target
            if not np.may_share_memory(out, arr):
                np.copyto(arr, out)
            self.output = given
            return given
        self.output = self._result(out, input, kind, "output", layout)
        return self.output

    def backward(self, input, grad_output):
        """Gradient w.r.t. the input; parameter gradients are accumulated (added)."""
        x, g, kind = self._backward_args(input, grad_output)
        grad_input = self._backward(x, g)
        self.grad_input = self._result(grad_input, input, kind, "grad_input")
        return self.grad_input

    def _inplace_target(self, input, x):
        """(the object an in-place forward returns, the caller's array it writes into), or
        None for the fallback (see ``nn._placement.inplace_target``); the array is
        ``input``'s.  A table layer picks the element it writes into."""
        arr = _placement.inplace_target(input, x, type(self).__name__, self._INPLACE)
        return None if arr is None else (input, arr)

    def _out(self, x):
        """The array an element-wise ``update_output`` writes into: ``x`` itself when
        ``forward`` lets it (an in-place call, or ``x`` is a scratch copy), else the
        output buffer."""
        return x if self._overwrite else self._buffer("output", x.shape, x.dtype)

    def _result(self, arr, value, kind, name, layout=None):
        """``arr`` as the caller gets it: in this module's Tensor for Tensor input; for an
        element-wise layer's ndarray ``value``, laid out like ``value`` (``layout``, or a
        new ``np.empty_like`` array when that is not C-ordered)."""
        if self._ELEMENTWISE and kind == "ndarray" and isinstance(arr, np.ndarray):
            if layout is None:
                layout = _placement.layout_target(value, arr.dtype)
            if layout is not None:
                np.copyto(layout, arr)
                return layout
        return self._mirror(arr, kind, name)

    def _backward_args(self, input, grad_output):
        """(input, grad_output, kind) converted for the backward phases, after the
        call-order check."""
        if self._training and not self._forwarded:
            raise RuntimeError(f"{type(self).__name__}: expected forward before backward in "
                               "training mode, got backward first")
        x, kind = self._input(input)
        g = self._grad_output(grad_output, x)
        self._reuse = kind == "tensor"
        return x, g, kind

    # ---- the two halves of backward, for containers (all-or-nothing) ----------------------
    def _grad_input_phase(self, input, grad_output):
        """``backward``'s first half: the gradient w.r.t. the input, parameter gradients
        untouched.  Returns (grad_input, converted input, converted grad_output) -- the
        last two are what :meth:`_acc_phase` takes.  A container runs this through every
        child first, then ``_acc_phase`` on each, so a failing child leaves every
        parameter gradient as it was."""
        x, g, kind = self._backward_args(input, grad_output)
        self.grad_input = self._result(self.update_grad_input(x, g), input, kind,
                                       "grad_input")
        return self.grad_input, x, g

    def _acc_phase(self, input, grad_output):
        """``backward``'s second half on the arrays :meth:`_grad_input_phase` returned."""
        self.acc_grad_parameters(input, grad_output)

    # ---- forward state, for containers (all-or-nothing) -----------------------------------
    #: attributes whose arrays a forward refills in place (e.g. Dropout's mask bits): a
    #: container's snapshot detaches them, so a failed forward leaves the old ones intact
    _REUSED_STATE = ()
    #: arrays a forward updates in place and must keep (e.g. batch norm's running and
    #: batch statistics): a container's snapshot copies them, a restore writes them back
    _UPDATED_STATE = ()

    def _forward_snapshot(self):
        """What :meth:`_restore_forward` needs to undo a forward: the attributes (dicts
        copied one level, :attr:`_REUSED_STATE` arrays detached so the next forward
        allocates fresh ones) and copies of the :attr:`_UPDATED_STATE` arrays."""
        snap = vars(self).copy()
        for k, v in snap.items():  # replacing values while iterating is allowed
            if type(v) is dict:
                snap[k] = v.copy()
        kept = {n: getattr(self, n).copy() for n in self._UPDATED_STATE
                if getattr(self, n, None) is not None}
        for name in self._REUSED_STATE:
            setattr(self, name, None)
        return snap, kept

    def _restore_forward(self, snap):
        attrs, kept = snap
        vars(self).clear()
        vars(self).update(attrs)
        for name, arr in kept.items():
            getattr(self, name)[...] = arr

    def _backward(self, input, grad_output):
        """``update_grad_input`` then ``acc_grad_parameters`` on converted arrays; a layer
        may override this to fuse the two phases (same results)."""
        grad_input = self.update_grad_input(input, grad_output)
        self.acc_grad_parameters(input, grad_output)
        return grad_input

    def _buffer(self, name, shape, dtype):
        """Storage for a result: reused across calls when the caller passes Tensors
        (BigDL/Torch semantics), fresh otherwise (the caller owns the array)."""
        if not self._reuse:
            return np.empty(shape, dtype=dtype)
        buf = self._buffers.get(name)
        if buf is None or buf.shape != tuple(shape) or buf.dtype != dtype:
            buf = self._buffers[name] = np.empty(shape, dtype=dtype)
        return buf

    def _mirror(self, arr, kind, name):
        if kind != "tensor":
            return arr
        if isinstance(arr, list):  # a table: one reused Tensor per position
            return [self._mirror(a, kind, f"{name}.{i}") for i, a in enumerate(arr)]
        t = self._tensors.get(name)
        if t is None:
            t = self._tensors[name] = Tensor.from_numpy(arr)
        else:
            t._a = arr
        return t

    def _check_grad(self, grad_output, like):
        check_same_shape(grad_output, like, type(self).__name__)

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

    # ---- parameters ----------------------------------------------------------------
    def _param_pairs(self):
        """[(array, grad array)] of this leaf's parameters, weight first."""
        pairs = []
        for p, g in (("weight", "grad_weight"), ("bias", "grad_bias")):
            w = getattr(self, p, None)
            if w is not None:
                pairs.append((w, getattr(self, g)))
        return pairs

    def parameters(self):
        """``{name: {"weight", "bias", "gradWeight", "gradBias"}}`` ({} without weights)."""
        if getattr(self, "weight", None) is None:
            return {}
        entry = {"weight": self.weight, "gradWeight": self.grad_weight}
        if getattr(self, "bias", None) is not None:
            entry.update(bias=self.bias, gradBias=self.grad_bias)
        return {self.name(): entry}

    def get_parameters(self):
        """``(weights, gradients)``: every parameter and every gradient of this module
        (nested modules included) as one flat vector each, in ``parameters()`` order --
        BigDL's Scala ``getParameters()``.

        The first call copies the values into two new vectors and rebinds each layer's
        ``weight``/``bias`` and ``grad_weight``/``grad_bias`` to views of them, so writing
        into the flat vectors updates the layers (and training the layers updates the
        vectors); later calls return the same two vectors while the layers still use
        them.  All parameters must share one dtype (ValueError otherwise, and nothing
        changes).  BigDL's Python ``Layer`` has no such method (its ``parameters()``
        returns per-layer copies, as here); this is the Scala one.

        Examples
        --------
        >>> from bigdl_py.nn import Linear, Sequential
        >>> model = Sequential(Linear(2, 3), Linear(3, 1))
        >>> w, g = model.get_parameters()
        >>> w.shape, g.shape                      # 2*3 + 3 + 3*1 + 1
        ((13,), (13,))
        >>> w[:] = 0.5
        >>> model.modules[1].bias.tolist()
        [0.5]
        >>> model.get_parameters()[0] is w
        True
        """
        pairs = self._param_pairs()
        same = _params.flat_storage(pairs)
        if same is not None:
            return same
        return _params.flatten(pairs, [m for m in walk(self) if not hasattr(m, "modules")],
                               type(self).__name__)

    def get_weights(self):
        """``[weight, bias]`` (copies are not made), or None without parameters."""
        pairs = self._param_pairs()
        return [w for w, _ in pairs] if pairs else None

    def set_weights(self, weights):
        """Copy ``weights`` (a list like ``get_weights()``) into the parameters."""
        owner = type(self).__name__
        pairs = self._param_pairs()
        if not isinstance(weights, (list, tuple)) or len(weights) != len(pairs):
            got = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ValueError(f"{owner}: expected a list of {len(pairs)} arrays, got {got}")
        new = []
        for (w, _), v in zip(pairs, weights):
            arr, _ = to_array(v, owner, w.dtype, "weights")
            new.append(fit_shape(arr, w.shape, owner, "weights"))
        for (w, _), arr in zip(pairs, new):
            w[...] = arr
        return self

    def zero_grad_parameters(self):
        for _, g in self._param_pairs():
            g.fill(0)
        return self

    def update_parameters(self, learning_rate):
        """``w -= learning_rate * grad`` for every parameter; the rate must be a finite
        number (checked before any parameter changes)."""
        lr = check_finite(learning_rate, type(self).__name__, "learning_rate")
        for w, g in self._param_pairs():
            w -= w.dtype.type(lr) * g
        return self

    def set_scale_w(self, scale):
        """Scale of the weight-gradient accumulation (BigDL's ``scaleW``): a finite number."""
        self._scale_w = check_finite(scale, type(self).__name__, "scale_w")
        return self

    def set_scale_b(self, scale):
        """Scale of the bias-gradient accumulation (BigDL's ``scaleB``): a finite number."""
        self._scale_b = check_finite(scale, type(self).__name__, "scale_b")
        return self

    def set_seed(self, seed=123):
        """Seed the global ``RNG`` (BigDL's ``RandomGenerator.RNG.setSeed``: global, not
        per layer); returns self."""
        RNG.set_seed(seed)
        return self

    def freeze(self, names=None):
        """Freeze this module (``names=None``) or the sub-modules called ``names`` (a name
        or a list of names): their gradient scales become 0, so they accumulate no
        parameter gradient (the gradient w.r.t. the input still flows) and the optim
        methods leave their weights where they are (BigDL's weight decay would still move
        them).  Returns self; an unknown name is a ValueError and nothing is frozen.

        Examples
        --------
        >>> from bigdl_py.nn import Linear, Sequential
        >>> model = Sequential(Linear(2, 2).set_name("fc1"), Linear(2, 1).set_name("fc2"))
        >>> model.freeze("fc1").modules[0].is_frozen(), model.modules[1].is_frozen()
        (True, False)
        """
        for m in self._find(names, "freeze"):
            m._set_frozen(True)
        return self

    def unfreeze(self, names=None):
        """Undo ``freeze`` on this module or the sub-modules called ``names`` (the scales
        are restored); returns self."""
        for m in self._find(names, "unfreeze"):
            m._set_frozen(False)
        return self

    def is_frozen(self):
        return self._frozen is not None

    def _set_frozen(self, frozen):
        """Freeze or unfreeze this module (a container also its children)."""
        if frozen and self._frozen is None:
            self._frozen = (self._scale_w, self._scale_b)
            self._scale_w = self._scale_b = 0.0
        elif not frozen and self._frozen is not None:
            self._scale_w, self._scale_b = self._frozen
            self._frozen = None

    def _find(self, names, what):
        """[self] for None, else the modules (self or nested) with those names."""
        if names is None:
            return [self]
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"{type(self).__name__}.{what}: expected a name or a list of "
                            f"names, got {names!r}")
        by_name = {}
        for m in walk(self):
            by_name.setdefault(m.name(), m)
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ValueError(f"{type(self).__name__}.{what}: expected names of modules in "
                             f"this model, got {missing[0]!r} (cannot match module named "
                             f"{missing[0]})")
        return [by_name[n] for n in names]

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

    # ---- saving ------------------------------------------------------------------------
    def _config(self):
        """The constructor's keyword arguments that rebuild this module's architecture
        and hyper-parameters (``type(self)(**self._config())``), for ``save_model``.  Every
        saveable layer with constructor arguments defines it (see ``nn.persist``); here:
        ``{}`` when the constructor takes none, else TypeError."""
        params = list(inspect.signature(type(self).__init__).parameters.values())[1:]
        if any(p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
            raise TypeError(f"save_model: cannot save a {type(self).__name__}: it defines no "
                            "_config() (its constructor arguments)")
        return {}

    def _saved_buffers(self):
        """``{name: ndarray}``: state arrays that are not parameters but belong in a model
        file (e.g. running statistics); none here."""
        return {}

    def save_model(self, path, over_write=False):
        """Save the architecture and parameters to one file (see ``bigdl_py.nn.persist``);
        reload with ``bigdl_py.nn.Model.load_model(path)``."""
        persist.save_model(self, path, over_write)
        return self

    def saveModel(self, modelPath, weightPath=None, over_write=False):
        """BigDL's name for ``save_model`` (one file holds the weights too, so
        ``weightPath`` must be None)."""
        if weightPath is not None:
            raise ValueError(f"{type(self).__name__}.saveModel: expected weightPath=None (a "
                             f"bigdl_py model file holds the weights), got {weightPath!r}")
        return self.save_model(modelPath, over_write)

    def save(self, path, over_write=False):
        """BigDL's name for ``save_model``."""
        return self.save_model(path, over_write)

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


class FusedGrads:
    """Mixin for a layer whose ``_grads(input, grad_output, want_input, want_params)``
    computes the input gradient and the parameter gradients in one pass: the three backward
    entry points call it.  ``_wants_input()`` says whether the input gradient is computed
    (SpatialConvolution's ``propagate_back``)."""

    def _wants_input(self):
        return True

    def update_grad_input(self, input, grad_output):
        return self._grads(input, grad_output, self._wants_input(), False)

    def acc_grad_parameters(self, input, grad_output):
        self._grads(input, grad_output, False, True)

    def _backward(self, input, grad_output):
        return self._grads(input, grad_output, self._wants_input(), True)
