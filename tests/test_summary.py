"""TrainSummary / ValidationSummary (FRAMEWORK.md §8): TFRecord framing and Event protos
checked byte for byte, read back by ``read_scalar`` (also in a later process) and by
TensorBoard's own reader, and written by the local Optimizer at BigDL's steps."""
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import bigdl_py
from bigdl_py import _crc32c
from bigdl_py.nn import Linear, LogSoftMax, Sequential
from bigdl_py.nn.criterion import ClassNLLCriterion
from bigdl_py.optim import (SGD, Adam, Loss, MaxEpoch, Optimizer, SeveralIteration,
                            Top1Accuracy, TrainSummary, ValidationSummary)


def test_crc32c_known_answers():
    assert _crc32c.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert _crc32c.crc32c(b"") == 0
    c = _crc32c.crc32c(b"abc")
    assert _crc32c.masked_crc32c(b"abc") == (((c >> 15) | (c << 17)) + 0xA282EAD8) % 2 ** 32


def test_file_name_and_header_event(tmp_path):
    s = TrainSummary(str(tmp_path), "app")
    assert os.path.dirname(s.path) == str(tmp_path / "app" / "train")
    assert os.path.basename(s.path).startswith("bigdl.tfevents.")
    data = open(s.path, "rb").read()
    assert len(data) == 25  # one Event holding only wall_time (as BigDL)
    assert data[:8] == struct.pack("<Q", 9) and data[12] == 0x09
    assert struct.unpack("<I", data[8:12])[0] == _crc32c.masked_crc32c(data[:8])
    assert struct.unpack("<I", data[21:25])[0] == _crc32c.masked_crc32c(data[12:21])
    v = ValidationSummary(str(tmp_path), "app")
    assert os.path.dirname(v.path) == str(tmp_path / "app" / "validation")


def test_scalar_event_bytes(tmp_path):
    s = TrainSummary(str(tmp_path), "app").add_scalar("Loss", 1.5, 3)
    data = open(s.path, "rb").read()[25:]
    (n,) = struct.unpack("<Q", data[:8])
    event = data[12:12 + n]
    summary = b"\x0a\x0b" + b"\x0a\x04Loss" + b"\x15" + struct.pack("<f", 1.5)
    assert event[0] == 0x09 and event[9:] == b"\x10\x03" + b"\x2a\x0d" + summary


def test_read_scalar_sorted_float32_and_unknown_tag(tmp_path):
    s = TrainSummary(str(tmp_path), "app")
    for step, v in [(3, 0.1), (1, 0.3), (2, 0.2)]:
        s.add_scalar("Loss", v, step)
    rows = s.read_scalar("Loss")
    assert [r[0] for r in rows] == [1.0, 2.0, 3.0]
    assert [r[1] for r in rows] == [float(np.float32(v)) for v in (0.3, 0.2, 0.1)]
    assert all(isinstance(r, list) and len(r) == 3 for r in rows)
    assert np.array(rows).shape == (3, 3)
    assert s.read_scalar("Top1Accuracy") == []
    with pytest.raises(TypeError, match="TrainSummary.read_scalar: expected a str tag"):
        s.read_scalar(3)


def test_summary_trigger_names(tmp_path):
    s = TrainSummary(str(tmp_path), "app")
    assert s.set_summary_trigger("Parameters", SeveralIteration(2)) is s
    with pytest.raises(ValueError, match="only support LearningRate, Loss, Parameters and "
                                         "Throughput"):
        s.set_summary_trigger("Accuracy", SeveralIteration(1))
    with pytest.raises(TypeError, match="TrainSummary: expected a Trigger, got int"):
        s.set_summary_trigger("Loss", 1)
    with pytest.raises(TypeError, match="TrainSummary: expected name to be a str, got int"):
        s.set_summary_trigger(3, SeveralIteration(1))


