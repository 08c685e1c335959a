"""``DistriOptimizer``: BigDL's synchronous data-parallel training on Spark (SPEC §8).

``Optimizer.create(model, training_set=rdd_or_df, ...)`` returns one when the training set
is an RDD of ``bigdl_py.utils.Sample`` or a Spark DataFrame (a features column of arrays or
ML vectors and a label column, read in Arrow batches).  It runs the local optimizer's loop
(triggers on BigDL's counts, optim methods, progress bar, per-epoch line,
``bigdl_py.optim`` logger, checkpoints, history); only where an iteration's gradient and
the validation scores are computed differs:

1. At creation the data is checked and cached once (two Spark jobs, see
   ``_spark_cache``): records dealt into ``P`` even partitions, ``P`` the cluster's task
   slots (``defaultParallelism // spark.task.cpus``) whatever the input's partitioning (a
   DataFrame after ``repartition(col)`` or ``orderBy`` under adaptive execution, empty or
   skewed partitions), each spilled to memory-mapped files on its executor.  Records that
   are not Samples, features or labels of different shapes, no records at all, or a
   ``batch_size`` that is not a multiple of ``P`` are a ValueError before any training
   job (the last one before any Spark job at all).
2. Each iteration is one Spark job: the driver broadcasts the flat weights; each partition
   reads only the rows of its share ``batch_size / P`` of the global mini-batch and returns
   the gradient and loss sums and its record count; ``treeAggregate(None, ...)`` sums
   them; the driver divides by the records (when the criterion averages), applies the
   optim method and destroys the broadcast.  So an iteration costs the batch, not the data.
3. Randomness is a pure function of counters: a partition's records are visited in a philox
   permutation per local epoch keyed by (seed, epoch, partition), and the model's random
   layers are seeded from (seed, iteration, partition) in every task.  A task Spark retries
   computes the same result, and a run is reproducible for a seed whatever the scheduling.
   With a full batch and no random layers the weights equal local mode's to float rounding.
4. Threads: each task runs its kernels with ``spark.task.cpus`` OpenMP threads, set in the
   task itself (nothing is inherited from an earlier task in the same worker).
5. Faults: a failed job is a ``JobFailed`` (a RuntimeError) naming the iteration and the
   worker's error.  With ``set_checkpoint`` the optimizer reloads the last checkpoint it
   wrote (or its starting point, before the first one) and continues, at most
   ``max_retries`` times (BigDL's default 5), logging each retry on ``bigdl_py.optim``.

The seed is ``RNG.get_seed()`` when ``optimize()`` starts.  When ``PYSPARK_PYTHON`` is
unset the context's workers are pointed at this interpreter; workers that cannot import
bigdl_py are an ImportError saying so.  The model and criterion are pickled to the
workers: they must be bigdl_py classes (or classes importable on the workers).
"""
import copy
import functools
import logging
import os
import weakref

