"""What Spark runs on the workers for ``DistriOptimizer`` (SPEC §8).

Functions shipped to Spark workers must be importable there, so every task function lives
here, in the library.  Each is a pure function of (broadcast values, partition data,
counters): a task Spark retries gives the same result.  Each consumes its whole input
iterator (a Python worker is only reused when its input was drained).
"""
import functools
import os

import numpy as np

from .. import _random
from ..random import RNG, philox4x32_10
from ..utils.sample import Sample

# philox counter word 3: which stream a derived key is for
_SHUFFLE, _MODEL = 1, 2


def derived_key(seed, a, b, stream):
    """A 64-bit philox key from (seed, a, b, stream): one Philox4x32-10 block with
    counter (a lo, a hi, b, stream) and key (seed lo, seed hi)."""
    r = philox4x32_10((a & 0xFFFFFFFF, a >> 32, b & 0xFFFFFFFF, stream),
                      (seed & 0xFFFFFFFF, seed >> 32))
    return r[0] | (r[1] << 32)


@functools.lru_cache(maxsize=8)
def _permutation(seed, epoch, partition, n):
    u = np.empty(n, np.float64)
    _random.uniform(u, 0.0, 1.0, derived_key(seed, epoch, partition, _SHUFFLE), 0, 1)
    perm = np.argsort(u, kind="stable")
    perm.flags.writeable = False
    return perm


def batch_indices(seed, partition, n, share, iteration):
    """Indices into a partition's ``n`` records for its ``share`` of global iteration
    ``iteration`` (1-based).  The partition walks through its records in a fresh philox
    permutation per local epoch, keyed by (seed, local epoch, partition); iteration t
    takes positions (t-1)*share ... t*share-1 of that endless walk."""
    cursor, parts = (iteration - 1) * share, []
    while share:
        epoch, offset = divmod(cursor, n)
        take = min(share, n - offset)
        parts.append(_permutation(seed, epoch, partition, n)[offset:offset + take])
        cursor += take
        share -= take
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


# ---- caching the training set as one stacked block per partition ----------------------

class Block:
    """One partition's records stacked: ``X`` (n, *features shape), ``y`` (n, *label
    shape), or the reason they could not be (``error``)."""

    __slots__ = ("index", "X", "y", "error")

    def __init__(self, index, X, y, error):
        self.index, self.X, self.y, self.error = index, X, y, error

    def __reduce__(self):
        return (Block, (self.index, self.X, self.y, self.error))

    def summary(self):
        """Small description for the driver's checks (no arrays)."""
        if self.error is not None:
            return {"index": self.index, "error": self.error}
        return {"index": self.index, "error": None, "n": len(self.X),
                "features": (self.X.shape[1:], self.X.dtype.str),
                "label": (self.y.shape[1:], self.y.dtype.str),
                "first": (self.X[:1].copy(), self.y[:1].copy())}


def stack_partition(index, records):
    """mapPartitionsWithIndex: the partition's Samples -> one ``Block``."""
    feats, labels, error = [], [], None
    for i, r in enumerate(records):
        if error is not None:
            continue  # keep draining the input
        if not isinstance(r, Sample):
            error = (f"record {i} of partition {index} is a {type(r).__module__}."
                     f"{type(r).__qualname__}, expected bigdl_py.utils.Sample")
        elif feats and (r.features.shape != feats[0].shape or r.label.shape != labels[0].shape):
            error = (f"record {i} of partition {index} has features {r.features.shape} and "
                     f"label {r.label.shape}, but record 0 has features {feats[0].shape} and "
                     f"label {labels[0].shape}")
        else:
            feats.append(r.features)
            labels.append(r.label)
    if error is None and not feats:
        error = f"partition {index} is empty"
    if error is not None:
        yield Block(index, None, None, error)
    else:
        yield Block(index, np.stack(feats), np.stack(labels), None)


def block_summary(block):
    return block.summary()


def _the_block(blocks):
    """The single Block of a partition (the whole iterator is consumed)."""
    found = [b for b in blocks]
    if len(found) != 1:
        raise RuntimeError(f"bigdl_py: expected one cached block per partition, got {len(found)}")
    return found[0]


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

def set_flat(model, flat, which=0):
    """Copy the flat vector ``flat`` into the model's parameters (which=0) or gradients
    (which=1)."""
    o = 0
    for pair in model._param_pairs():
        a = pair[which]
        a.reshape(-1)[...] = flat[o:o + a.size]
        o += a.size


def get_flat(model, which=0):
    """The model's parameters (which=0) or gradients (which=1) as one flat vector."""
    pairs = model._param_pairs()
    return np.concatenate([p[which].reshape(-1) for p in pairs]) if pairs else np.empty(0)


def _seed_task(job, iteration, partition):
    """Seed this worker's RNG from (job seed, iteration, partition): dropout masks and any
    other draws inside the model are a pure function of those counters."""
    RNG.set_algorithm(job["algorithm"])
    RNG.set_seed(derived_key(job["seed"], iteration, partition, _MODEL))


def averages(criterion):
    """True when the criterion divides by the batch (BigDL's ``size_average``, the default):
    partitions then return n * (their mean) and the driver divides by the global count."""
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


def train_partition(job_b, weights_b, iteration, partition, blocks):
    """mapPartitionsWithIndex for one synchronous iteration: this partition's share of the
    global mini-batch -> one (gradient sum, loss sum, record count) tuple."""
    block = _the_block(blocks)
    job = job_b.value
    _maybe_fail(job["fault"], iteration, partition)
    model = job["model"]
    set_flat(model, weights_b.value)
    idx = batch_indices(job["seed"], partition, len(block.X), job["share"], iteration)
    loss = _forward_backward(job, model, block.X[idx], block.y[idx], iteration, partition)
    grad = get_flat(model, 1)
    n = len(idx) if job["averages"] else 1  # a mean over n records -> a sum
    if n != 1:
        grad *= grad.dtype.type(n)
    yield grad, loss * n, len(idx)


def local_sgd_partition(job_b, eval_counter, weights_b, iteration, partition, blocks):
    """mapPartitionsWithIndex for one local-SGD round (``job["steps"]`` iterations from
    ``iteration``): SGD steps on this partition's shares -> (weights, loss sum, 1)."""
    block = _the_block(blocks)
    job = job_b.value
    _maybe_fail(job["fault"], iteration, partition)
    model = job["model"]
    set_flat(model, weights_b.value)
    sgd = job["optim"]
    sgd.clear_history()
    sgd.state["evalCounter"] = eval_counter
    pairs, loss_sum = model._param_pairs(), 0.0
    for t in range(iteration, iteration + job["steps"]):
        idx = batch_indices(job["seed"], partition, len(block.X), job["share"], t)
        loss_sum += _forward_backward(job, model, block.X[idx], block.y[idx], t, partition)
        sgd.optimize(pairs)
    yield get_flat(model), loss_sum / job["steps"], 1


def eval_partition(job_b, methods, batch_size, weights_b, _iteration, partition, blocks):
    """mapPartitionsWithIndex for validation: this partition's records in evaluation mode,
    in chunks of ``batch_size`` -> a tuple with one summed result per method."""
    block = _the_block(blocks)
    model = job_b.value["model"]
    set_flat(model, weights_b.value)
    model.evaluate()
    results = None
    for i in range(0, len(block.X), batch_size):
        out = model.forward(block.X[i:i + batch_size])
        r = tuple(m(out, block.y[i:i + batch_size]) for m in methods)
        results = add_results(results, r)
    yield results
