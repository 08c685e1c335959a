"""Triggers: when training ends, validates or checkpoints (BigDL's semantics).

A trigger is called with the optim method's ``state`` after each iteration (the end
trigger also before the first): ``epoch`` (1-based, the epoch now running), ``neval``
(1-based number of the next iteration), ``epoch_end`` (the last iteration finished an
epoch), ``Loss`` (last training loss) and ``score`` (last validation score).
Triggers hold no state of their own, so one object may serve several roles.

>>> from bigdl_py.optim import EveryEpoch, MaxEpoch
>>> end = MaxEpoch(2)                    # training ends once epoch 2 has run
>>> end({"epoch": 2, "neval": 9, "epoch_end": False}), end({"epoch": 3, "neval": 17})
(False, True)
>>> EveryEpoch()({"epoch": 2, "neval": 9, "epoch_end": True})
True
"""
from .._validate import check_int, check_number

__all__ = ["Trigger", "MaxEpoch", "MaxIteration", "EveryEpoch", "SeveralIteration",
           "MaxScore", "MinLoss", "TriggerAnd", "TriggerOr"]


class Trigger:
    """Base: ``trigger(state) -> bool``."""

    def __call__(self, state):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(repr(v) for v in vars(self).values())
        return f"{type(self).__name__}({args})"


class MaxEpoch(Trigger):
    """End when ``max_epoch`` epochs are done (``state["epoch"] > max_epoch``)."""

    def __init__(self, max_epoch):
        self.max_epoch = check_int(max_epoch, "MaxEpoch", "max_epoch", 0)

    def __call__(self, state):
        return state["epoch"] > self.max_epoch


class MaxIteration(Trigger):
    """End when ``max`` iterations are done (``state["neval"] > max``)."""

    def __init__(self, max):
        self.max = check_int(max, "MaxIteration", "max", 0)

    def __call__(self, state):
        return state["neval"] > self.max


class EveryEpoch(Trigger):
    """Fire after the last iteration of every epoch."""

    def __call__(self, state):
        return bool(state.get("epoch_end", False))

    def __repr__(self):
        return "EveryEpoch()"


class SeveralIteration(Trigger):
    """Fire when ``neval`` is a multiple of ``interval`` (BigDL's count).

    Triggers are checked after ``neval`` has moved on to the next iteration, so with
    ``interval=3`` checkpoints are ``model.3``, ``model.6``, ... (written after iterations
    2, 5, ...), exactly the files BigDL 2.4 writes, in local and distributed mode.

    >>> [n for n in range(2, 10) if SeveralIteration(3)({"neval": n})]
    [3, 6, 9]
    """

    def __init__(self, interval):
        self.interval = check_int(interval, "SeveralIteration", "interval", 1)

    def __call__(self, state):
        neval = state["neval"]
        return neval > 0 and neval % self.interval == 0


class MaxScore(Trigger):
    """End once the validation score (first validation method) exceeds ``max``."""

    def __init__(self, max):
        self.max = check_number(max, "MaxScore", "max", finite=False)

    def __call__(self, state):
        return state.get("score", float("-inf")) > self.max


class MinLoss(Trigger):
    """End once the training loss falls below ``min``."""

    def __init__(self, min):
        self.min = check_number(min, "MinLoss", "min", finite=False)

    def __call__(self, state):
        return state.get("Loss", float("inf")) < self.min


class TriggerAnd(Trigger):
    """Fire when all of the given triggers fire."""

    def __init__(self, first, *others):
        self.triggers = _triggers("TriggerAnd", (first,) + others)

    def __call__(self, state):
        return all(t(state) for t in self.triggers)


class TriggerOr(Trigger):
    """Fire when any of the given triggers fires."""

    def __init__(self, first, *others):
        self.triggers = _triggers("TriggerOr", (first,) + others)

    def __call__(self, state):
        return any(t(state) for t in self.triggers)


def _triggers(owner, items):
    for t in items:
        if not isinstance(t, Trigger):
            raise TypeError(f"{owner}: expected Trigger objects, got {type(t).__name__}")
    return list(items)
