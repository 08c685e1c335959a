"""What Spark runs on the workers for ``DistriOptimizer`` (SPEC §8).

Functions shipped to Spark workers must be importable there, so every task function lives
here, in the library.  Each is a pure function of (broadcast values, partition data,
counters): a task Spark retries gives the same result.  Each consumes its whole input
iterator (a Python worker is only reused when its input was drained).
"""
import os

import numpy as np

from ..parallel import get_num_threads, set_num_threads
from ..random import RNG
from ._spark_data import _MODEL, batch_indices, derived_key, the_block, unpack


# ---- fault injection (test hook) ---------------------------------------------------------

def _maybe_fail(fault, iteration, partition):
    """Test hook: ``fault == (iteration, partition)`` kills the Python worker on the first
    attempt of that task (``os._exit``), so Spark has to retry it (needs a master that
    allows task failures, e.g. ``local[2,4]``)."""
    if fault is None or tuple(fault) != (iteration, partition):
        return
    from pyspark import TaskContext
    ctx = TaskContext.get()
    if ctx is not None and ctx.attemptNumber() == 0:
        os._exit(17)


# ---- treeAggregate ------------------------------------------------------------------------

def add_results(a, b):
    """seqOp/combOp of treeAggregate(None, ...): element-wise sum of result tuples
    (None is the empty sum, so no zero vector is shipped with the tasks)."""
    if a is None:
        return b
    if b is None:
        return a
    return tuple(np.add(x, y, out=x) if isinstance(x, np.ndarray) else x + y
                 for x, y in zip(a, b))


# ---- the model on a worker ------------------------------------------------------------------

def set_flat(model, flat, which=0, divisor=1):
    """Copy ``flat / divisor`` into the model's parameters (which=0) or gradients (1)."""
    o = 0
    for pair in model._param_pairs():
        a = pair[which]
        np.divide(flat[o:o + a.size], divisor, out=a.reshape(-1), casting="unsafe")
        o += a.size


def get_flat(model, which=0):
    """The model's parameters (which=0) or gradients (which=1) as one flat vector."""
    pairs = model._param_pairs()
    return np.concatenate([p[which].reshape(-1) for p in pairs]) if pairs else np.empty(0)


def worker_model(job):
    """The job's model on this worker, its parameters and gradients made views of two
    flat vectors once per process and job (``Module.get_parameters``, BigDL's
    ``getParameters``): loading the broadcast weights is one copy and the gradient needs
    no concatenation.  Returns (model, flat weights, flat gradients); the vectors are
    None for a model ``get_parameters`` refuses (parameters of mixed dtypes), whose
    arrays then go through ``set_flat``/``get_flat``."""
    flat = job.get("_flat")
    if flat is None:
        model = job["model"]
        try:
            W, G = model.get_parameters()
        except ValueError:
            W = G = None
        flat = job["_flat"] = (model, W, G)
    return flat


def load_weights(job, weights):
    """The worker's model with ``weights`` (the flat broadcast vector) loaded."""
    model, W, _ = worker_model(job)
    if W is None:
        set_flat(model, weights)
    else:
        W[...] = weights
    return model


def flat_grad(job):
    model, _, G = worker_model(job)
    return get_flat(model, 1) if G is None else G


def _seed_task(job, iteration, partition):
    """Seed this worker's RNG from (job seed, iteration, partition): dropout masks and any
    other draws inside the model are a pure function of those counters."""
    RNG.set_algorithm(job["algorithm"])
    RNG.set_seed(derived_key(job["seed"], iteration, partition, _MODEL))


def averages(criterion):
    """True when the criterion divides by the batch (BigDL's ``size_average``, the
    default): tasks then return their share's mean times its size, and the driver divides
    the sums by the records in the global batch."""
    return bool(getattr(criterion, "size_average", True))


