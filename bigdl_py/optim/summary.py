"""``TrainSummary`` / ``ValidationSummary``: TensorBoard event files, as BigDL writes them
(FRAMEWORK.md §8), with no dependency: the TFRecord framing (masked CRC-32C, in
``_core/_crc32c.pyx``) and the few protobuf fields of ``Event``/``Summary``/``Histogram``
are encoded here.

A file is a sequence of records ``uint64 length | uint32 masked_crc(length) | Event |
uint32 masked_crc(Event)``; an Event holds ``wall_time`` (field 1, double), ``step``
(2, int64) and ``summary`` (5) -> ``value`` (1) -> ``tag`` (1) with ``simple_value``
(2, float) or ``histo`` (5).  ``read_scalar`` parses the files back (CRCs checked), so it
works in a later process; TensorBoard reads them too:
``tensorboard --logdir <log_dir>``.
"""
import glob
import math
import os
import socket
import struct
import time

import numpy as np

from .._crc32c import masked_crc32c
from .._validate import check_instance
from .trigger import SeveralIteration, Trigger

__all__ = ["TrainSummary", "ValidationSummary", "Summary"]


# ---- protobuf encoding (only what an Event needs) --------------------------------------------

def _varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number, wire, payload):
    """One field: key, then (for length-delimited) the length, then the payload."""
    key = _varint(number << 3 | wire)
    return key + (_varint(len(payload)) + payload if wire == 2 else payload)


def _double(number, x):
    return _field(number, 1, struct.pack("<d", x))


def _event(wall_time, step=None, values=()):
    """An Event: wall_time, step and a Summary holding ``values`` (encoded Values)."""
    out = _double(1, wall_time)
    if step is not None:
        out += _field(2, 0, _varint(step & 0xFFFFFFFFFFFFFFFF))
    if values:
        out += _field(5, 2, b"".join(_field(1, 2, v) for v in values))
    return out


def _scalar_value(tag, value):
    return _field(1, 2, tag.encode("utf-8")) + _field(2, 5, struct.pack("<f", value))


def _bucket_limits():
    pos = [1e-12]
    while pos[-1] < 1e20:
        pos.append(pos[-1] * 1.1)
    return np.array([-p for p in reversed(pos)] + [0.0] + pos + [np.finfo(np.float64).max])


_LIMITS = _bucket_limits()  # TensorFlow's default histogram buckets (as BigDL's)


