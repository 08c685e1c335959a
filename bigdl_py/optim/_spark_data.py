"""The training data on Spark workers (SPEC §8): records stacked into numpy blocks,
rebalanced once into even partitions, spilled to memory-mapped files on the executors,
and the philox walk that picks a partition's share of each mini-batch.

Why files: Spark keeps a Python RDD's cached partitions in the JVM and streams the whole
partition to the Python worker for every task, so an iteration would cost the size of the
data instead of the size of the batch.  Each cached partition here is a small ``Block``
descriptor naming two ``.npy`` files in the executor's Spark local directory
(``SPARK_LOCAL_DIRS``, deleted by Spark when the application stops); a task memory-maps
them and reads only its rows.  Spark schedules a task where its cached descriptor lives,
so the files are local; a descriptor Spark recomputes (lost executor) rewrites them.

Library code because Spark workers must import it (see ``_spark_tasks``).
"""
import functools
import os
import tempfile

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
    _random.fill("uniform", u, 0.0, 1.0, derived_key(seed, epoch, partition, _SHUFFLE), 0, 1)
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


# ---- 0. several feature arrays per record (the inputs of a graph Model) -----------------
# A Sample whose features are a list of arrays is stored as one flat row (the arrays
# raveled and joined, in their common dtype) with its ``layout``, ((shape, dtype str), ...)
# per array (None for one array), so the storage below keeps one X array per block; tasks
# ``unpack`` the rows they read into the table of arrays the model takes.

def pack(features):
    """(one record's features as one flat row, layout) -- the row is the array itself
    (layout None) for a single array."""
    if isinstance(features, np.ndarray):
        return features, None
    dtype = np.result_type(*features)
    row = np.concatenate([np.asarray(f, dtype).ravel() for f in features])
    return row, tuple((f.shape, f.dtype.str) for f in features)


def unpack(X, layout):
    """Rows ``X`` (n, total) -> the list of arrays (n, *shape) of ``layout``, in their own
    dtypes (views when the dtype is the row's); ``X`` itself for layout None."""
    if layout is None:
        return X
    out, o = [], 0
    for shape, dtype in layout:
        size = int(np.prod(shape, dtype=np.int64))
        part = X[:, o:o + size].reshape((len(X),) + tuple(shape))
        out.append(part.astype(dtype, copy=False))
        o += size
    return out


# ---- 1. each input partition stacked into arrays ---------------------------------------

class Chunk:
    """Records already stacked (``X``, ``y`` along the first axis): what a DataFrame's
    Arrow batches become, one per batch; an RDD may mix Chunks and Samples."""

    __slots__ = ("X", "y")

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __reduce__(self):
        return (Chunk, (self.X, self.y))


class Stack:
    """One input partition stacked: ``X``, ``y`` (``n`` records, maybe none) or the
    reason they could not be (``error``); ``layout`` as ``pack`` gives it."""

    __slots__ = ("index", "X", "y", "error", "layout")

    def __init__(self, index, X, y, error, layout=None):
        self.index, self.X, self.y, self.error, self.layout = index, X, y, error, layout

    def __reduce__(self):
        return (Stack, (self.index, self.X, self.y, self.error, self.layout))

    @property
    def n(self):
        return 0 if self.X is None else len(self.X)

    def summary(self):
        """Small description for the driver's checks (no arrays but the first record)."""
        s = {"index": self.index, "error": self.error, "n": self.n, "layout": self.layout}
        if self.error is None and self.n:
            s.update(features=(self.X.shape[1:], self.X.dtype.str),
                     label=(self.y.shape[1:], self.y.dtype.str),
                     first=(self.X[:1].copy(), self.y[:1].copy()))
        return s


