"""Optimisation methods: ``OptimMethod`` (state, save/load), ``SGD`` and ``Adam`` with
BigDL's (Torch7's) update formulas.

``optimize(pairs)`` applies one step in place to ``[(parameter, gradient), ...]`` (the
model's ``_param_pairs()``).  The state is per parameter (momentum buffers, moments) plus
the counters ``evalCounter`` (steps taken, drives the learning-rate decay), ``epoch`` and
``neval`` (kept by the Optimizer, BigDL's names), so training continues where it stopped
across ``optimize()`` calls and across ``save``/``OptimMethod.load``.
"""
import math
import numbers

import numpy as np

from .._bigdl_names import DOUBLEMAX

__all__ = ["OptimMethod", "SGD", "Adam"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} ndarray"
    return type(value).__name__


def _number(value, owner, name, low=0.0, high=math.inf, high_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: expected {name} to be a number, got {value!r}")
    value = float(value)
    ok = low <= value and (value < high if high_open else value <= high)
    if not ok or math.isnan(value) or math.isinf(value):
        top = f"{high})" if high_open else f"{high}]"
        raise ValueError(f"{owner}: expected {name} in [{low}, {top}, got {value}")
    return value


class OptimMethod:
    """Base of the optimisation methods.

    Attributes
    ----------
    state : dict
        ``epoch`` (1-based), ``neval`` (1-based number of the next iteration) and
        ``evalCounter`` (steps taken), plus what the Optimizer records (``Loss``,
        ``score``).
    """

    _buffer_names = ()

    def __init__(self):
        self.state = {"epoch": 1, "neval": 1, "evalCounter": 0}
        self._buffers = []  # per parameter: {name: ndarray}

    def optimize(self, pairs, frozen=None):
        """One step: update every parameter in place from its gradient; returns self.

        Everything is checked first (:meth:`_prepare_step`): a bad pair or buffer raises
        before any parameter, buffer or counter changes.  ``frozen`` (one bool per pair,
        e.g. from ``module.freeze``) leaves those parameters and their state untouched
        (weight decay does not move them either).
        """
        pairs = self._prepare_step(pairs)
        if frozen is not None and any(frozen):
            keep = [i for i, f in enumerate(frozen) if not f]
            self._step([pairs[i] for i in keep], [self._buffers[i] for i in keep])
        else:
            self._step(pairs, self._buffers)
        self.state["evalCounter"] += 1
        return self

    def _prepare_step(self, pairs):
        """The pre-step validation every optim method runs before it changes anything.

        Checks every ``(parameter, gradient)`` pair and every state buffer and returns the
        pairs as a list, each gradient as an ndarray of its parameter's dtype; creates the
        (empty) per-parameter buffer dicts on the first step.  Rules:

        - a parameter is a writable float32/float64 ndarray;
        - a gradient is a Tensor or a real ndarray of the parameter's shape; a float
          gradient of the other float dtype is **cast** to the parameter's dtype (the
          SPEC's rule for data meeting parameters: inputs and ``set_weights`` are cast to
          the parameter dtype); integer, bool or complex gradients are a TypeError;
        - the number of parameters is the one of the previous steps, and every buffer
          (momentum, moments, ...) is a writable ndarray of its parameter's dtype and
          shape, with a name in ``_buffer_names``.

        TypeError / ValueError ``"<Method>: expected ..., got ..."``, raised before any
        parameter, buffer or counter changes.  A method that overrides ``optimize`` (e.g.
        with a fused kernel) calls this first and updates only what it returns.
        """
        from ..tensor import Tensor
        owner = type(self).__name__
        if isinstance(pairs, (str, bytes)):
            raise TypeError(f"{owner}: expected a list of (parameter, gradient) pairs, got "
                            f"{type(pairs).__name__}")
        try:
            pairs = list(pairs)
        except TypeError:
            raise TypeError(f"{owner}: expected a list of (parameter, gradient) pairs, got "
                            f"{type(pairs).__name__}") from None
        if self._buffers and len(self._buffers) != len(pairs):
            raise ValueError(f"{owner}: expected {len(self._buffers)} parameters (as in the "
                             f"previous steps), got {len(pairs)}")
        out = []
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{owner}: expected pair {i} as (parameter, gradient), got "
                                f"{type(pair).__name__}")
            w, g = pair
            if isinstance(w, Tensor):
                w = w.numpy()
            if not isinstance(w, np.ndarray) or w.dtype not in _FLOATS:
                raise TypeError(f"{owner}: expected parameter {i} as a float32 or float64 "
                                f"ndarray, got {_describe(w)}")
            if not w.flags.writeable:
                raise ValueError(f"{owner}: expected parameter {i} writable, got a read-only "
                                 "array")
            if isinstance(g, Tensor):
                g = g.numpy()
            if not isinstance(g, np.ndarray) or g.dtype not in _FLOATS:
                raise TypeError(f"{owner}: expected gradient {i} as a float32 or float64 "
                                f"ndarray, got {_describe(g)}")
            if g.shape != w.shape:
                raise ValueError(f"{owner}: expected gradient {i} of shape {w.shape}, got "
                                 f"{g.shape}")
            if self._buffers:
                self._check_buffers(i, w, self._buffers[i])
            out.append((w, g if g.dtype == w.dtype else g.astype(w.dtype)))
        if not self._buffers:
            self._buffers = [{} for _ in out]
        return out

    def _check_buffers(self, i, w, buf):
        owner = type(self).__name__
        if not isinstance(buf, dict):
            raise TypeError(f"{owner}: expected the state of parameter {i} as a dict, got "
                            f"{type(buf).__name__}")
        for name, b in buf.items():
            if name not in self._buffer_names:
                raise ValueError(f"{owner}: expected state buffers named "
                                 f"{list(self._buffer_names)}, got {name!r}")
            if not isinstance(b, np.ndarray) or b.dtype != w.dtype:
                raise TypeError(f"{owner}: expected state buffer {name!r} of parameter {i} "
                                f"as a {w.dtype} ndarray (the parameter's dtype), got "
                                f"{_describe(b)}")
            if b.shape != w.shape:
                raise ValueError(f"{owner}: expected parameter {i} of shape {b.shape} (as "
                                 f"in the previous steps), got {w.shape}")
            if not b.flags.writeable:
                raise ValueError(f"{owner}: expected state buffer {name!r} of parameter "
                                 f"{i} writable, got a read-only array")

    def clear_history(self):
        """Forget the per-parameter buffers (momentum, moments); counters are kept."""
        self._buffers = []
        return self

    def _step(self, pairs, buffers):
        raise NotImplementedError

    def _config(self):
        """The constructor's keyword arguments, for ``save`` and ``repr``."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({args})"

    # ---- persistence --------------------------------------------------------------------
    def save(self, path, over_write=False):
        """Write the hyper-parameters, counters and buffers to ``path`` atomically."""
        from .._archive import VERSION, write_archive
        arrays, buffers = {}, []
        for buf in self._buffers:
            entry = {}
            for name, arr in buf.items():
                entry[name] = f"a{len(arrays)}"
                arrays[entry[name]] = arr
            buffers.append(entry)
        state = {k: v for k, v in self.state.items()
                 if v is None or isinstance(v, (bool, int, float, str))}
        meta = {"format": "optim_method", "version": VERSION, "class": type(self).__name__,
                "config": self._config(), "state": state, "buffers": buffers}
        write_archive(path, meta, arrays, over_write, f"{type(self).__name__}.save")
        return self

    @staticmethod
    def load(path):
        """The optim method saved at ``path`` (SGD or Adam, with its state); ValueError
        for a damaged, foreign or hostile file."""
        import os

        from .._archive import expect, read_archive
        owner = "OptimMethod.load"
        meta, arrays = read_archive(path, "optim_method", owner)

        def err(cond, what):
            expect(cond, owner, os.fspath(path), what)

        cls = {"SGD": SGD, "Adam": Adam}.get(meta.get("class"))
        err(cls is not None, f"unknown optim method {meta.get('class')!r}")
        config, state, buffers = meta.get("config"), meta.get("state"), meta.get("buffers")
        err(isinstance(config, dict) and isinstance(state, dict) and isinstance(buffers, list),
            "bad layout")
        try:
            method = cls(**config)
        except (TypeError, ValueError) as e:
            err(False, f"bad {cls.__name__} configuration: {e}")
        for key in ("epoch", "neval", "evalCounter"):
            v = state.get(key)
            err(isinstance(v, int) and not isinstance(v, bool) and v >= 0, f"bad {key}")
        err(all(v is None or isinstance(v, (bool, int, float, str)) for v in state.values()),
            "bad state values")
        method.state = dict(state)
        for entry in buffers:
            err(isinstance(entry, dict) and set(entry) <= set(cls._buffer_names)
                and all(isinstance(k, str) and k in arrays for k in entry.values()),
                "bad buffer entry")
            bufs = {n: arrays[k] for n, k in entry.items()}
            err(all(b.dtype in _FLOATS for b in bufs.values()),
                "a state buffer is not float32 or float64")
            err(len({(b.dtype, b.shape) for b in bufs.values()}) <= 1,
                "the state buffers of one parameter differ in dtype or shape")
            method._buffers.append({n: b.copy() for n, b in bufs.items()})
        return method


class SGD(OptimMethod):
    """Stochastic gradient descent with BigDL's (Torch7's) options.

    At step ``n`` (``evalCounter``, from 0), for each parameter ``x`` with gradient ``g``:

    - ``clr = learningrate / (1 + n * learningrate_decay)``
    - ``g = g + weightdecay * x``
    - with momentum: ``v = g`` on the first step, then ``v = momentum * v +
      (1 - dampening) * g``; ``g = g + momentum * v`` if ``nesterov`` else ``g = v``
    - ``x = x - clr * g``

    ``dampening=None`` (or BigDL's ``DOUBLEMAX``) means "equal to momentum" (BigDL/Torch7's
    default); Nesterov
    needs ``momentum > 0`` and ``dampening=0``.  The gradients are not modified.

    Examples
    --------
    >>> import numpy as np
    >>> w, g = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    >>> _ = SGD(learningrate=0.1).optimize([(w, g)])
    >>> w
    array([0.95, 2.05])
    """

    _buffer_names = ("dfdx",)

    def __init__(self, learningrate=1e-3, learningrate_decay=0.0, weightdecay=0.0,
                 momentum=0.0, dampening=None, nesterov=False):
        super().__init__()
        o = "SGD"
        self.learningrate = _number(learningrate, o, "learningrate")
        self.learningrate_decay = _number(learningrate_decay, o, "learningrate_decay")
        self.weightdecay = _number(weightdecay, o, "weightdecay")
        self.momentum = _number(momentum, o, "momentum")
        # BigDL's Python default is dampening=DOUBLEMAX, meaning "equal to momentum"
        self.dampening = None if dampening is None or dampening == DOUBLEMAX else \
            _number(dampening, o, "dampening", -math.inf)
        if not isinstance(nesterov, bool):
            raise TypeError(f"SGD: expected nesterov to be a bool, got {nesterov!r}")
        self.nesterov = nesterov
        if nesterov and (self.momentum <= 0 or self._damp() != 0):
            raise ValueError(f"SGD: Nesterov momentum needs momentum > 0 and dampening=0, got "
                             f"momentum={self.momentum}, dampening={dampening} (None means "
                             "equal to momentum)")

    def _damp(self):
        return self.momentum if self.dampening is None else self.dampening

    def _config(self):
        return {"learningrate": self.learningrate,
                "learningrate_decay": self.learningrate_decay,
                "weightdecay": self.weightdecay, "momentum": self.momentum,
                "dampening": self.dampening, "nesterov": self.nesterov}

    def current_rate(self):
        """The learning rate of the next step: ``lr / (1 + evalCounter * decay)``."""
        return self.learningrate / (1 + self.state["evalCounter"] * self.learningrate_decay)

    def _step(self, pairs, buffers):
        clr, wd, mom, damp = self.current_rate(), self.weightdecay, self.momentum, self._damp()
        for (x, g), buf in zip(pairs, buffers):
            t = x.dtype.type
            d = g + t(wd) * x if wd else g
            if mom:
                v = buf.get("dfdx")
                if v is None:
                    v = buf["dfdx"] = np.array(d, dtype=x.dtype)
                else:
                    v *= t(mom)
                    v += t(1 - damp) * d
                d = d + t(mom) * v if self.nesterov else v
            x -= t(clr) * d


class Adam(OptimMethod):
    """Adam (Kingma and Ba) as in BigDL: at step ``t = evalCounter + 1``,

    - ``clr = learningrate / (1 + (t - 1) * learningrate_decay)``
    - ``s = beta1 * s + (1 - beta1) * g``;  ``r = beta2 * r + (1 - beta2) * g**2``
    - ``x = x - clr * sqrt(1 - beta2**t) / (1 - beta1**t) * s / (sqrt(r) + epsilon)``

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> _ = Adam(learningrate=0.1).optimize([(w, np.array([3.0]))])
    >>> w.round(6)  # the first step moves by about learningrate
    array([0.9])
    """

    _buffer_names = ("s", "r")

    def __init__(self, learningrate=1e-3, learningrate_decay=0.0, beta1=0.9, beta2=0.999,
                 epsilon=1e-8):
        super().__init__()
        o = "Adam"
        self.learningrate = _number(learningrate, o, "learningrate")
        self.learningrate_decay = _number(learningrate_decay, o, "learningrate_decay")
        self.beta1 = _number(beta1, o, "beta1", 0.0, 1.0, high_open=True)
        self.beta2 = _number(beta2, o, "beta2", 0.0, 1.0, high_open=True)
        self.epsilon = _number(epsilon, o, "epsilon")

    def _config(self):
        return {"learningrate": self.learningrate,
                "learningrate_decay": self.learningrate_decay,
                "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}

    def _step(self, pairs, buffers):
        n = self.state["evalCounter"]
        clr = self.learningrate / (1 + n * self.learningrate_decay)
        t = n + 1
        step = clr * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
        for (x, g), buf in zip(pairs, buffers):
            c = x.dtype.type
            s = buf.setdefault("s", np.zeros_like(x))
            r = buf.setdefault("r", np.zeros_like(x))
            s *= c(self.beta1)
            s += c(1 - self.beta1) * g
            r *= c(self.beta2)
            r += c(1 - self.beta2) * (g * g)
            denom = np.sqrt(r)
            denom += c(self.epsilon)
            x -= c(step) * (s / denom)
