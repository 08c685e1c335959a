"""``DistriOptimizer``: BigDL's synchronous data-parallel training on Spark (SPEC §8).

``Optimizer.create(model, training_set=rdd, ...)`` returns one when the training set is an
RDD of ``bigdl_py.utils.Sample``.  It runs the local optimizer's loop (triggers, optim
methods, progress bar, per-epoch line, ``bigdl_py.optim`` logger, checkpoints, history);
only where an iteration's gradient and the validation scores are computed differs:

1. At creation the RDD is checked and cached once as one stacked ``(X, y)`` block per
   partition (a Spark job that returns only a summary per partition); records that are not
   Samples, features or labels of different shapes, empty partitions, or a ``batch_size``
   that is not a multiple of the number of partitions are a ValueError before any training
   job (the last one before any Spark job at all).
2. Each iteration is one Spark job: the driver broadcasts the flat weights; each partition
   takes its share ``batch_size / partitions`` of the global mini-batch and returns the
   criterion's gradient and loss on it and its record count; ``treeAggregate(None, ...)``
   sums them (None is the empty sum, so no zero vector ships with the tasks); the driver
   turns the sums into the global batch's (dividing by the number of partitions when the
   criterion averages: every share has the same size), applies the optim method to the
   model's parameters and destroys the broadcast.
3. Randomness is a pure function of counters: a partition's records are visited in a philox
   permutation keyed by (seed, local epoch, partition), and the model's random layers are
   seeded from (seed, iteration, partition) in every task.  A task Spark retries computes
   the same result, and a run is reproducible for a seed whatever the scheduling.  With a
   full batch and no random layers the weights equal local mode's to float rounding.

The seed is ``RNG.get_seed()`` when ``optimize()`` starts.  Each partition needs at least
one record; its share is drawn cyclically from its own records, so balanced partitions
(e.g. ``sc.parallelize(samples, n)``) make an iteration a uniform sample of the data.
The model and criterion are pickled to the workers: they must be bigdl_py classes (or
classes importable on the workers), not classes defined in a script.
"""
import copy
import functools
import numbers

from ..utils.spark import is_rdd
from . import _spark_data as data
from . import _spark_tasks as tasks
from .optim_method import SGD
from .optimizer import LocalOptimizer, _batch_size, _validation_args

__all__ = ["DistriOptimizer"]


