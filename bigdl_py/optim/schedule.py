"""Learning-rate schedules for ``SGD(..., leaningrate_schedule=...)`` (BigDL's formulas and
iteration indexing, FRAMEWORK.md §5.2-§5.4).

Before each SGD step the schedule's ``update(sgd)`` sets the rate of that step from the
SGD's ``learningrate`` and its state: ``n = state["evalCounter"]`` (0 at the first step of
a fresh optim method) and ``state["epoch"]`` (1-based).  Every schedule but ``Plateau``
then counts the step (``evalCounter += 1``), as BigDL.  Only ``Default`` reads
``learningrate_decay``.  Rates are positive here (BigDL stores them negated).

A schedule holds state (its rate, Plateau's best value, SequentialSchedule's position); it
is saved and loaded with its SGD.  ``Plateau`` is in ``plateau.py``.
"""
import math

import numpy as np

from .._validate import check_bool, check_int, check_int_tuple, check_number

__all__ = ["LearningRateSchedule", "Default", "Poly", "Step", "MultiStep", "Exponential",
           "NaturalExp", "Warmup", "SequentialSchedule"]


def _f32(value):
    """BigDL takes these as Scala Floats: 0.03 is 0.029999999329..."""
    return float(np.float32(value))


class LearningRateSchedule:
    """Base: ``rate(sgd, n)`` for the stateless schedules; ``update(sgd)`` per step."""

    exclude_iterations = 0  # set by SequentialSchedule.add
    exclude_epochs = 0
    max_iterations = None
    current_rate = 0.0  # the rate of the last step
    _BASE_STATE = ("exclude_iterations", "exclude_epochs", "max_iterations", "current_rate")
    _state_names = ()
    _saved = {}  # class name -> class: the schedules of bigdl_py.optim, for from_dict

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("bigdl_py.optim."):
            LearningRateSchedule._saved[cls.__name__] = cls

    def update(self, sgd):
        """Set ``self.current_rate`` for the coming step and count the step."""
        n = sgd.state["evalCounter"]
        self.current_rate = self.rate(sgd, n)
        sgd.state["evalCounter"] = n + 1
        return self.current_rate

    def rate(self, sgd, n):
        raise NotImplementedError

    # ---- persistence and printing -------------------------------------------------------
    _CONFIG = ()  # the constructor's arguments, each kept as the attribute of its name

    def _config(self):
        return {k: getattr(self, k) for k in self._CONFIG}

    def to_dict(self):
        state = {k: getattr(self, k) for k in self._BASE_STATE + self._state_names}
        return {"class": type(self).__name__, "config": self._config(), "state": state}

    @staticmethod
    def from_dict(d):
        """The schedule ``to_dict`` described (ValueError/TypeError for a bad one)."""
        cls = LearningRateSchedule._saved.get(d.get("class")) if isinstance(d, dict) else None
        if cls is None or not isinstance(d.get("config"), dict) or \
                not isinstance(d.get("state"), dict):
            raise ValueError(f"LearningRateSchedule: expected a saved schedule, got {d!r}")
        s = cls(**d["config"])
        for k, v in d["state"].items():
            if k not in cls._BASE_STATE + cls._state_names:
                raise ValueError(f"LearningRateSchedule: unknown state {k!r}")
            if isinstance(v, bool) or not (v is None or isinstance(v, (int, float))):
                raise ValueError(f"LearningRateSchedule: expected a number as state {k!r}, "
                                 f"got {v!r:.40}")
            setattr(s, k, v)
        if isinstance(s, SequentialSchedule):
            children = d.get("children", [])
            if not isinstance(children, list) or not isinstance(s.current, int) or \
                    not 0 <= s.current < max(len(children), 1):
                raise ValueError("LearningRateSchedule: expected a SequentialSchedule's "
                                 "children and position, got a damaged one")
            s.schedules = [LearningRateSchedule.from_dict(c) for c in children]
        return s

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({args})"


class Default(LearningRateSchedule):
    """``lr / (1 + n * learningrate_decay)`` (the SGD's decay; BigDL's default)."""

    def rate(self, sgd, n):
        return sgd.learningrate / (1 + (n - self.exclude_iterations) * sgd.learningrate_decay)


class Poly(LearningRateSchedule):
    """``lr * (1 - n / max_iteration) ** power``, and 0 once ``n > max_iteration``.  As in
    BigDL, ``n`` is the global step count even inside a SequentialSchedule."""

    _CONFIG = ("power", "max_iteration")

    def __init__(self, power, max_iteration):
        self.power = check_number(power, "Poly", "power")
        self.max_iteration = check_int(max_iteration, "Poly", "max_iteration", minimum=1)

    def rate(self, sgd, n):
        if n > self.max_iteration:
            return 0.0
        return sgd.learningrate * (1 - n / self.max_iteration) ** self.power