def _train(tmp_path, method, epochs=2, parameters=None):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 4)).astype(np.float32)
    y = rng.integers(1, 4, 20)
    model = Sequential(Linear(4, 3).set_name("fc"), LogSoftMax())
    train = TrainSummary(str(tmp_path), "run")
    train.set_summary_trigger("LearningRate", SeveralIteration(1))
    if parameters is not None:
        train.set_summary_trigger("Parameters", parameters)
    val = ValidationSummary(str(tmp_path), "run")
    opt = Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxEpoch(epochs), 10, method)
    opt.set_validation(10, (X, y), val_method=[Top1Accuracy(), Loss()])
    assert opt.set_train_summary(train) is opt and opt.set_val_summary(val) is opt
    opt.optimize()
    return opt, train, val


def test_local_optimizer_writes_what_distri_writes(tmp_path):
    opt, train, val = _train(tmp_path, SGD(0.2, learningrate_decay=0.5))
    loss = train.read_scalar("Loss")
    assert [r[0] for r in loss] == [1.0, 2.0, 3.0, 4.0]  # the 1-based iteration numbers
    assert len(train.read_scalar("Throughput")) == 4
    assert all(r[1] > 0 for r in train.read_scalar("Throughput"))
    lr = [r[1] for r in train.read_scalar("LearningRate")]
    assert lr == pytest.approx([0.2 / (1 + 0.5 * n) for n in range(4)], rel=1e-6)  # positive
    acc = val.read_scalar("Top1Accuracy")
    assert [r[0] for r in acc] == [2.0, 4.0]  # validation every epoch
    assert acc[-1][1] == pytest.approx(opt.history[-1]["validation"]["Top1Accuracy"])
    assert len(val.read_scalar("Loss")) == 2
    assert train.read_scalar("fc/weight") == []  # Parameters is off by default


def test_adam_records_its_base_rate(tmp_path):
    _, train, _ = _train(tmp_path, Adam(0.01, learningrate_decay=0.5), epochs=1)
    assert [r[1] for r in train.read_scalar("LearningRate")] == \
        pytest.approx([0.01, 0.01], rel=1e-6)


def test_read_back_by_a_later_process(tmp_path):
    _train(tmp_path, SGD(0.1), epochs=1)
    code = ("import sys; from bigdl_py.optim import TrainSummary; "
            "print(len(TrainSummary(sys.argv[1], 'run').read_scalar('Loss')))")
    root = os.path.dirname(os.path.dirname(bigdl_py.__file__))  # the bigdl_py under test
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, env=env, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"


def test_tensorboard_reads_the_files(tmp_path):
    ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    _, train, val = _train(tmp_path, SGD(0.1), parameters=SeveralIteration(2))
    acc = ea_mod.EventAccumulator(train.folder, size_guidance={"scalars": 0,
                                                               "histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    assert {"Loss", "Throughput", "LearningRate"} <= set(tags["scalars"])
    events = acc.Scalars("Loss")
    assert [e.step for e in events] == [1, 2, 3, 4]
    assert [e.value for e in events] == [r[1] for r in train.read_scalar("Loss")]
    assert {"fc/weight", "fc/bias", "fc/gradWeight", "fc/gradBias"} <= set(tags["histograms"])
    h = acc.Histograms("fc/weight")
    assert [e.step for e in h] == [1, 3]  # SeveralIteration(2) fires at neval 2, 4
    assert h[0].histogram_value.num == 12
    assert sum(h[0].histogram_value.bucket) == 12
    vacc = ea_mod.EventAccumulator(val.folder)
    vacc.Reload()
    assert [e.step for e in vacc.Scalars("Top1Accuracy")] == [2, 4]


def test_truncated_file_keeps_the_complete_records(tmp_path):
    s = TrainSummary(str(tmp_path), "app").add_scalar("Loss", 1.0, 1).add_scalar("Loss", 2.0, 2)
    s.close()
    data = open(s.path, "rb").read()
    with open(s.path, "wb") as f:
        f.write(data[:-3])  # a record cut short, as while being written
    assert TrainSummary(str(tmp_path), "other").read_scalar("Loss") == []
    again = TrainSummary(str(tmp_path), "app")  # a second file in the same folder
    assert again.path != s.path
    assert [r[1] for r in again.read_scalar("Loss")] == [1.0]
