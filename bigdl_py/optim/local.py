"""``LocalOptimizer``: BigDL's local-mode training loop (``Optimizer.create`` with arrays).

Each iteration: forward a mini-batch, criterion forward/backward, zero the gradients,
backward, one step of the optim method over the model's parameters.  Shuffles every
epoch from ``RNG``; training mode for steps, evaluation mode for validation; a progress
bar (tqdm when installed) and one line per epoch on stderr, also logged at INFO on the
``bigdl_py.optim`` logger.  ``DistriOptimizer`` (``distri.py``) extends it.

>>> import numpy as np
>>> from bigdl_py.nn import Linear, LogSoftMax, Sequential
>>> from bigdl_py.nn.criterion import ClassNLLCriterion
>>> from bigdl_py.optim import SGD, MaxEpoch
>>> from bigdl_py.optim.local import LocalOptimizer
>>> X = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
>>> y = (X[:, 0] > 0) + 1.0                          # BigDL's labels are 1-based
>>> model = Sequential().add(Linear(4, 2)).add(LogSoftMax())
>>> opt = LocalOptimizer(X, y, model, ClassNLLCriterion(), MaxEpoch(3), 16, SGD(0.5))
>>> opt.optimize() is model                           # progress goes to stderr
True
"""
import os
import time

import numpy as np

from .. import _random
from .._validate import check_instance, check_int
from ..nn._activity import batchable
from ..nn._inference import batches
from ..nn.container import Container
from ..nn.criterion import Criterion
from ..nn.module import Module, walk
from ..parallel import get_num_threads, set_num_threads
from ..random import RNG
from . import _checkpoint
from ._progress import Progress
from ._scoring import batch_size as _batch_size
from ._scoring import method_name, score_batches, val_methods
from .gradclip import clip_gradients, const_clip, l2_clip, with_clip
from .optim_method import OptimMethod
from .sgd import SGD
from .summary import TrainSummary, ValidationSummary
from .trigger import EveryEpoch, MaxEpoch, Trigger

__all__ = ["LocalOptimizer"]

_SHUFFLE_KEY = 0x5DEECE66D9E3779B  # xor-ed into the seed: the shuffles' own Philox stream


def _validation_args(trigger, val_method, owner):
    """(trigger, methods) with BigDL's defaults: EveryEpoch() and [Top1Accuracy()]."""
    trigger = EveryEpoch() if trigger is None else trigger
    if not isinstance(trigger, Trigger):
        raise TypeError(f"{owner}: expected a Trigger, got {type(trigger).__name__}")
    return trigger, val_methods(val_method, owner)


def _dataset(X, Y, owner, what):
    """(features, labels); features are an array, or ``Rows`` for a list of arrays (the
    inputs of a graph ``Model`` with several inputs)."""
    x = batchable(X, owner, f"{what} features")
    y = np.asarray(Y.numpy() if hasattr(Y, "numpy") else Y)
    if getattr(x, "ndim", 1) == 0 or y.ndim == 0 or len(x) == 0:
        raise ValueError(f"{owner}: expected {what} samples along the first axis, got "
                         f"features of shape {x.shape} and labels of shape {y.shape}")
    if len(x) != len(y):
        raise ValueError(f"{owner}: expected as many {what} labels as samples, got "
                         f"{len(y)} labels for {len(x)} samples")
    if y.dtype.kind not in "iuf":
        raise TypeError(f"{owner}: expected numeric {what} labels, got dtype {y.dtype}")
    return x, y


def _summary(summary, cls, what):
    if summary is not None and not isinstance(summary, cls):
        raise TypeError(f"Optimizer.{what}: expected a {cls.__name__} or None, got "
                        f"{type(summary).__name__}")
    return summary


def frozen_mask(model):
    """One bool per ``model._param_pairs()`` entry: the parameter belongs to a frozen
    module (``Module.freeze``), so the optim method leaves it alone; None if none is."""
    frozen = {id(w) for m in walk(model) if getattr(m, "_frozen", None) is not None
              for w, _ in m._param_pairs()}
    return [id(w) in frozen for w, _ in model._param_pairs()] if frozen else None


