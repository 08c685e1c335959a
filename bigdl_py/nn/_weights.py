"""``Module``'s parameter methods: BigDL's ``parameters()``, ``getParameters`` (one flat
weight and one flat gradient vector, ``nn._params``), ``get_weights``/``set_weights``,
``zero_grad_parameters``, ``update_parameters``, the gradient scales and ``freeze``."""
from ..random import RNG
from .._validate import check_finite, check_sequence, fit_shape, to_array
from . import _params
from ._tree import walk

__all__ = ["Weights"]


class Weights:
    """The parameter methods of ``Module``; a leaf layer with weights sets ``weight``,
    ``bias`` (may be None), ``grad_weight`` and ``grad_bias``."""

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
        check_sequence(weights, len(pairs), owner, f"a list of {len(pairs)} arrays")
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
        self._step(check_finite(learning_rate, type(self).__name__, "learning_rate"))
        return self

    def _step(self, lr):
        """``update_parameters``' work, ``lr`` checked (a container checks it once)."""
        for w, g in self._param_pairs():
            w -= w.dtype.type(lr) * g

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
