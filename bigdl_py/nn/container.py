"""Containers: the ``Container`` base (children, mode and parameter propagation) and
``Sequential`` (BigDL's feed-forward chain)."""
from .._validate import check_finite
from ..random import RNG
from .module import Module, _short_str, walk

__all__ = ["Container", "Sequential", "walk"]

_NO_PARAMETERS = Module.acc_grad_parameters  # the base's no-op: nothing to accumulate
_STOCK_FORWARD, _STOCK_UPDATE = Module.forward, Module.update_parameters


def _rewrap(exc, message):
    """The same exception type with ``message``; the original when the type needs other
    constructor arguments."""
    try:
        return type(exc)(message)
    except Exception:
        return exc


class Container(Module):
    """A module made of child modules (``self.modules``).

    The mode, ``parameters()`` (leaf names), ``_param_pairs()`` (so ``get_weights``,
    ``set_weights``, ``zero_grad_parameters``, ``update_parameters`` and the optim
    methods see every leaf parameter), ``reset``, ``clear_state`` and the gradient scales
    propagate to the children.
    """

    def __init__(self, *modules):
        super().__init__()
        self.modules = []
        self._pending = None
        for m in modules:
            self.add(m)

    def add(self, module):
        """Append ``module`` as the last child; returns self (so calls chain)."""
        owner = type(self).__name__
        if not isinstance(module, Module):
            raise TypeError(f"{owner}.add: expected a bigdl_py Module, got "
                            f"{type(module).__name__}")
        if any(m is self for m in walk(module)):
            raise ValueError(f"{owner}.add: expected a module that does not contain this "
                             "container, got one that does (it would make a cycle)")
        self.modules.append(module)
        return self

    def _child_call(self, index, method, *args, what=None):
        """``modules[index].method(*args)``; an error is re-raised as the same type,
        naming the child (1-based, as BigDL), its ``str()`` and ``what`` it was doing
        (default: the method's name)."""
        child = self.modules[index]
        try:
            return getattr(child, method)(*args)
        except Exception as e:
            raise _rewrap(e, f"{type(self).__name__}: module {index + 1} ({_short_str(child)})"
                             f" failed in {what or method}: {e}") from e

    # ---- all or nothing ------------------------------------------------------------------
    # The two rules every container (Sequential, graphs, tables) keeps, so that a failing
    # child leaves the whole container as it was:
    # - forward: run the children inside ``_all_or_nothing``: on an error every module of
    #   the container and the global RNG are put back, so each child can still run the
    #   backward of the last successful forward (children reusing their buffers in a
    #   Tensor call keep two forward buffers in turn, see ``nn._call``, so the last
    #   successful outputs survive);
    # - backward: ``update_grad_input`` runs ``_grad_input_phase`` through every child
    #   (no parameter gradient changes) and records the children's (input, grad_output);
    #   ``acc_grad_parameters`` then runs ``_acc_phase`` on each (``_acc_pending``), which
    #   cannot fail on arrays that passed the first phase.  Module._backward runs the two
    #   in that order, so ``backward`` is all or nothing.
    _guarded = True  # False: no snapshots (the Optimizer's training loop, see _unguard)

    def _all_or_nothing(self, run, *args):
        """``run(*args)``; if it raises, every module in this container (itself included)
        and ``RNG`` are restored to their state before the call, then the error goes on."""
        if not self._guarded:
            self._pending = None  # as below: a new forward
            return run(*args)
        rng = RNG.get_state()
        snaps = [(m, m._forward_snapshot()) for m in walk(self)]
        self._pending = None  # a new forward: no parameter gradients wait for the old one
        try:
            return run(*args)
        except BaseException:
            for m, snap in snaps:
                m._restore_forward(snap)
            RNG.set_state(rng)
            raise

    def _acc_pending(self):
        """Second backward phase: ``_acc_phase`` of each child recorded by the first
        (``self._pending``: [(child index, input, grad_output)]), then forget them."""
        pending, self._pending = self._pending, None
        for i, x, g in pending or ():
            if type(self.modules[i]).acc_grad_parameters is not _NO_PARAMETERS:
                self._child_call(i, "_acc_phase", x, g, what="backward")

    def acc_grad_parameters(self, input, grad_output):
        """The children's parameter gradients recorded by ``update_grad_input``; called on
        its own (BigDL allows it), it runs the first phase itself."""
        if self.modules and self._pending is None:
            self.update_grad_input(input, grad_output)
        self._acc_pending()

    # ---- persistence ------------------------------------------------------------------
    def _config(self):
        return {}

    @classmethod
    def _from_config(cls, config, children):
        """Rebuild from ``_config()`` and the rebuilt children (``load_model``); a
        container with more structure than a list of children overrides both."""
        m = cls(**config)
        for c in children:
            m.add(c)
        return m

    # ---- propagation ------------------------------------------------------------------
    def training(self):
        for m in self.modules:
            m.training()
        return super().training()

    def evaluate(self, *args, **kwargs):
        if args or kwargs:  # test mode: Module.evaluate(data, ...)
            return super().evaluate(*args, **kwargs)
        for m in self.modules:
            m.evaluate()
        return super().evaluate()

    def _set_frozen(self, frozen):
        for m in self.modules:
            m._set_frozen(frozen)
        super()._set_frozen(frozen)

    def _param_pairs(self):
        return [p for m in self.modules for p in m._param_pairs()]

    def parameters(self):
        out = {}
        for m in self.modules:
            out.update(m.parameters())
        return out

    def zero_grad_parameters(self):
        for m in self.modules:
            m.zero_grad_parameters()
        return self

    def _step(self, lr):
        # update_parameters (the base's) checked lr: the children skip the check unless
        # they override update_parameters
        for m in self.modules:
            if type(m).update_parameters is _STOCK_UPDATE:
                m._step(lr)
            else:
                m.update_parameters(lr)

    def set_scale_w(self, scale):
        scale = check_finite(scale, type(self).__name__, "scale_w")
        for m in self.modules:
            m.set_scale_w(scale)
        return super().set_scale_w(scale)

    def set_scale_b(self, scale):
        scale = check_finite(scale, type(self).__name__, "scale_b")
        for m in self.modules:
            m.set_scale_b(scale)
        return super().set_scale_b(scale)

    def reset(self):
        for m in self.modules:
            m.reset()
        return self

    def clear_state(self):
        self._pending = None
        for m in self.modules:
            m.clear_state()
        return super().clear_state()