# what the optimizer's collaborators must be: name -> (type, how the message says it)
_EXPECTED = {"model": (Module, "a bigdl_py Module as model"),
             "criterion": (Criterion, "a bigdl_py criterion"),
             "end_trigger": (Trigger, "a Trigger as end_trigger"),
             "optim_method": (OptimMethod, "an OptimMethod")}


def _unguard(model):
    """Turn off the snapshots of ``model``'s containers (``Container._all_or_nothing``)
    for the training loop, returning them: a failure inside an iteration stops training
    with the parameters of the last finished step either way, and the snapshots cost as
    much as a layer's forward.  The first batch was forwarded with them on (``_prepare``),
    so bad shapes and labels still fail before training starts, leaving the model as it
    was."""
    found = [m for m in walk(model) if isinstance(m, Container)]
    for m in found:
        m._guarded = False
    return found


def _zeroable_grads(model, pairs):
    """The distinct gradient arrays of ``pairs`` when every module of ``model`` zeroes its
    gradients the stock way (filling them), else None (call ``zero_grad_parameters``)."""
    stock = (Module.zero_grad_parameters, Container.zero_grad_parameters)
    if any(type(m).zero_grad_parameters not in stock for m in walk(model)):
        return None
    return list({id(g): g for _, g in pairs}.values())


def _typed(value, what):
    """``value`` if it is what the optimizer's ``what`` must be, else a TypeError."""
    cls, expected = _EXPECTED[what]
    if not isinstance(value, cls):
        raise TypeError(f"Optimizer: expected {expected}, got {type(value).__name__}")
    return value