from .._validate import check_int
from ..random import RNG
from ..utils.spark import is_dataframe
from . import _spark_cache as cache
from . import _spark_data as data
from . import _spark_tasks as tasks
from ._checkpoint import Snapshot
from ._spark_cache import JobFailed, context_of, model_dtype
from ._spark_frames import dataframe_chunks
from .local import LocalOptimizer, _batch_size, _validation_args
from .sgd import SGD

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

    max_retries = 5  # BigDL's bigdl.failure.retryTimes

    def __init__(self, model, training_set, criterion, end_trigger=None, batch_size=32,
                 optim_method=None, *, features_col="features", label_col="label",
                 feature_shape=None):
        self._setup(model, criterion, end_trigger, batch_size, optim_method)
        sc = context_of(training_set, "DistriOptimizer", "training_set")
        parts = cache.task_slots(sc)
        if self.batch_size % parts:
            raise ValueError(f"DistriOptimizer: expected batch_size to be a multiple of the "
                             f"number of partitions ({parts}: the cluster's task slots), got "
                             f"batch_size={self.batch_size}")
        cache.check_python_workers(sc)
        self.sc, self._parts = sc, parts
        self._columns = (features_col, label_col, feature_shape)
        self._use_training_set(training_set)
        self._local_sgd = None
        self._fault = None  # test hook: (iteration, partition) whose first attempt dies
        self._job_b = None

    def _use_training_set(self, training_set):
        """Cache ``training_set`` (rebalanced into even partitions) as the data to train on."""
        self._blocks, info = self._cache(training_set, "training set")
        self._records, self._features = info["n"], info["features"]
        self._layout = info["layout"]  # several feature arrays per record (graph inputs)
        self._block_sizes = [b.n for b in info["blocks"]]
        self._check_model(info["first"])

    def set_traindata(self, training_rdd, batch_size=None):
        """Train on another RDD of Samples (or DataFrame) from now on, with ``batch_size``
        if given (BigDL's ``set_traindata(training_rdd, batch_size)``)."""
        if batch_size is not None:
            batch_size = _batch_size(batch_size, "DistriOptimizer.set_traindata")
            if batch_size % self._parts:
                raise ValueError(f"DistriOptimizer.set_traindata: expected batch_size to be a "
                                 f"multiple of the number of partitions ({self._parts}), got "
                                 f"batch_size={batch_size}")
        context_of(training_rdd, "DistriOptimizer.set_traindata", "training_rdd")
        self._use_training_set(training_rdd)
        if batch_size is not None:
            self.batch_size = batch_size
        return self

    def _cache(self, data, what):
        """Cache ``data`` (RDD or DataFrame) into ``P`` even partitions; the files and the
        cached descriptors are released with the optimizer."""
        if is_dataframe(data):
            dtype = model_dtype(self.model)
            features, label, shape = self._columns
            data = dataframe_chunks(data, features, label, dtype, "DistriOptimizer", shape)
        blocks, info = cache.cache(data, self._parts, what)
        weakref.finalize(self, cache.release, blocks, info["blocks"])
        return blocks, info

    # ---- configuration ------------------------------------------------------------------
    def set_validation(self, batch_size, val_rdd, trigger=None, val_method=None):
        """Validate on ``val_rdd`` (an RDD of Samples or a DataFrame with the training
        set's columns) on the cluster whenever ``trigger`` fires (default ``EveryEpoch()``)
        with ``val_method`` (default ``[Top1Accuracy()]``): each partition scores its
        records in evaluation mode, in chunks of ``batch_size``, and the driver adds the
        partial results.  Empty partitions are fine."""
        owner = "DistriOptimizer.set_validation"
        trigger, methods = _validation_args(trigger, val_method, owner)
        batch_size = _batch_size(batch_size, owner)
        context_of(val_rdd, owner, "the validation set")
        blocks, info = self._cache(val_rdd, "validation set")
        if (info["features"][0], info["layout"]) != (self._features[0], self._layout):
            cache.release(blocks, info["blocks"])
            raise ValueError(f"{owner}: expected validation features of shape "
                             f"{self._features[0]} (as the training set), got "
                             f"{info['features'][0]}")
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
        steps = check_int(steps, "DistriOptimizer.set_local_sgd", "steps", 1)
        if type(self.optim_method) is not SGD:
            raise ValueError(f"DistriOptimizer.set_local_sgd: expected an SGD optim method "
                             f"(local SGD), got {type(self.optim_method).__name__}")
        self._local_sgd = steps
        return self

    # ---- the local optimizer's hooks ------------------------------------------------------
    def _num_records(self):
        return self._records

    def _prepare(self):
        model = copy.deepcopy(self.model).clear_state()
        self._averages = tasks.averages(self.criterion)
        job = {"model": model, "criterion": self.criterion, "averages": self._averages,
               "share": self.batch_size // self._parts, "seed": RNG.get_seed(),
               "algorithm": RNG.algorithm(), "fault": self._fault, "steps": self._local_sgd,
               "threads": cache.task_cpus(self.sc), "optim": None, "layout": self._layout}
        if self._local_sgd is not None:
            job["optim"] = copy.deepcopy(self.optim_method).clear_history()
        self._job_b = self.sc.broadcast(job)

    def _finish(self):
        """Free the job broadcast (the cached data stays for a later ``optimize()``; it is
        released with the optimizer)."""
        if self._job_b is not None:
            self._job_b.destroy()
            self._job_b = None

    def _begin_epoch(self, epoch):
        pass

    def _train_step(self, state, pos):
        om, pairs = self.optim_method, self.model._param_pairs()
        steps = self._local_sgd
        if steps is None:
            fn = functools.partial(tasks.train_partition, self._job_b)
            grad, loss, count = self._run(fn, state["neval"], "iteration")
            div = count if self._averages else 1
            tasks.set_flat(self.model, grad, which=1, divisor=div)
            self._update(pairs)
            return loss / div, self.batch_size, 1
        fn = functools.partial(tasks.local_sgd_partition, self._job_b, om.state["evalCounter"])
        weights, loss, parts = self._run(fn, state["neval"], "iteration")
        tasks.set_flat(self.model, weights, divisor=parts)
        om.state["evalCounter"] += steps
        return loss / parts, steps * self.batch_size, steps

    def _run(self, fn, iteration, what, blocks=None):
        """One Spark job: broadcast the weights, run ``fn(weights_b, iteration)`` on every
        partition, sum the results on the way back, destroy the broadcast.  A failed job
        is a ``JobFailed`` naming ``what`` and the iteration."""
        weights_b = self.sc.broadcast(tasks.get_flat(self.model))
        try:
            rdd = (self._blocks if blocks is None else blocks).mapPartitionsWithIndex(
                functools.partial(fn, weights_b, iteration))
            with cache.spark_errors("DistriOptimizer", f"{what} {iteration}"):
                return rdd.treeAggregate(None, tasks.add_results, tasks.add_results)
        finally:
            weights_b.destroy()

    def _validation_results(self, batch_size, blocks, _, methods):
        fn = functools.partial(tasks.eval_partition, self._job_b, methods, batch_size)
        return list(self._run(fn, self.optim_method.state["neval"] - 1,
                              "validation after iteration", blocks))

    # ---- recovery -------------------------------------------------------------------------
    def optimize(self):
        """Train until the end trigger fires; returns the model.  With a checkpoint set, a
        failed Spark job is retried from the last checkpoint (at most ``max_retries``
        times, each logged); otherwise, and when the retries are used up, the
        ``JobFailed`` error names the iteration."""
        if self._checkpoint is None:
            return super().optimize()
        start, retries = Snapshot.take(self.model, self.optim_method), 0
        while True:
            try:
                return super().optimize()
            except JobFailed as e:
                if retries >= self.max_retries:
                    raise JobFailed(f"{e} (gave up after {retries} retries from "
                                    f"checkpoints)") from e
                retries += 1
                last = self._last_checkpoint_files()
                where = last[0] if last else "the starting point"
                logging.getLogger("bigdl_py.optim").warning(
                    "%s; retrying from %s (retry %d of %d)", e, where, retries,
                    self.max_retries)
                snap = Snapshot.read(*last) if last else start
                snap.restore(self.model, self.optim_method)
                self._fault = None  # the test hook fails once

    def _last_checkpoint_files(self):
        suffix = getattr(self, "_last_checkpoint", None)
        if suffix is None:
            return None
        path = self._checkpoint[0]
        return os.path.join(path, f"model.{suffix}"), os.path.join(path, f"optim.{suffix}")

    def _check_model(self, first):
        """One evaluation-mode forward of the first record on the driver, so bad shapes or
        labels fail before any training job (draws no random numbers)."""
        X, y = first
        X = data.unpack(X, self._layout)
        model = self.model
        was_training = model.is_training()
        model.evaluate()
        try:
            self.criterion.forward(model.forward(X), y)
        finally:
            model.training() if was_training else model.evaluate()
