"""What a checkpoint holds besides the weights and the optim method (SPEC §8): the global
RNG's seed, algorithm and stream position, so a run resumed in a new process continues
exactly (dropout masks and mt19937 shuffles included); and ``Snapshot``, the in-memory or
on-disk state the distributed optimizer retries from.

The RNG state travels as a JSON string in the optim method's ``state`` (keys
``rngState`` and, mid-epoch in mt19937 mode, ``rngEpochState``: the stream before that
epoch's shuffle), written by ``Optimizer`` checkpoints and consumed by the next
``optimize()`` of a method loaded from one.
"""
import copy
import json

import numpy as np

from ..nn.persist import load_model
from ..random import RNG
from .optim_method import OptimMethod, check_state

__all__ = ["rng_state", "set_rng_state", "Snapshot"]


def rng_state():
    """The global RNG's complete state (``RNG.get_state()``) as a JSON string."""
    algorithm, seed, offset, mt, cached = RNG.get_state()
    return json.dumps({"algorithm": algorithm, "seed": seed, "offset": offset,
                       "mt_key": mt["state"]["key"].tolist(), "mt_pos": int(mt["state"]["pos"]),
                       "cached_normal": cached})


def set_rng_state(text):
    """Restore a state from ``rng_state()`` (``RNG.set_state``, which checks every part
    first); ValueError, with the RNG untouched, if it is not one."""
    try:
        s = json.loads(text)
        key = np.asarray(s["mt_key"], dtype=np.int64)
        if key.shape != (624,) or key.min() < 0 or key.max() > 0xFFFFFFFF:
            raise ValueError("bad MT19937 key")
        mt = {"bit_generator": "MT19937", "state": {"key": key.astype(np.uint32),
                                                    "pos": s["mt_pos"]}}
        RNG.set_state((s["algorithm"], s["seed"], s["offset"], mt, s["cached_normal"]))
    except (TypeError, KeyError, ValueError, OverflowError) as e:
        raise ValueError(f"Optimizer: expected a checkpointed RNG state, got a damaged one "
                         f"({e})") from None


def pop_rng(state, mid_epoch):
    """Consume the RNG state a loaded checkpoint left in ``state``: restore it now, or,
    when the epoch's mt19937 shuffle must be redrawn first, return (epoch state, state)
    for the optimizer to apply around the shuffle.  None when there is nothing to do."""
    now, epoch = state.pop("rngState", None), state.pop("rngEpochState", None)
    if now is None:
        return None
    if epoch is not None and mid_epoch:
        set_rng_state(now)  # validates it before training starts
        return epoch, now
    set_rng_state(now)
    return None


class Snapshot:
    """Weights, optim state and buffers, and RNG state to go back to."""

    def __init__(self, weights, state, buffers):
        self.weights, self.state, self.buffers = weights, state, buffers

    @classmethod
    def take(cls, model, method):
        state = dict(method.state, rngState=rng_state())
        return cls([w.copy() for w, _ in model._param_pairs()], state,
                   copy.deepcopy(method._buffers))

    @classmethod
    def read(cls, model_path, optim_path):
        method = OptimMethod.load(optim_path)
        weights = [w for w, _ in load_model(model_path)._param_pairs()]
        return cls(weights, method.state, method._buffers)

    def check(self, model, owner="Optimizer"):
        """ValueError unless the snapshot's weights and optim state fit ``model``'s
        parameters (count, shapes, dtypes), naming the expected and found shapes."""
        params = [w for w, _ in model._param_pairs()]
        if len(self.weights) != len(params):
            raise ValueError(f"{owner}: expected a checkpoint with the model's "
                             f"{len(params)} parameters, got {len(self.weights)}")
        for i, (w, src) in enumerate(zip(params, self.weights)):
            if src.shape != w.shape or src.dtype != w.dtype:
                raise ValueError(f"{owner}: expected checkpointed parameter {i} of shape "
                                 f"{w.shape} and dtype {w.dtype} (the model's), got shape "
                                 f"{src.shape} and dtype {src.dtype}")
        check_state(self.buffers, params, owner)

    def restore(self, model, method):
        """Put the snapshot back into ``model`` and ``method`` in place, after
        :meth:`check` (nothing changes when it fails); the RNG state is restored by the
        next ``optimize()`` (it stays in ``method.state``)."""
        self.check(model)
        for (w, _), src in zip(model._param_pairs(), self.weights):
            w[...] = src
        method.state = dict(self.state)
        method._buffers = copy.deepcopy(self.buffers)