def _forward_backward(job, model, X, y, iteration, partition):
    """The criterion's loss on records X, y (returned) and its gradient (left in the
    model's gradient arrays), with the task's RNG."""
    _seed_task(job, iteration, partition)
    crit = job["criterion"]
    model.training()
    model.zero_grad_parameters()
    out = model.forward(X)
    loss = float(crit.forward(out, y))
    model.backward(X, crit.backward(out, y))
    return loss


class task_threads:
    """Context manager: this task's OpenMP threads are the job's ``threads``
    (``spark.task.cpus``), set explicitly in every task and restored afterwards, so nothing
    depends on what an earlier task left in the worker process."""

    def __init__(self, job):
        self.n = job.get("threads", 1)

    def __enter__(self):
        self.saved = get_num_threads()
        set_num_threads(self.n)

    def __exit__(self, *exc):
        set_num_threads(self.saved)


def _rows(block, idx, job):
    """The rows ``idx`` of a memory-mapped block, in memory (only those rows are read);
    the features as the model takes them (a list of arrays for several inputs)."""
    X, y = block.arrays()
    return unpack(X[idx], job.get("layout")), y[idx]


def _training_task(job_b, iteration, partition, blocks):
    """(this partition's block, the job) of a training task, after the fault-injection
    hook; an empty partition's block has ``n == 0``."""
    block = the_block(blocks)
    job = job_b.value
    _maybe_fail(job["fault"], iteration, partition)
    return block, job


def train_partition(job_b, weights_b, iteration, partition, blocks):
    """mapPartitionsWithIndex for one synchronous iteration: this partition's share of the
    global mini-batch (only those rows are read) -> one (gradient sum, loss sum, records)
    tuple; for a criterion that averages (``averages``) the share's mean is multiplied by
    the share's size, so the driver divides the sums by the global batch.  An empty
    partition contributes nothing."""
    block, job = _training_task(job_b, iteration, partition, blocks)
    if not block.n:
        return
    with task_threads(job):
        model = load_weights(job, weights_b.value)
        idx = batch_indices(job["seed"], partition, block.n, job["share"], iteration)
        X, y = _rows(block, idx, job)
        loss = _forward_backward(job, model, X, y, iteration, partition)
        grad, k = flat_grad(job), len(idx)
        if job["averages"]:
            grad, loss = grad * k, loss * k
        else:
            grad = grad.copy()
    yield grad, loss, k


def local_sgd_partition(job_b, eval_counter, weights_b, iteration, partition, blocks):
    """mapPartitionsWithIndex for one local-SGD round (``job["steps"]`` iterations from
    ``iteration``): SGD steps on this partition's shares -> (weights, loss sum, 1)."""
    block, job = _training_task(job_b, iteration, partition, blocks)
    if not block.n:
        return
    with task_threads(job):
        model = load_weights(job, weights_b.value)
        sgd = job["optim"]
        sgd.clear_history()
        sgd.state["evalCounter"] = eval_counter
        pairs, loss_sum = model._param_pairs(), 0.0
        for t in range(iteration, iteration + job["steps"]):
            idx = batch_indices(job["seed"], partition, block.n, job["share"], t)
            X, y = _rows(block, idx, job)
            loss_sum += _forward_backward(job, model, X, y, t, partition)
            sgd.optimize(pairs)
        _, W, _ = worker_model(job)
        weights = get_flat(model) if W is None else W.copy()
    yield weights, loss_sum / job["steps"], 1


def eval_partition(job_b, methods, batch_size, weights_b, _iteration, partition, blocks):
    """mapPartitionsWithIndex for validation: this partition's records in evaluation mode,
    in chunks of ``batch_size`` -> a tuple with one summed result per method."""
    block = the_block(blocks)
    if not block.n:
        return
    job = job_b.value
    with task_threads(job):
        model = load_weights(job, weights_b.value)
        model.evaluate()
        X, y = block.arrays()
        results = None
        for i in range(0, block.n, batch_size):
            out = model.forward(unpack(np.asarray(X[i:i + batch_size]), job.get("layout")))
            r = tuple(m(out, np.asarray(y[i:i + batch_size])) for m in methods)
            results = add_results(results, r)
    yield results