class DistriOptimizer(LocalOptimizer):
    """Trains ``model`` on an RDD of Samples with Spark (BigDL's ``DistriOptimizer``).

    Parameters
    ----------
    model : Module
    training_set : RDD of bigdl_py.utils.Sample
        Features of one shape; labels as the criterion expects (1-based classes).
    criterion : Criterion
    end_trigger : Trigger, default ``MaxEpoch(1)``
    batch_size : int
        The global mini-batch: a multiple of ``training_set.getNumPartitions()``.
    optim_method : OptimMethod, default ``SGD()``

    An epoch is ``count`` records (the RDD's size): it ends after the iteration that
    brings the records processed in it to at least ``count``.  ``history``,
    ``set_end_when``, ``set_checkpoint`` and ``optimize()`` are the local optimizer's.

    Examples
    --------
    >>> from bigdl_py.utils import Sample, get_spark_context
    >>> sc = get_spark_context("local[2]")  # doctest: +SKIP
    >>> samples = [Sample.from_ndarray(x, t) for x, t in zip(X, y)]  # doctest: +SKIP
    >>> rdd = sc.parallelize(samples, 2)  # doctest: +SKIP
    >>> crit, end = ClassNLLCriterion(), MaxEpoch(5)  # doctest: +SKIP
    >>> Optimizer.create(model, rdd, crit, end, 64).optimize()  # doctest: +SKIP
    """

    def __init__(self, model, training_set, criterion, end_trigger=None, batch_size=32,
                 optim_method=None):
        self._setup(model, criterion, end_trigger, batch_size, optim_method)
        if not is_rdd(training_set):
            raise TypeError(f"DistriOptimizer: expected an RDD of Samples as training_set, "
                            f"got {type(training_set).__name__}")
        parts = training_set.getNumPartitions()
        if self.batch_size % parts:
            raise ValueError(f"DistriOptimizer: expected batch_size to be a multiple of the "
                             f"number of partitions ({parts}), got batch_size="
                             f"{self.batch_size}; repartition the RDD or change batch_size")
        self.sc = training_set.context
        self._parts = parts
        self._blocks, summary = _cache(training_set, "training set")
        self._records = sum(s["n"] for s in summary)
        self._features = summary[0]["features"]
        self._check_model(summary[0]["first"])
        self._local_sgd = None
        self._fault = None  # test hook: (iteration, partition) whose first attempt dies
        self._job_b = None

    # ---- configuration ------------------------------------------------------------------
    def set_validation(self, batch_size, val_rdd, trigger=None, val_method=None):
        """Validate on ``val_rdd`` (an RDD of Samples) on the cluster whenever ``trigger``
        fires (default ``EveryEpoch()``) with ``val_method`` (default
        ``[Top1Accuracy()]``): each partition scores its records in evaluation mode, in
        chunks of ``batch_size``, and the driver adds the partial results."""
        owner = "DistriOptimizer.set_validation"
        trigger, methods = _validation_args(trigger, val_method, owner)
        batch_size = _batch_size(batch_size, owner)
        if not is_rdd(val_rdd):
            raise TypeError(f"{owner}: expected an RDD of Samples, got "
                            f"{type(val_rdd).__name__}")
        blocks, summary = _cache(val_rdd, "validation set")
        if summary[0]["features"][0] != self._features[0]:
            blocks.unpersist()
            raise ValueError(f"{owner}: expected validation features of shape "
                             f"{self._features[0]} (as the training set), got "
                             f"{summary[0]['features'][0]}")
        if self._validation is not None:
            self._validation[1].unpersist()
        self._validation = (batch_size, blocks, None, trigger, methods)
        return self

    def set_local_sgd(self, steps):
        """Opt in to local SGD, a different algorithm from BigDL's synchronous SGD.

        Each task starts from the driver's weights and takes ``steps`` SGD steps on its
        own share of ``steps`` successive mini-batches (learning-rate schedule continued
        from the optim method's counter; momentum buffers live for one task); the driver
        then sets the weights to the partitions' average.  One Spark job does ``steps``
        iterations, so there are ``steps`` times fewer jobs, but the result differs from
        synchronous training (for ``steps=1`` and plain SGD it is the same to rounding).
        Needs an ``SGD`` optim method; ``steps=None`` turns it off.  Triggers are checked
        after each job (every ``steps`` iterations)."""
        if steps is None:
            self._local_sgd = None
            return self
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
            raise ValueError(f"DistriOptimizer.set_local_sgd: expected steps to be an int "
                             f">= 1 or None, got {steps!r}")
        if type(self.optim_method) is not SGD:
            raise ValueError(f"DistriOptimizer.set_local_sgd: expected an SGD optim method "
                             f"(local SGD), got {type(self.optim_method).__name__}")
        self._local_sgd = int(steps)
        return self

    # ---- the local optimizer's hooks ------------------------------------------------------
    def _num_records(self):
        return self._records

    def _prepare(self):
        from ..random import RNG
        for blocks in (self._blocks, self._validation and self._validation[1]):
            if blocks is not None and not blocks.is_cached:
                blocks.persist(_storage_level())  # again, after a previous optimize()
        model = copy.deepcopy(self.model).clear_state()
        self._averages = tasks.averages(self.criterion)
        job = {"model": model, "criterion": self.criterion,
               "share": self.batch_size // self._parts, "seed": RNG.get_seed(),
               "algorithm": RNG.algorithm(), "fault": self._fault, "steps": self._local_sgd,
               "optim": None}
        if self._local_sgd is not None:
            job["optim"] = copy.deepcopy(self.optim_method).clear_history()
        self._job_b = self.sc.broadcast(job)

    def _finish(self):
        """Free the job broadcast and the cached blocks (as BigDL does after training; a
        later ``optimize()`` caches them again)."""
        if self._job_b is not None:
            self._job_b.destroy()
            self._job_b = None
        self._blocks.unpersist()
        if self._validation is not None:
            self._validation[1].unpersist()

    def _begin_epoch(self, epoch):
        pass

    def _train_step(self, state, pos):
        om, pairs = self.optim_method, self.model._param_pairs()
        steps = self._local_sgd
        if steps is None:
            fn = functools.partial(tasks.train_partition, self._job_b)
            grad, loss, _, parts = self._run(fn, state["neval"])
            div = parts if self._averages else 1
            tasks.set_flat(self.model, grad, which=1, divisor=div)
            om.optimize(pairs, self._frozen)
            return loss / div, self.batch_size, 1
        fn = functools.partial(tasks.local_sgd_partition, self._job_b, om.state["evalCounter"])
        weights, loss, parts = self._run(fn, state["neval"])
        tasks.set_flat(self.model, weights, divisor=parts)
        om.state["evalCounter"] += steps
        return loss / parts, steps * self.batch_size, steps

    def _run(self, fn, iteration, blocks=None):
        """One Spark job: broadcast the weights, run ``fn(weights_b, iteration)`` on every
        partition, sum the results on the way back, destroy the broadcast."""
        weights_b = self.sc.broadcast(tasks.get_flat(self.model))
        try:
            rdd = (self._blocks if blocks is None else blocks).mapPartitionsWithIndex(
                functools.partial(fn, weights_b, iteration))
            return rdd.treeAggregate(None, tasks.add_results, tasks.add_results)
        finally:
            weights_b.destroy()

    def _validation_results(self, batch_size, blocks, _, methods):
        fn = functools.partial(tasks.eval_partition, self._job_b, methods, batch_size)
        return list(self._run(fn, 0, blocks))

    def _check_model(self, first):
        """One evaluation-mode forward of the first record on the driver, so bad shapes or
        labels fail before any training job (draws no random numbers)."""
        X, y = first
        model = self.model
        was_training = model.is_training()
        model.evaluate()
        try:
            self.criterion.forward(model.forward(X), y)
        finally:
            model.training() if was_training else model.evaluate()


def _storage_level():
    from pyspark import StorageLevel
    return StorageLevel.MEMORY_AND_DISK


def _cache(rdd, what):
    """(blocks RDD persisted, [summary per partition]) after checking every record; a
    ValueError (nothing left cached) when the records cannot be a training set."""
    blocks = rdd.mapPartitionsWithIndex(data.stack_partition)
    blocks.persist(_storage_level())
    summary = blocks.map(data.block_summary).collect()
    errors = [s["error"] for s in summary if s["error"] is not None]
    if not errors:
        for s in summary[1:]:
            if (s["features"][0], s["label"][0]) != (summary[0]["features"][0],
                                                     summary[0]["label"][0]):
                errors.append(f"partition {s['index']} has features {s['features'][0]} and "
                              f"labels {s['label'][0]}, but partition 0 has features "
                              f"{summary[0]['features'][0]} and labels "
                              f"{summary[0]['label'][0]}")
    if errors:
        blocks.unpersist()
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise ValueError(f"DistriOptimizer: expected an RDD of bigdl_py.utils.Sample with "
                         f"features and labels of one shape as the {what}, got: "
                         f"{errors[0]}{more}")
    return blocks, summary