def _histogram_value(tag, values):
    """A Value holding a HistogramProto of ``values`` (TensorFlow's default buckets, runs
    of empty buckets collapsed into their last one, as TensorFlow writes them)."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    counts = np.bincount(np.searchsorted(_LIMITS, v, side="right"),
                         minlength=len(_LIMITS))[:len(_LIMITS)].astype(np.float64)
    keep = (counts > 0) | np.append(counts[1:] > 0, True)
    if v.size:
        first, last = np.flatnonzero(counts)[[0, -1]]
        keep[:first] = False
        keep[last + 1:] = False
    histo = b"".join(_double(i + 1, x) for i, x in enumerate(
        (v.min() if v.size else 0.0, v.max() if v.size else 0.0, float(v.size),
         float(v.sum()), float(np.dot(v, v)))))
    histo += _field(6, 2, _LIMITS[keep].astype("<f8").tobytes())
    histo += _field(7, 2, counts[keep].astype("<f8").tobytes())
    return _field(1, 2, tag.encode("utf-8")) + _field(5, 2, histo)


def _record(data):
    head = struct.pack("<Q", len(data))
    return (head + struct.pack("<I", masked_crc32c(head)) + data
            + struct.pack("<I", masked_crc32c(data)))


# ---- reading back --------------------------------------------------------------------------

def _read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        n |= (b & 0x7F) << shift
        i += 1
        if b < 0x80:
            return n, i
        shift += 7


def _fields(buf):
    """(number, wire type, value) of each field of a message (bytes for wire type 2)."""
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        elif wire == 2:
            n, i = _read_varint(buf, i)
            value, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"summary file: expected protobuf wire type 0, 1, 2 or 5, got "
                             f"{wire}")
        yield number, wire, value


def _records(path):
    """The Event payloads of one file; stops at a truncated or corrupt record (a file
    being written, or damaged: what was read before is kept)."""
    with open(path, "rb") as f:
        data = f.read()
    i = 0
    while i + 12 <= len(data):
        head = data[i:i + 8]
        (n,) = struct.unpack("<Q", head)
        if struct.unpack("<I", data[i + 8:i + 12])[0] != masked_crc32c(head) or \
                i + 16 + n > len(data):
            return
        payload = data[i + 12:i + 12 + n]
        if struct.unpack("<I", data[i + 12 + n:i + 16 + n])[0] != masked_crc32c(payload):
            return
        yield payload
        i += 16 + n


def _scalars(payload, tag):
    wall, step, found = 0.0, 0, []
    for number, _, value in _fields(payload):
        if number == 1:
            (wall,) = struct.unpack("<d", value)
        elif number == 2:
            step = value - (1 << 64) if value >= 1 << 63 else value
        elif number == 5:
            for vnum, _, v in _fields(value):
                if vnum != 1:
                    continue
                fields = {n: x for n, _, x in _fields(v)}
                if fields.get(1) == tag.encode("utf-8") and 2 in fields:
                    found.append(struct.unpack("<f", fields[2])[0])
    return [[float(step), x, wall] for x in found]


# ---- the summaries -----------------------------------------------------------------------

class Summary:
    """An event file under ``log_dir/app_name/<kind>``, created at construction (as
    BigDL): ``bigdl.tfevents.<unix seconds>.<hostname>`` starting with an Event holding
    only the wall time."""

    _kind = None

    def __init__(self, log_dir, app_name):
        owner = type(self).__name__
        for name, v in (("log_dir", log_dir), ("app_name", app_name)):
            if not isinstance(v, (str, os.PathLike)):
                raise TypeError(f"{owner}: expected {name} to be a path string, got "
                                f"{type(v).__name__}")
        self.log_dir, self.app_name = os.fspath(log_dir), os.fspath(app_name)
        self.folder = os.path.join(self.log_dir, self.app_name, self._kind)
        os.makedirs(self.folder, exist_ok=True)
        now = time.time()
        base = os.path.join(self.folder, f"bigdl.tfevents.{int(now)}.{socket.gethostname()}")
        path, k = base, 0
        while os.path.exists(path):  # a second summary in the same second
            k += 1
            path = f"{base}.{k}"
        self.path = path
        self._file = open(path, "ab")
        self._write(_event(now))

    def _write(self, event):
        self._file.write(_record(event))
        self._file.flush()

    def add_scalar(self, tag, value, step):
        """Append the scalar ``value`` (stored as float32) for ``tag`` at ``step``."""
        self._write(_event(time.time(), int(step), [_scalar_value(str(tag), float(value))]))
        return self

    def add_histogram(self, tag, values, step):
        """Append a histogram of ``values`` for ``tag`` at ``step``."""
        self._write(_event(time.time(), int(step), [_histogram_value(str(tag), values)]))
        return self

    def read_scalar(self, tag):
        """``[[step, value, wall_time], ...]`` for ``tag`` from every ``bigdl.tfevents*``
        file in this summary's folder, sorted by step (``[]`` for an unknown tag); steps
        are floats as BigDL returns them, values float32 read back as floats."""
        if not isinstance(tag, str):
            raise TypeError(f"{type(self).__name__}.read_scalar: expected a str tag, got "
                            f"{type(tag).__name__}")
        rows = []
        for path in sorted(glob.glob(os.path.join(glob.escape(self.folder),
                                                  "bigdl.tfevents*"))):
            for payload in _records(path):
                rows.extend(_scalars(payload, tag))
        rows.sort(key=lambda r: (r[0], r[2]))
        return rows

    def close(self):
        if not self._file.closed:
            self._file.close()

    def __getstate__(self):  # pickled to Spark with an optimizer: the file stays here
        raise TypeError(f"{type(self).__name__}: cannot be pickled (it holds an open file)")

    def __repr__(self):
        return f"{type(self).__name__}({self.log_dir!r}, {self.app_name!r})"


class TrainSummary(Summary):
    """What the optimizer records during training, under ``log_dir/app_name/train``: the
    scalars ``Loss``, ``Throughput`` (records/s) and, once asked, ``LearningRate`` at the
    1-based iteration number, and ``Parameters`` (a histogram of every weight, bias and
    gradient, tagged ``<layer>/<weight|bias|gradWeight|gradBias>``).

    ``Loss`` and ``Throughput`` are written every iteration; ``set_summary_trigger(name,
    trigger)`` sets when each is written (``LearningRate`` and ``Parameters`` are off
    until set).  Use with ``optimizer.set_train_summary(summary)``.

    Examples
    --------
    >>> import tempfile
    >>> from bigdl_py.optim import SeveralIteration
    >>> s = TrainSummary(tempfile.mkdtemp(), "demo")
    >>> _ = s.set_summary_trigger("LearningRate", SeveralIteration(1))
    >>> _ = s.add_scalar("Loss", 0.5, 1).add_scalar("Loss", 0.25, 2)
    >>> [row[:2] for row in s.read_scalar("Loss")]
    [[1.0, 0.5], [2.0, 0.25]]
    >>> s.read_scalar("nope")
    []
    """

    _kind = "train"
    _TAGS = ("LearningRate", "Loss", "Parameters", "Throughput")

    def __init__(self, log_dir, app_name):
        super().__init__(log_dir, app_name)
        self._triggers = {"Loss": SeveralIteration(1), "Throughput": SeveralIteration(1)}

    def set_summary_trigger(self, name, trigger):
        """Write ``name`` (LearningRate, Loss, Parameters or Throughput) whenever
        ``trigger`` fires; returns self."""
        check_instance(name, str, "TrainSummary", "name")
        if name not in self._TAGS:
            raise ValueError(f"TrainSummary: expected a name among {', '.join(self._TAGS)}, "
                             f"got {name!r} (TrainSummary: only support LearningRate, Loss, "
                             "Parameters and Throughput)")
        if not isinstance(trigger, Trigger):
            raise TypeError(f"TrainSummary: expected a Trigger, got {type(trigger).__name__}")
        self._triggers[name] = trigger
        return self

    def get_summary_trigger(self, name):
        """The trigger of ``name``, or None when it is not written."""
        return self._triggers.get(name)

    def _record_iteration(self, state, loss, throughput, learning_rate, model):
        """Called by the optimizer after each iteration (``state["neval"]`` already moved
        on, so the iteration's 1-based number is ``neval - 1``)."""
        step = state["neval"] - 1
        for tag, value in (("Loss", loss), ("Throughput", throughput),
                           ("LearningRate", learning_rate)):
            t = self._triggers.get(tag)
            if t is not None and t(state) and value is not None and math.isfinite(value):
                self.add_scalar(tag, value, step)
        t = self._triggers.get("Parameters")
        if t is not None and t(state):
            for layer, entry in model.parameters().items():
                for name in ("weight", "bias", "gradWeight", "gradBias"):
                    if isinstance(entry.get(name), np.ndarray):
                        self.add_histogram(f"{layer}/{name}", entry[name], step)


class ValidationSummary(Summary):
    """Validation results under ``log_dir/app_name/validation``: one scalar per
    validation method (``Top1Accuracy``, ``Top5Accuracy``, ``Loss``) at the 1-based
    iteration number whenever validation runs.  Use with
    ``optimizer.set_val_summary(summary)``."""

    _kind = "validation"
