"""``SGD``: BigDL's stochastic gradient descent, with learning-rate schedules
(``schedule.py``), per-element rates and decays, momentum and Nesterov."""
import math

import numpy as np

from .. import _optim
from ..parallel import get_num_threads
from .._bigdl_names import DOUBLEMAX
from .._validate import check_bool, to_array
from .optim_method import OptimMethod, _number
from .schedule import Default, LearningRateSchedule

__all__ = ["SGD"]


class SGD(OptimMethod):
    """Stochastic gradient descent with BigDL's (Torch7's) options.

    At each step, for each parameter ``x`` with gradient ``g`` (already clipped, when the
    Optimizer clips):

    - ``clr`` = the schedule's rate (default ``Default()``: ``learningrate / (1 + n *
      learningrate_decay)``, ``n`` = steps taken; see ``bigdl_py.optim.schedule``)
    - ``g = g + weightdecay * x`` (or ``+ weightdecays * x`` when ``weightdecay`` is 0)
    - with momentum: ``v = g`` on the first step, then ``v = momentum * v +
      (1 - dampening) * g``; ``g = g + momentum * v`` if ``nesterov`` else ``g = v``
    - ``x = x - clr * g`` (or ``x - clr * (learningrates * g)``)

    ``dampening=None`` (or BigDL's ``DOUBLEMAX``) means "equal to momentum" (BigDL/Torch7's
    default); Nesterov
    needs ``momentum > 0`` and ``dampening=0``.  ``learningrates`` and ``weightdecays``
    are per-element arrays over all the parameters, flattened and concatenated in
    ``_param_pairs()`` order (BigDL's flat parameter vector).  ``leaningrate_schedule``
    is BigDL's spelling; ``learningrate_schedule`` is accepted too.  The gradients are
    not modified.

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
                 momentum=0.0, dampening=None, nesterov=False, leaningrate_schedule=None,
                 learningrates=None, weightdecays=None, *, learningrate_schedule=None):
        super().__init__()
        o = "SGD"
        self.learningrate = _number(learningrate, o, "learningrate")
        self.learningrate_decay = _number(learningrate_decay, o, "learningrate_decay")
        self.weightdecay = _number(weightdecay, o, "weightdecay")
        self.momentum = _number(momentum, o, "momentum")
        # BigDL's Python default is dampening=DOUBLEMAX, meaning "equal to momentum"
        self.dampening = None if dampening is None or dampening == DOUBLEMAX else \
            _number(dampening, o, "dampening", -math.inf)
        self.nesterov = check_bool(nesterov, o, "nesterov")
        if nesterov and (self.momentum <= 0 or self._damp() != 0):
            raise ValueError(f"SGD: Nesterov momentum needs momentum > 0 and dampening=0, got "
                             f"momentum={self.momentum}, dampening={dampening} (None means "
                             "equal to momentum)")
        if leaningrate_schedule is not None and learningrate_schedule is not None:
            raise TypeError("SGD: expected one of leaningrate_schedule (BigDL's spelling) and "
                            "learningrate_schedule, got both")
        schedule = leaningrate_schedule if learningrate_schedule is None \
            else learningrate_schedule
        schedule = Default() if schedule is None else schedule
        if not isinstance(schedule, LearningRateSchedule):
            raise TypeError(f"SGD: expected a learning-rate schedule, got "
                            f"{type(schedule).__name__}")
        self.leaningrate_schedule = schedule
        self.learningrates = _per_element(learningrates, "learningrates")
        self.weightdecays = _per_element(weightdecays, "weightdecays")

    def _damp(self):
        return self.momentum if self.dampening is None else self.dampening

    def _config(self):
        return {"learningrate": self.learningrate,
                "learningrate_decay": self.learningrate_decay,
                "weightdecay": self.weightdecay, "momentum": self.momentum,
                "dampening": self.dampening, "nesterov": self.nesterov,
                "leaningrate_schedule": self.leaningrate_schedule}

    def _saved_config(self):
        return dict(self._config(), leaningrate_schedule=self.leaningrate_schedule.to_dict())

    def _config_arrays(self):
        return {k: v for k, v in (("learningrates", self.learningrates),
                                  ("weightdecays", self.weightdecays)) if v is not None}

    @classmethod
    def _from_config(cls, config, arrays):
        config = dict(config)
        saved = config.get("leaningrate_schedule")  # absent in files of older versions
        if saved is not None:
            config["leaningrate_schedule"] = LearningRateSchedule.from_dict(saved)
        return cls(**config, **arrays)

    def get_learning_rate(self):
        """The rate of the last step (positive; BigDL's ``getLearningRate`` is its negative),
        ``learningrate`` before the first step."""
        return self.state.get("clr", self.learningrate)

    def _prepare_step(self, pairs):
        """The base checks, then ``learningrates``/``weightdecays`` against the parameters'
        total size (still before anything changes)."""
        fresh = not self._buffers
        pairs = super()._prepare_step(pairs)
        ends = np.cumsum([0] + [w.size for w, _ in pairs])
        for name in ("learningrates", "weightdecays"):
            arr = getattr(self, name)
            if arr is not None and arr.size != ends[-1]:
                if fresh:
                    self._buffers = []
                raise ValueError(f"SGD: expected {name} with one value per parameter element "
                                 f"({ends[-1]}), got {arr.size}")
        self._ends = ends
        return pairs

    def _check_model(self, params, owner):
        super()._check_model(params, owner)
        n = sum(w.size for w in params)
        for name in ("learningrates", "weightdecays"):
            arr = getattr(self, name)
            if arr is not None and arr.size != n:
                raise ValueError(f"{owner}: expected SGD's {name} with one value per "
                                 f"parameter element of the model ({n}), got {arr.size}")

    def _count_step(self):
        """The schedule counted the step (all but Plateau do, as BigDL)."""

    def _step(self, pairs, buffers):
        self._runner(pairs, buffers, self._kept)()

    def _runner(self, pairs, buffers, kept):
        """One fused ``_optim.sgd`` call per parameter; flat views and the slices of
        ``learningrates``/``weightdecays`` are made here, once."""
        ends = self._ends
        todo = []
        for (x, g), buf, i in zip(pairs, buffers, kept):
            lrs, wds = (_EMPTY[x.dtype.char] if a is None else
                        np.ascontiguousarray(a[ends[i]:ends[i + 1]], dtype=x.dtype)
                        for a in (self.learningrates, self.weightdecays))
            flat = x.flags.c_contiguous and g.flags.c_contiguous and g.dtype == x.dtype
            todo.append([x, g, buf, lrs, wds, x.reshape(-1) if flat else None,
                         g.reshape(-1) if flat else None, None])

        def run():
            clr = self.state["clr"] = float(self.leaningrate_schedule.update(self))
            wd, mom, damp, nesterov = self.weightdecay, self.momentum, self._damp(), \
                self.nesterov
            nt = get_num_threads()
            for t in todo:
                x, g, buf, lrs, wds, xf, gf, v = t
                first = False
                if v is None:  # the momentum buffer: found or made at the first step, kept
                    first = mom != 0 and "dfdx" not in buf
                    v = self._buffer(buf, "dfdx", x) if mom != 0 else _EMPTY[x.dtype.char]
                    if xf is not None and v.flags.c_contiguous:
                        t[7] = v = v.reshape(-1)
                if xf is None:  # a non-contiguous parameter: through copies
                    self._fused(_optim.sgd, x, g, [v], clr, wd, mom, damp, nesterov, first,
                                lrs, wds)
                else:
                    _optim.sgd(xf, gf, v, clr, wd, mom, damp, nesterov, first, lrs, wds, nt)
        return run


_EMPTY = {np.dtype(t).char: np.empty(0, t) for t in (np.float32, np.float64)}


def _per_element(value, name):
    """None, or a 1-D float64 copy of ``value`` (SGD's learningrates/weightdecays)."""
    if value is None:
        return None
    arr, _ = to_array(value, "SGD", np.float64, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"SGD: expected finite {name}, got non-finite values")
    return arr.reshape(-1).copy()
