"""The training data on Spark workers (SPEC §8): every partition's Samples stacked into one
cached block, and the philox walk that picks a partition's share of each mini-batch.

Library code because Spark workers must import it (see ``_spark_tasks``).
"""
import functools

import numpy as np

from .. import _random
from ..random import philox4x32_10
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


def the_block(blocks):
    """The single Block of a partition (the whole iterator is consumed)."""
    found = [b for b in blocks]
    if len(found) != 1:
        raise RuntimeError(f"bigdl_py: expected one cached block per partition, got {len(found)}")
    return found[0]