class Sequential(Container):
    """Plug modules together in a feed-forward chain: ``forward`` feeds each child the
    previous child's output; ``backward`` runs the children in reverse, each with its own
    input, accumulating their parameter gradients.

    ``Sequential().add(a).add(b)`` or ``Sequential(a, b)``.  The children exchange
    ndarrays or tables (lists); the Sequential takes what its first child takes (an
    array, a table, or either).  An ndarray or list input gives fresh arrays throughout
    (the caller owns the result).  A Tensor input gives this Sequential's own reused
    output Tensor, and every child reuses its output and gradient buffers (no allocation
    in a training loop; a child's ``output`` is overwritten by a later forward, so
    ``clone()`` what you keep); a child used twice in the chain gets fresh arrays on its
    second call.  An error
    in a child is re-raised as the same exception type, prefixed with
    ``"Sequential: module <i> (<child>) failed in <forward|backward>: "`` (1-based).

    All or nothing (see ``Container``): a forward that fails in child k restores every
    child (masks, RNG) to the last successful forward; ``update_grad_input`` runs the
    children's input gradients from last to first and ``acc_grad_parameters``
    accumulates their parameter gradients only after all of them succeeded.  Without
    children it is the identity.

    Examples
    --------
    >>> from bigdl_py.nn import ReLU, SoftMax
    >>> model = Sequential().add(ReLU().set_name("relu")).add(SoftMax().set_name("prob"))
    >>> print(model.set_name("seq"))
    Sequential[seq]{
      [input -> (1) -> (2) -> output]
      (1): ReLU[relu](0.0, 0.0)
      (2): SoftMax[prob]
    }
    >>> model.forward([[-1.0, 0.0]])
    array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, *modules):
        super().__init__(*modules)
        self._inputs = None

    def _takes_table(self):
        return self.modules[0]._takes_table() if self.modules else False

    def update_output(self, input):
        if not self.modules:
            out = self._buffer("output", input.shape, input.dtype)
            out[...] = input
            return out
        return self._all_or_nothing(self._chain_forward, input)

    def _chain_forward(self, input):
        # a call reusing buffers (a Tensor in, or this Sequential is a child of one) makes
        # the children reuse theirs: its pass token, and two buffers each when guarded
        # (a child overriding ``forward`` gets its own method, without buffer reuse)
        inputs, out = [], input
        token, keep = self._token, self._keep or self._guarded
        for i, m in enumerate(self.modules):
            inputs.append(out)
            if type(m).forward is _STOCK_FORWARD:
                out = self._child_call(i, "_forward", out, token, keep, what="forward")
            else:
                out = self._child_call(i, "forward", out)
        self._inputs = inputs
        return out

    def update_grad_input(self, input, grad_output):
        if not self.modules:
            self._check_grad(grad_output, input)
            out = self._buffer("grad_input", input.shape, input.dtype)
            out[...] = grad_output
            return out
        if self._inputs is None:
            if self._training:  # e.g. after clear_state: masks would be drawn anew
                raise RuntimeError("Sequential: expected forward before backward in "
                                   "training mode, got backward first")
            self.update_output(input)  # evaluation mode: the chain's inputs
        g, pending, token = grad_output, [], self._token
        for i in range(len(self.modules) - 1, -1, -1):
            g, x, gc = self._child_call(i, "_grad_input_phase",
                                        input if i == 0 else self._inputs[i], g, token,
                                        what="backward")
            pending.append((i, x, gc))
        self._pending = pending
        return g

    def clear_state(self):
        self._inputs = None
        return super().clear_state()

    def _str(self, line):
        # BigDL's Sequential.toString: children get setLine(line + tab), so a nested
        # Sequential is indented; other children print with their own "\n".
        tab = line + "  "
        chain = " -> ".join(f"({i + 1})" for i in range(len(self.modules)))
        body = tab.join(f"({i + 1}): {m._str(tab)}" for i, m in enumerate(self.modules))
        return f"{self._print_name()}{{{tab}[input -> {chain} -> output]{tab}{body}{line}}}"

    def __str__(self):
        return self._str("\n")

    __repr__ = __str__
