"""``Plateau``: cut the learning rate when a monitored value stops improving (BigDL's
``Plateau``, FRAMEWORK.md §5.4)."""
import math

from .._validate import check_instance, check_int, check_number
from .schedule import LearningRateSchedule, _f32

__all__ = ["Plateau"]


class Plateau(LearningRateSchedule):
    """Reduce the rate by ``factor`` once ``monitor`` has not improved for ``patience``
    epochs.

    ``monitor`` is ``"Loss"`` (the previous iteration's training loss) or ``"score"`` (the
    first validation method's last result, 0 before any validation); both the local and
    the distributed Optimizer provide them (BigDL's local optimizer cannot run Plateau).
    It acts once per epoch, at the epoch's first iteration (with ``epoch`` 1-based):

    - epoch 1: the rate is ``learningrate``; nothing else happens in that epoch;
    - a value better than ``best`` by more than ``epsilon`` (lower for ``mode="min"``,
      higher for ``"max"``) becomes ``best`` and resets the wait;
    - otherwise, out of cooldown, after ``patience`` such epochs the rate becomes
      ``max(rate * factor, min_lr)`` (while above ``min_lr``) and a cooldown of
      ``cooldown`` epochs starts.

    ``factor``, ``epsilon`` and ``min_lr`` are rounded to float32, as BigDL's Floats.
    Unlike the other schedules Plateau does not count steps (``evalCounter``), as BigDL.

    Examples
    --------
    >>> Plateau("Loss", factor=0.5, patience=1, mode="max")
    Plateau(monitor='Loss', factor=0.5, patience=1, mode='max', epsilon=9.999999747378752e-05, cooldown=0, min_lr=0.0)
    """

    _state_names = ("best", "wait", "cooldown_counter", "cur_epoch")
    _CONFIG = ("monitor", "factor", "patience", "mode", "epsilon", "cooldown", "min_lr")

    def __init__(self, monitor, factor=0.1, patience=10, mode="min", epsilon=1e-4, cooldown=0,
                 min_lr=0.0):
        o = "Plateau"
        check_instance(monitor, str, o, "monitor")
        check_instance(mode, str, o, "mode")
        if monitor not in ("Loss", "score"):
            raise ValueError(f"{o}: expected monitor 'Loss' or 'score', got {monitor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"{o}: expected mode 'min' or 'max', got {mode!r} (Learning Rate "
                             "Plateau Reducing mode is unknown, please use min | max)")
        self.monitor, self.mode = monitor, mode
        self.factor = _f32(check_number(factor, o, "factor", low=0.0))
        if self.factor >= 1.0:
            raise ValueError(f"{o}: expected factor < 1.0, got {factor} (Plateau does not "
                             "support a factor >= 1.0)")
        self.patience = check_int(patience, o, "patience", minimum=0)
        self.epsilon = _f32(check_number(epsilon, o, "epsilon", low=0.0))
        self.cooldown = check_int(cooldown, o, "cooldown", minimum=0)
        self.min_lr = _f32(check_number(min_lr, o, "min_lr", low=0.0))
        self.best = math.inf if mode == "min" else -math.inf
        self.wait, self.cooldown_counter, self.cur_epoch = 0, 0, 1
        self.current_rate = None

    def update(self, sgd):
        state = sgd.state
        epoch = state["epoch"] - self.exclude_epochs
        if epoch == 1 or self.current_rate is None:
            self.current_rate = sgd.learningrate
        if epoch == self.cur_epoch:
            return self.current_rate
        self.cur_epoch = epoch
        current = state.get(self.monitor, math.inf if self.monitor == "Loss" else 0.0)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if (current < self.best - self.epsilon) if self.mode == "min" else \
                (current > self.best + self.epsilon):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            rate = abs(self.current_rate)
            if self.wait >= self.patience and rate > self.min_lr + self.min_lr * 1e-4:
                self.current_rate = max(rate * self.factor, self.min_lr)
                self.cooldown_counter, self.wait = self.cooldown, 0
            self.wait += 1
        return self.current_rate