class Step(LearningRateSchedule):
    """``lr * gamma ** floor(n / step_size)``."""

    _CONFIG = ("step_size", "gamma")

    def __init__(self, step_size, gamma):
        self.step_size = check_int(step_size, "Step", "step_size", minimum=1)
        self.gamma = check_number(gamma, "Step", "gamma")

    def rate(self, sgd, n):
        return sgd.learningrate * self.gamma ** ((n - self.exclude_iterations) // self.step_size)


class MultiStep(LearningRateSchedule):
    """``lr * gamma ** (number of step_sizes s with n >= s)``."""

    _CONFIG = ("step_sizes", "gamma")

    def __init__(self, step_sizes, gamma):
        sizes = list(check_int_tuple(step_sizes, "MultiStep", "step_sizes", 0, nonempty=True))
        if sizes != sorted(sizes):
            raise ValueError(f"MultiStep: expected increasing step_sizes, got {step_sizes!r}")
        self.step_sizes = sizes
        self.gamma = check_number(gamma, "MultiStep", "gamma")

    def rate(self, sgd, n):
        n -= self.exclude_iterations
        return sgd.learningrate * self.gamma ** sum(n >= s for s in self.step_sizes)


class Exponential(LearningRateSchedule):
    """``lr * decay_rate ** (n / decay_step)``; with ``stair_case`` the exponent is
    ``floor(n / decay_step)``."""

    _CONFIG = ("decay_step", "decay_rate", "stair_case")

    def __init__(self, decay_step, decay_rate, stair_case=False):
        self.decay_step = check_int(decay_step, "Exponential", "decay_step", minimum=1)
        self.decay_rate = check_number(decay_rate, "Exponential", "decay_rate")
        self.stair_case = check_bool(stair_case, "Exponential", "stair_case")

    def rate(self, sgd, n):
        n -= self.exclude_iterations
        p = n // self.decay_step if self.stair_case else n / self.decay_step
        return sgd.learningrate * self.decay_rate ** p


class NaturalExp(LearningRateSchedule):
    """``lr * exp(-gamma * floor(n / decay_step))`` (BigDL's Scala class; BigDL 2.4 has no
    Python wrapper for it)."""

    _CONFIG = ("decay_step", "gamma")

    def __init__(self, decay_step, gamma):
        self.decay_step = check_int(decay_step, "NaturalExp", "decay_step", minimum=1)
        self.gamma = check_number(gamma, "NaturalExp", "gamma")

    def rate(self, sgd, n):
        n -= self.exclude_iterations
        return sgd.learningrate * math.exp(-self.gamma * (n // self.decay_step))


class Warmup(LearningRateSchedule):
    """``lr + delta * n`` (usually the first child of a SequentialSchedule)."""

    _CONFIG = ("delta",)

    def __init__(self, delta):
        self.delta = check_number(delta, "Warmup", "delta")

    def rate(self, sgd, n):
        return sgd.learningrate + self.delta * (n - self.exclude_iterations)


class SequentialSchedule(LearningRateSchedule):
    """Children run one after another: ``SequentialSchedule(iteration_per_epoch)
    .add(Warmup(0.05), 3).add(Poly(0.5, 6), 10)``.

    As BigDL: a child added with ``max_iteration`` m runs m + 1 steps (it hands over once
    ``n > `` its last iteration), and at the hand-over the last rate becomes the SGD's
    ``learningrate`` (the next child's base).  Past the last child's range the last child
    keeps running (BigDL fails with an index error).

    Examples
    --------
    >>> import numpy as np
    >>> from bigdl_py.optim import SGD
    >>> s = SequentialSchedule(5).add(Warmup(0.05), 3).add(Poly(0.5, 6), 10)
    >>> sgd, w = SGD(0.05, leaningrate_schedule=s), np.zeros(1)
    >>> [round(sgd.optimize([(w, np.zeros(1))]).get_learning_rate(), 4) for _ in range(6)]
    [0.05, 0.1, 0.15, 0.2, 0.1155, 0.0816]
    """

    _state_names = ("current",)

    _CONFIG = ("iteration_per_epoch",)

    def __init__(self, iteration_per_epoch):
        self.iteration_per_epoch = check_int(iteration_per_epoch, "SequentialSchedule",
                                             "iteration_per_epoch", minimum=1)
        self.schedules, self.current = [], 0

    def to_dict(self):
        return dict(super().to_dict(), children=[c.to_dict() for c in self.schedules])

    def add(self, schedule, max_iteration):
        """Append ``schedule`` for ``max_iteration`` (+1) steps; returns self."""
        if not isinstance(schedule, LearningRateSchedule) or \
                isinstance(schedule, SequentialSchedule):
            raise TypeError(f"SequentialSchedule.add: expected a learning-rate schedule, got "
                            f"{type(schedule).__name__}")
        max_iteration = check_int(max_iteration, "SequentialSchedule.add", "max_iteration",
                                  minimum=0)
        exclude = self.schedules[-1].max_iterations if self.schedules else 0
        schedule.exclude_iterations = exclude
        schedule.max_iterations = exclude + max_iteration
        schedule.exclude_epochs = exclude // self.iteration_per_epoch
        self.schedules.append(schedule)
        return self

    def update(self, sgd):
        if not self.schedules:
            raise RuntimeError("SequentialSchedule: expected at least one schedule (add), got "
                               "none")
        child = self.schedules[self.current]
        if sgd.state["evalCounter"] > child.max_iterations and \
                self.current + 1 < len(self.schedules):
            sgd.learningrate = abs(child.current_rate)
            self.current += 1
        self.current_rate = self.schedules[self.current].update(sgd)
        return self.current_rate