class LocalOptimizer:
    """Trains ``model`` on ``(X, Y)`` in this process (BigDL's ``LocalOptimizer``).

    Parameters
    ----------
    X, Y : array-like
        Samples along the first axis; Y the targets (1-based class labels for
        ``ClassNLLCriterion``/``CrossEntropyCriterion``).
    model : Module
    criterion : Criterion
    end_trigger : Trigger, default ``MaxEpoch(1)``
    batch_size : int >= 1
    optim_method : OptimMethod, default ``SGD()``
        Its ``state`` holds the counters, so a second ``optimize()`` (or a new optimizer
        with the same method, e.g. one from ``OptimMethod.load``) continues the run:
        ``MaxEpoch(n)`` counts epochs from the start of training.

    Attributes
    ----------
    history : list of dict
        One entry per finished epoch: ``epoch``, ``iteration``, ``loss`` (mean training
        loss), ``records_per_second``, ``seconds`` and ``validation`` ({method: value}).
    """

    def __init__(self, X, Y, model, criterion, end_trigger=None, batch_size=32,
                 optim_method=None, cores=None, bigdl_type="float"):
        self._setup(model, criterion, end_trigger, batch_size, optim_method)
        self.X, self.Y = _dataset(X, Y, "Optimizer", "training")
        self._cores = None if cores is None else check_int(cores, "Optimizer", "cores", 1)

    def set_model(self, model):
        """Train ``model`` instead (BigDL's ``set_model``)."""
        self.model = _typed(model, "model")
        return self

    def set_criterion(self, criterion):
        """Train with ``criterion`` instead (BigDL's ``set_criterion``)."""
        self.criterion = _typed(criterion, "criterion")
        return self

    def set_traindata(self, X, Y=None, batch_size=None):
        """Train on other data: ``set_traindata((X, Y), batch_size)`` or
        ``set_traindata(X, Y, batch_size)``; the batch size is kept when not given."""
        if isinstance(X, tuple) and len(X) == 2 and not isinstance(Y, (np.ndarray, list)):
            (X, Y), batch_size = X, Y if batch_size is None else batch_size
        self.X, self.Y = _dataset(X, Y, "Optimizer.set_traindata", "training")
        if batch_size is not None:
            self.batch_size = _batch_size(batch_size, "Optimizer.set_traindata")
        return self

    def set_optim_method(self, optim_method):
        """Train with ``optim_method`` instead (BigDL's ``set_optim_method``)."""
        self.optim_method = _typed(optim_method, "optim_method")
        return self

    def _setup(self, model, criterion, end_trigger, batch_size, optim_method):
        """Checks and attributes shared with ``DistriOptimizer``."""
        owner = "Optimizer"
        _typed(model, "model")
        _typed(criterion, "criterion")
        end_trigger = _typed(MaxEpoch(1) if end_trigger is None else end_trigger, "end_trigger")
        optim_method = _typed(SGD() if optim_method is None else optim_method, "optim_method")
        self.batch_size = _batch_size(batch_size, owner)
        self.model, self.criterion = model, criterion
        self.end_trigger, self.optim_method = end_trigger, optim_method
        self._validation = None
        self._checkpoint = None
        self._gradclip = []
        self._train_summary = self._val_summary = None
        self.history = []

    # ---- gradient clipping (gradclip.py) and summaries (summary.py) ----------------------
    def set_gradclip_const(self, min_value, max_value):
        """Clamp every gradient element to [min_value, max_value] before each step."""
        self._gradclip = with_clip(self._gradclip, const_clip(min_value, max_value))
        return self

    def set_gradclip_l2norm(self, clip_norm):
        """Scale the gradients down to a global L2 norm of ``clip_norm`` when above it."""
        self._gradclip = with_clip(self._gradclip, l2_clip(clip_norm))
        return self

    def disable_gradclip(self):
        self._gradclip = []
        return self

    def set_train_summary(self, summary):
        """Write Loss, Throughput (and LearningRate, Parameters when their triggers are
        set) to the ``TrainSummary`` after each iteration (BigDL's DistriOptimizer does;
        its local optimizer writes nothing)."""
        self._train_summary = _summary(summary, TrainSummary, "set_train_summary")
        return self

    def set_val_summary(self, summary):
        """Write each validation method's result to the ``ValidationSummary`` whenever
        validation runs, at the 1-based iteration number."""
        self._val_summary = _summary(summary, ValidationSummary, "set_val_summary")
        return self

    def set_end_when(self, end_trigger):
        self.end_trigger = check_instance(end_trigger, Trigger, "Optimizer.set_end_when",
                                          "end_trigger")
        return self

    def set_validation(self, batch_size, X_val, Y_val=None, trigger=None, val_method=None):
        """Validate on ``(X_val, Y_val)`` in evaluation mode whenever ``trigger`` fires
        (default ``EveryEpoch()``) with ``val_method`` (default ``[Top1Accuracy()]``).
        The data may also be one tuple: ``set_validation(bs, (X_val, Y_val), trigger,
        val_method)``."""
        owner = "Optimizer.set_validation"
        if isinstance(X_val, tuple) and len(X_val) == 2 and \
                (Y_val is None or isinstance(Y_val, Trigger)):
            if Y_val is not None:  # positional: (bs, (X, y), trigger, val_method)
                if val_method is not None:
                    raise TypeError(f"{owner}: expected (batch_size, (X_val, Y_val), trigger, "
                                    "val_method), got one argument too many")
                trigger, val_method = Y_val, trigger
            X_val, Y_val = X_val
        elif Y_val is None:
            raise TypeError(f"{owner}: expected Y_val, or (X_val, Y_val) as one tuple, got "
                            f"no labels")
        trigger, methods = _validation_args(trigger, val_method, owner)
        X, Y = _dataset(X_val, Y_val, owner, "validation")
        self._validation = (_batch_size(batch_size, owner), X, Y, trigger, methods)
        return self

    def set_checkpoint(self, path, trigger=None, over_write=True, *, isOverWrite=None):
        """Whenever ``trigger`` fires (default ``EveryEpoch()``), write
        ``model.<neval>`` and ``optim.<neval>`` into the folder ``path`` (created if
        needed; ``neval`` is the number of the next iteration, as in BigDL).  Each file is
        written atomically; with ``over_write=False`` an existing file is a
        FileExistsError.  Resume with ``Model.load_model``, ``OptimMethod.load`` and a new
        ``Optimizer.create(...)``.  BigDL's order and keyword work too:
        ``set_checkpoint(trigger, path, isOverWrite=True)``."""
        if isOverWrite is not None:
            over_write = isOverWrite
        if isinstance(path, Trigger) and isinstance(trigger, (str, os.PathLike)):
            path, trigger = trigger, path  # BigDL Python's order: (trigger, path)
        trigger = EveryEpoch() if trigger is None else trigger
        if not isinstance(trigger, Trigger):
            raise TypeError(f"Optimizer.set_checkpoint: expected a Trigger, got "
                            f"{type(trigger).__name__}")
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"Optimizer.set_checkpoint: expected a folder path, got "
                            f"{type(path).__name__}")
        os.makedirs(path, exist_ok=True)
        self._checkpoint = (os.fspath(path), trigger, bool(over_write))
        return self

    # ---- training ----------------------------------------------------------------------
    def _permutation(self, epoch):
        """The sample order of ``epoch``: Philox keys derived from (seed, epoch) in philox
        mode (so a resumed run sees the same order), the MT19937 stream otherwise."""
        keys = np.empty(len(self.X), dtype=np.float64)
        if RNG.algorithm() == "philox":
            _random.fill("uniform", keys, 0.0, 1.0, (RNG.get_seed() ^ _SHUFFLE_KEY) % 2 ** 64,
                         epoch, get_num_threads())
        else:
            RNG.uniform_(keys)
        return np.argsort(keys, kind="stable")

    # ---- what DistriOptimizer does differently ---------------------------------------------
    def _num_records(self):
        """Records in one epoch."""
        return len(self.X)

    def _prepare(self):
        """Before the first iteration: the model's parameter list and the gradients to zero
        (once per ``optimize()``, not per iteration), X cast to the parameters' dtype once,
        then one evaluation-mode forward of the first batch, so bad shapes or labels fail
        before training starts (draws no random numbers)."""
        X, model = self.X, self.model
        self._pairs = model._param_pairs()
        self._grads = _zeroable_grads(model, self._pairs)
        dtypes = {w.dtype for w, _ in self._pairs}
        if len(dtypes) == 1 and X.dtype != next(iter(dtypes)):
            X = X.astype(next(iter(dtypes)))  # cast once, not per batch
        self._X, self._perm = X, None
        bs = self.batch_size
        self.model.evaluate()
        try:
            out = self.model.forward(next(batches(self.model, X, bs)))
            self.criterion.forward(out, self.Y[:bs])
        finally:
            self.model.training()

    def _finish(self):
        """After training, also after an error."""
        self._X = self._perm = self._pairs = self._grads = self._step_fn = None

    def _begin_epoch(self, epoch):
        pending, self._resume_rng = getattr(self, "_resume_rng", None), None
        self._epoch_rng = None
        if pending is not None:  # resumed mid-epoch: redraw this epoch's shuffle first
            _checkpoint.set_rng_state(pending[0])
        if RNG.algorithm() == "mt19937":
            self._epoch_rng = _checkpoint.rng_state()  # the shuffle draws from the stream
        self._perm = self._permutation(epoch)
        if pending is not None:
            _checkpoint.set_rng_state(pending[1])

    def _train_step(self, state, pos):
        """One iteration from record ``pos`` of the epoch: updates the parameters and
        returns (loss, records used, iterations done)."""
        model, crit = self.model, self.criterion
        idx = self._perm[pos:pos + self.batch_size]
        xb, yb = self._X[idx], self.Y[idx]
        out = model.forward(xb)
        loss = crit.forward(out, yb)
        grad = crit.backward(out, yb)
        if self._grads is None:
            model.zero_grad_parameters()
        else:
            for g in self._grads:
                g.fill(0)
        model.backward(xb, grad)
        self._update(self._pairs)
        return loss, len(idx), 1

    def _update(self, pairs):
        """Clip the (averaged) gradients, then one step of the optim method.  The first
        step checks ``pairs`` (the optim method's ``_plan``); when they are this
        ``optimize()``'s own parameter list, the later steps reuse that plan unchecked."""
        if self._gradclip:
            clip_gradients(self._gradclip, pairs)
        if self._step_fn is not None:
            self._step_fn()
            return
        step, reusable = self.optim_method._plan(pairs, self._frozen)
        step()
        if reusable and pairs is getattr(self, "_pairs", None):
            self._step_fn = step

    def _validation_results(self, bs, X, Y, methods):
        """[summed result per method] over the validation set (evaluation mode is set)."""
        return score_batches(self.model, X, Y, bs, methods) or [None] * len(methods)

    # ---- the loop (shared) -------------------------------------------------------------------
    def optimize(self):
        """Train until the end trigger fires; returns the model (in the mode it had)."""
        model, state = self.model, self.optim_method.state
        # a loaded optim state must fit the model before anything (RNG included) is restored
        self.optim_method._check_model([w for w, _ in model._param_pairs()], "Optimizer")
        n, bs = self._num_records(), self.batch_size
        was_training = model.is_training()
        pos = state.get("recordsProcessedThisEpoch", 0)
        pos = pos if isinstance(pos, int) and 0 <= pos < n else 0
        self._resume_rng = _checkpoint.pop_rng(state, pos > 0)  # from a loaded checkpoint
        bar = None
        self._frozen = frozen_mask(model)
        self._step_fn = None
        threads = get_num_threads()
        if getattr(self, "_cores", None) is not None:
            set_num_threads(self._cores)
        unguarded = []
        try:
            self._prepare()
            unguarded = _unguard(model)
            while not self.end_trigger(state):
                if bar is None:
                    self._begin_epoch(state["epoch"])
                    bar = Progress(state["epoch"], -(-(n - pos) // bs))
                    seconds, loss_sum, records = 0.0, 0.0, 0
                t0 = time.perf_counter()
                loss, used, steps = self._train_step(state, pos)
                dt = time.perf_counter() - t0
                seconds += dt  # steps only, not validation
                pos += used
                loss_sum, records = loss_sum + loss * used, records + used
                state["neval"] += steps
                state["Loss"] = loss
                state["epoch_end"] = pos >= n
                if pos >= n:
                    state["epoch"] += 1
                    pos = 0
                state["recordsProcessedThisEpoch"] = pos
                if self._train_summary is not None:
                    self._train_summary._record_iteration(
                        state, loss, used / max(dt, 1e-9),
                        self.optim_method.get_learning_rate(), model)
                bar.update(loss, steps)
                scores = self._maybe_validate(state)
                if state["epoch_end"]:
                    bar.close()
                    bar = None
                    self._epoch_line(state, loss_sum / records, records / max(seconds, 1e-9),
                                     seconds, scores)
                self._maybe_checkpoint(state)
        finally:
            for m in unguarded:
                vars(m).pop("_guarded", None)
            if bar is not None:
                bar.close()
            self._finish()
            set_num_threads(threads)
            model.training() if was_training else model.evaluate()
        return model

    def _maybe_validate(self, state):
        if self._validation is None or not self._validation[3](state):
            return None
        bs, X, Y, _, methods = self._validation
        model = self.model
        model.evaluate()
        try:
            results = self._validation_results(bs, X, Y, methods)
        finally:
            model.training()
        state["score"] = results[0].value
        scores = [(method_name(m), r) for m, r in zip(methods, results)]
        if self._val_summary is not None:
            for name, r in scores:
                self._val_summary.add_scalar(name, r.value, state["neval"] - 1)
        return scores

    def _maybe_checkpoint(self, state):
        if self._checkpoint is None or not self._checkpoint[1](state):
            return
        path, _, over_write = self._checkpoint
        suffix = state["neval"]
        state["rngState"] = _checkpoint.rng_state()  # continue exactly in a new process
        epoch_rng = getattr(self, "_epoch_rng", None)
        if epoch_rng is not None and state["recordsProcessedThisEpoch"]:
            state["rngEpochState"] = epoch_rng
        try:
            # the model first: a crash between the two leaves model.N without optim.N (a
            # model to evaluate or restart from), never an optim state without its model
            self.model.save_model(os.path.join(path, f"model.{suffix}"), over_write)
            self.optim_method.save(os.path.join(path, f"optim.{suffix}"), over_write)
        finally:
            state.pop("rngState")
            state.pop("rngEpochState", None)
        self._last_checkpoint = suffix

    def _epoch_line(self, state, loss, rate, seconds, scores):
        epoch = state["epoch"] - 1
        total = f"/{self.end_trigger.max_epoch}" if isinstance(self.end_trigger, MaxEpoch) \
            else ""
        line = (f"epoch {epoch}{total}  iterations {state['neval'] - 1}  loss {loss:.6f}  "
                f"{rate:.1f} records/s")
        validation = {}
        for name, r in scores or ():
            validation[name] = r.value
            line += f"  {name} {r.value:.4f}"
        self.history.append({"epoch": epoch, "iteration": state["neval"] - 1, "loss": loss,
                             "records_per_second": rate, "seconds": seconds,
                             "validation": validation})
        Progress.report(line)