def stack_partition(index, records):
    """mapPartitionsWithIndex: the partition's Samples (or Chunks) -> one ``Stack``
    (empty partitions give an empty Stack)."""
    feats, labels, error, i, layout = [], [], None, 0, None
    for r in records:
        if error is not None:
            continue  # keep draining the input
        if isinstance(r, Sample):
            row, lay = pack(r.inputs)
            if feats and lay != layout:
                error = (f"record {i} of partition {index} has features {_describe(lay, row)}, "
                         f"but record 0 has {_describe(layout, feats[0][0])}")
                continue
            layout, x, t = lay, row[None], r.label[None]
        elif isinstance(r, Chunk):
            x, t = r.X, r.y
        else:
            error = (f"record {i} of partition {index} is a {type(r).__module__}."
                     f"{type(r).__qualname__}, expected bigdl_py.utils.Sample")
            continue
        if feats and (x.shape[1:] != feats[0].shape[1:] or t.shape[1:] != labels[0].shape[1:]):
            error = (f"record {i} of partition {index} has features {x.shape[1:]} and "
                     f"label {t.shape[1:]}, but record 0 has features {feats[0].shape[1:]} "
                     f"and label {labels[0].shape[1:]}")
            continue
        feats.append(x)
        labels.append(t)
        i += len(x)
    if error is not None or not feats:
        yield Stack(index, None, None, error)
    else:
        yield Stack(index, np.concatenate(feats), np.concatenate(labels), None, layout)


def _describe(layout, row):
    if layout is None:
        return f"one array {row.shape}"
    return "arrays " + ", ".join(f"{tuple(shape)} {np.dtype(d).name}" for shape, d in layout)


def stack_summary(stack):
    return stack.summary()


# ---- 2. rebalanced once: global record g goes to partition g % parts ------------------

def deal_rows(offsets, parts, index, stacks):
    """mapPartitionsWithIndex: (target partition, (source index, X rows, y rows)) pairs
    dealing this partition's records round-robin by their global index."""
    for s in stacks:
        if not s.n:
            continue
        for j in range(parts):
            start = (j - offsets[index]) % parts  # first local row whose global index is j
            if start < s.n:
                yield j, (index, s.X[start::parts], s.y[start::parts])


def target_partition(key):
    return key


# ---- 3. spilled to files the tasks memory-map ------------------------------------------

class Block:
    """A rebalanced partition's descriptor: ``n`` records in two ``.npy`` files on the
    executor that wrote them (``paths``); ``arrays()`` memory-maps them."""

    __slots__ = ("index", "n", "paths")

    def __init__(self, index, n, paths):
        self.index, self.n, self.paths = index, n, paths

    def __reduce__(self):
        return (Block, (self.index, self.n, self.paths))

    def arrays(self):
        """(X, y) read-only memory maps (empty arrays for an empty partition)."""
        if self.paths is None:
            return np.empty((0,)), np.empty((0,))
        try:
            return tuple(np.load(p, mmap_mode="r") for p in self.paths)
        except FileNotFoundError:
            raise RuntimeError(f"bigdl_py: the cached training data of partition "
                               f"{self.index} is not on this executor ({self.paths[0]}); "
                               f"its descriptor must be recomputed") from None


def local_dir():
    """This executor's Spark local directory (deleted when the application stops)."""
    dirs = os.environ.get("SPARK_LOCAL_DIRS")
    return dirs.split(",")[0] if dirs else tempfile.gettempdir()


def spill_partition(name, index, pieces):
    """mapPartitionsWithIndex after the shuffle: the dealt rows in global order -> .npy
    files (written atomically) -> one ``Block``."""
    pieces = sorted(((src, X, y) for _, (src, X, y) in pieces), key=lambda p: p[0])
    if not pieces:
        yield Block(index, 0, None)
        return
    X = np.concatenate([p[1] for p in pieces])
    y = np.concatenate([p[2] for p in pieces])
    folder = os.path.join(local_dir(), f"bigdl_py-{name}")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for what, arr in (("X", X), ("y", y)):
        path = os.path.join(folder, f"part-{index}-{what}.npy")
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            np.save(f, np.ascontiguousarray(arr))
        os.replace(tmp, path)
        paths.append(path)
    yield Block(index, len(X), tuple(paths))


def remove_block(block):
    """Delete a Block's files (when they are on this host)."""
    for p in block.paths or ():
        try:
            os.remove(p)
        except OSError:
            pass


def the_block(blocks):
    """The single Block of a partition (the whole iterator is consumed)."""
    found = [b for b in blocks]
    if len(found) != 1:
        raise RuntimeError(f"bigdl_py: expected one cached block per partition, got {len(found)}")
    return found[0]
