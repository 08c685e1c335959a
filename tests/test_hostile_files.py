"""A hostile-file corpus, generated here: every file is refused with a ValueError naming the
problem, before anything big is read or allocated, and nothing in it runs.  Also the save
side: long names, missing folders, stale temporaries, non-regular files, NaN weights."""
import io
import json
import os
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import bigdl_py._archive as archive
import bigdl_py.nn.persist as persist
from bigdl_py.nn import Dropout, Linear, Model, ReLU, Sequential
from bigdl_py.optim import SGD, Adam, OptimMethod


def _npy(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


def _meta(root, fmt="model", version=2):
    return _npy(np.frombuffer(json.dumps({"format": fmt, "version": version, "root": root})
                              .encode(), np.uint8))


def _zip(path, members, compression=zipfile.ZIP_STORED):
    """members: [(name, bytes)] written as given (names not sanitised)."""
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def _leaf(cls="ReLU", config=None, params=(), **extra):
    node = {"class": cls, "name": None, "hex": "0a1b2c3d", "training": True, "scale_w": 1.0,
            "scale_b": 1.0, "config": config or {}, "params": list(params)}
    node.update(extra)
    return node


def _load_fails(path, match, **kw):
    with pytest.raises(ValueError, match=match):
        Model.load_model(path, **kw)


def _saved(tmp_path, model=None):
    path = tmp_path / "good"
    (model or Sequential(Linear(3, 2), ReLU())).save_model(path)
    return path


# ---- the zip directory ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../evil.npy", "/abs.npy", "a/b.npy", "C:\\x.npy", "..npy",
                                  "a0.npy/../../x.npy", "a0", "x" * 70 + ".npy", "a\x00.npy"])
def test_member_names_must_be_plain(tmp_path, name):
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf())),
                                 (name, _npy(np.zeros(2, np.float32)))])
    _load_fails(path, "is not a plain name")


def test_duplicate_member_names(tmp_path):
    with pytest.warns(UserWarning):
        path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf())),
                                     ("a0.npy", _npy([1.0])), ("a0.npy", _npy([2.0]))])
    _load_fails(path, "appears twice")


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA],
                         ids=["deflate", "bzip2", "lzma"])
def test_compression_bombs_refused_before_decompressing(tmp_path, method):
    # 8 MB of zeros compress to a few kB (a ratio past 1000; the directory may declare any
    # size): the file is refused from its directory alone, nothing is decompressed
    bomb = _npy(np.zeros(1 << 21, np.float32))
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf())), ("a0.npy", bomb)],
                method)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        _load_fails(path, "is compressed")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


def test_huge_member_count_in_end_record(tmp_path, monkeypatch):
    data = bytearray(_saved(tmp_path).read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 0xFFFE, 0xFFFE)  # entries on disk / in total
    (tmp_path / "m").write_bytes(bytes(data))
    _load_fails(tmp_path / "m", "end record declares 65534 members, the directory holds 3")
    monkeypatch.setattr(archive, "MAX_MEMBERS", 1000)  # checked before the directory is read
    _load_fails(tmp_path / "m", "65534 members, more than the limit of 1000")


def test_member_count_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 2)
    path = _saved(tmp_path)  # meta + 2 arrays
    _load_fails(path, "3 members, more than the limit of 2")


def test_declared_sizes_past_the_file(tmp_path):
    path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    cd = data.find(b"PK\x01\x02")  # first central directory entry: its sizes
    struct.pack_into("<LL", data, cd + 20, 10 ** 9, 10 ** 9)
    (tmp_path / "m").write_bytes(bytes(data))
    _load_fails(tmp_path / "m", "damaged")


def test_npy_header_declaring_more_than_its_data(tmp_path):
    head = _npy(np.zeros(2, np.float32))
    lie = head.replace(b"(2,)", b"(9,)")  # same header length, 4x the data it holds
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf("Linear", {
        "input_size": 1, "output_size": 1}, ["a0", "a1"]))), ("a0.npy", lie),
        ("a1.npy", _npy(np.zeros(1, np.float32)))])
    _load_fails(path, r"member 'a0' declares shape \(9,\)")


def test_object_and_structured_members(tmp_path):
    for arr in (np.array([None], dtype=object), np.zeros(2, dtype=[("a", "f4")]),
                np.array(["x"])):
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=True)
        path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf())),
                                     ("a0.npy", buf.getvalue())])
        _load_fails(path, "not a numeric array")


# ---- the JSON --------------------------------------------------------------------------------
def test_deep_nesting(tmp_path):
    deep = 0
    for _ in range(archive.MAX_JSON_DEPTH + 5):
        deep = [deep]
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf(config={"ip": deep})))])
    _load_fails(path, "nested too deeply")
    very = "[" * 100_000 + "]" * 100_000  # deeper than Python's recursion
    blob = _npy(np.frombuffer(('{"format": "model", "version": 2, "root": ' + very + "}")
                              .encode(), np.uint8))
    _load_fails(_zip(tmp_path / "v", [("__bigdl_py__.npy", blob)]), "damaged")


@pytest.mark.parametrize("cls", [["Linear"], {"a": 1}, 3, None, True])
def test_non_string_class_name(tmp_path, cls):
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf(cls)))])
    _load_fails(path, "class name is not a string")


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers(tmp_path, text):
    root = json.dumps(_leaf()).replace('"scale_w": 1.0', f'"scale_w": {text}')
    blob = _npy(np.frombuffer(('{"format": "model", "version": 2, "root": ' + root + "}")
                              .encode(), np.uint8))
    _load_fails(_zip(tmp_path / "m", [("__bigdl_py__.npy", blob)]),
                "damaged __bigdl_py__ member .*non-finite")


def test_non_finite_hyper_parameters_rejected_by_the_layer(tmp_path):
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf("Dropout",
                                                                  {"init_p": 1.5})))])
    _load_fails(path, "cannot rebuild Dropout: ValueError: Dropout: expected init_p in")


@pytest.mark.parametrize("name", ["\x1b[31mred", "a\nb", "x" * 2000, 7])
def test_names_printable_and_bounded(tmp_path, name):
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf(name=name)))])
    _load_fails(path, "bad name")


def test_module_count_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(persist, "MAX_MODULES", 5)
    path = _saved(tmp_path, Sequential(*[ReLU() for _ in range(5)]))
    _load_fails(path, "more than 5 modules")


def test_container_with_parameters(tmp_path):
    seq = _leaf("Sequential", params=["a0"], children=[_leaf()])
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(seq)),
                                 ("a0.npy", _npy(np.zeros(2, np.float32)))])
    _load_fails(path, "container Sequential carries parameters")


def test_unknown_fields_and_unused_arrays(tmp_path):
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(_leaf(code="import os")))])
    _load_fails(path, "unknown module fields")
    path = _zip(tmp_path / "u", [("__bigdl_py__.npy", _meta(_leaf())),
                                 ("a0.npy", _npy(np.zeros(2, np.float32)))])
    _load_fails(path, r"arrays \['a0'\] belong to no module")


# ---- parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,match", [
    ("int32", "parameter 'a0' of Linear is int32"), ("int64", "parameter 'a0' of Linear is int64"),
    ("float64", "parameter 'a0' of Linear is float64"),
    # narrower arrays do not even hold the bytes of the parameters the layer declares
    ("bool", "declares parameters of 24 bytes but holds only 12 bytes"),
    ("float16", "declares parameters of 24 bytes but holds only 16 bytes")])
def test_parameter_dtype_must_match(tmp_path, dtype, match):
    root = _leaf("Linear", {"input_size": 2, "output_size": 2}, ["a0", "a1"])
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(root)),
                                 ("a0.npy", _npy(np.ones((2, 2), dtype))),
                                 ("a1.npy", _npy(np.ones(2, np.float32)))])
    _load_fails(path, match)


@pytest.mark.parametrize("root, n_arrays, match", [
    # 20000 x 20000 float64 would be 3.2 GB (6.4 GB with its gradient)
    (_leaf("Linear", {"input_size": 20000, "output_size": 20000,
                      "dtype": {"$t": "dtype", "v": "float64"}}, ["a0", "a1"]), 2,
     r"Linear: the file declares parameters of 3.2 GB but holds only 16 bytes"),
    # 10**8 channels in float64: 1.6 GB of parameters and 1.6 GB of running statistics
    (_leaf("BatchNormalization", {"n_output": 10 ** 8, "dtype": {"$t": "dtype", "v": "float64"}},
           ["a0", "a1"], buffers={"runningMean": "a2", "runningVar": "a3"}), 4,
     r"BatchNormalization: the file declares parameters of 1.6 GB but holds only 32 bytes"),
], ids=["linear", "batch_norm"])
def test_tiny_file_declaring_huge_parameters(tmp_path, root, n_arrays, match):
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(root))] +
                [(f"a{i}.npy", _npy(np.zeros(1))) for i in range(n_arrays)])
    assert path.stat().st_size < 2000
    tracemalloc.start()
    try:
        _load_fails(path, match)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_parameter_count_mismatch(tmp_path):
    root = _leaf("Linear", {"input_size": 2, "output_size": 2, "with_bias": False},
                 ["a0", "a1"])
    path = _zip(tmp_path / "m", [("__bigdl_py__.npy", _meta(root)),
                                 ("a0.npy", _npy(np.ones((2, 2), np.float32))),
                                 ("a1.npy", _npy(np.ones(2, np.float32)))])
    _load_fails(path, "Linear expects 1 parameter arrays, got 2")


def test_nan_weights_load_unless_check_finite(tmp_path):
    lin = Linear(2, 2)
    lin.weight[0, 0] = np.nan
    lin.bias[1] = np.inf
    lin.save_model(tmp_path / "m")
    r = Model.load_model(tmp_path / "m")
    assert np.isnan(r.weight[0, 0]) and np.isinf(r.bias[1])
    _load_fails(tmp_path / "m", "non-finite values in parameter 'a0' of Linear",
                check_finite=True)
    with pytest.raises(TypeError, match="check_finite to be a bool"):
        Model.load_model(tmp_path / "m", check_finite=1)


def test_load_builds_without_drawing_initial_weights(tmp_path, monkeypatch):
    from bigdl_py import RNG
    Sequential(Linear(3, 2), Dropout(0.3)).save_model(tmp_path / "m")
    calls = []
    monkeypatch.setattr(RNG, "uniform_", lambda *a, **k: calls.append(a))
    Model.load_model(tmp_path / "m")
    assert calls == []


def test_layer_config_keeps_no_caller_arrays(tmp_path):
    w = np.ones((2, 3))
    lin = Linear(3, 2, init_weight=w)
    assert "init_weight" not in lin._config() and not hasattr(lin, "_init_args")
    lin.save_model(tmp_path / "m")
    with archive.open_archive(tmp_path / "m", "model", "t") as a:
        assert len(a.members) == 2  # the weight once, and the bias


# ---- files that are not regular ---------------------------------------------------------------
def test_fifo_and_folder_refused(tmp_path):
    os.mkfifo(tmp_path / "fifo")  # opening it for reading would block forever
    _load_fails(tmp_path / "fifo", "is not a regular file")
    with pytest.raises(ValueError, match="is not a regular file"):
        OptimMethod.load(tmp_path / "fifo")
    _load_fails(tmp_path, "is not a regular file")


# ---- optim method files -----------------------------------------------------------------------
def _optim_file(path, buffers, arrays):
    meta = {"format": "optim_method", "version": 1, "class": "SGD",
            "config": {"learningrate": 0.1, "momentum": 0.9},
            "state": {"epoch": 1, "neval": 1, "evalCounter": 1}, "buffers": buffers}
    blob = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    members = [("__bigdl_py__.npy", _npy(blob))] + [(k + ".npy", _npy(v))
                                                     for k, v in arrays.items()]
    return _zip(path, members)


@pytest.mark.parametrize("dtype", ["int32", "bool", "float16"])
def test_optim_buffers_must_be_float(tmp_path, dtype):
    path = _optim_file(tmp_path / "o", [{"dfdx": "a0"}], {"a0": np.ones(3, dtype)})
    with pytest.raises(ValueError, match="state buffer is not float32 or float64"):
        OptimMethod.load(path)


def test_optim_hyper_parameters_finite(tmp_path):
    for text in ("NaN", "1e999"):
        meta = ('{"format": "optim_method", "version": 1, "class": "SGD", "config": '
                '{"learningrate": ' + text + '}, "state": {}, "buffers": []}')
        path = _zip(tmp_path / "o", [("__bigdl_py__.npy",
                                      _npy(np.frombuffer(meta.encode(), np.uint8)))])
        with pytest.raises(ValueError, match="non-finite"):
            OptimMethod.load(path)


def test_optim_state_round_trip_skips_nan_loss(tmp_path):
    m = Adam(0.1)
    w = np.ones(3, np.float32)
    m.optimize([(w, np.ones(3, np.float32))])
    m.state["Loss"] = float("nan")
    m.save(tmp_path / "o")
    r = OptimMethod.load(tmp_path / "o")
    assert "Loss" not in r.state and r.state["evalCounter"] == 1


# ---- saving ----------------------------------------------------------------------------------
def test_long_file_name_saves(tmp_path):
    name = "m" * 250
    Linear(2, 2).save_model(tmp_path / name)
    SGD().save(tmp_path / ("o" * 250))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "o" * 250])
    assert str(Model.load_model(tmp_path / name)).startswith("Linear[")


def test_missing_folder_is_reported_by_path(tmp_path):
    target = tmp_path / "no" / "such" / "m"
    with pytest.raises(FileNotFoundError, match=f"cannot save {target}: the folder "
                                                f"{target.parent} does not exist"):
        Linear(2, 2).save_model(target)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        SGD().save(target)


def test_stale_temporaries_of_the_target_are_removed(tmp_path):
    prefix = archive._temp_prefix(str(tmp_path / "m"))
    stale = tmp_path / f"{prefix}999-deadbeef.tmp"
    stale.write_bytes(b"x" * 1000)  # left by a save killed mid-write
    other = tmp_path / f"{archive._temp_prefix(str(tmp_path / 'other'))}1-00000000.tmp"
    other.write_bytes(b"y")
    Linear(2, 2).save_model(tmp_path / "m")
    assert not stale.exists() and other.exists()  # another target's temporary is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m", other.name])


def test_temporary_name_is_short_and_hidden(tmp_path):
    prefix = archive._temp_prefix(str(tmp_path / ("x" * 250)))
    assert prefix.startswith(".") and len(prefix) < 24


# ---- every layer with parameters allocates through nn._params ------------------------------------
from bigdl_py.nn import (BatchNormalization, CAdd, CMul, NIN, SpatialBatchNormalization,  # noqa
                         SpatialConvolution)
from bigdl_py.nn import _params  # noqa: E402

SMALL = {"Linear": lambda: Linear(3, 2), "NIN": lambda: NIN(3, 2),
         "SpatialConvolution": lambda: SpatialConvolution(2, 3, 2, 2),
         "BatchNormalization": lambda: BatchNormalization(3),
         "SpatialBatchNormalization": lambda: SpatialBatchNormalization(3, affine=False),
         "CAdd": lambda: CAdd([1, 3]), "CMul": lambda: CMul([2, 1])}


@pytest.mark.parametrize("name", list(SMALL))
def test_parameter_layers_allocate_within_the_load_budget(name):
    # while loading, a layer may allocate no more than the file's array bytes: a layer
    # allocating with plain np.zeros would get past a budget of 0
    with _params.loading(0):
        with pytest.raises(ValueError, match=f"{name}: the file declares parameters of "
                                             r"\d+ bytes but holds only 0 bytes"):
            SMALL[name]()
    assert SMALL[name]() is not None  # outside loading: no budget


@pytest.mark.parametrize("name", list(SMALL))
def test_parameter_layers_load_without_drawing(tmp_path, name, monkeypatch):
    from bigdl_py import RNG
    m = SMALL[name]()
    m.save_model(tmp_path / "m")
    calls = []
    for draw in ("uniform_", "normal_"):
        monkeypatch.setattr(RNG, draw, lambda *a, **k: calls.append(a))
    r = Model.load_model(tmp_path / "m")
    assert calls == []
    for a, b in zip(r._param_pairs(), m._param_pairs()):
        np.testing.assert_array_equal(a[0], b[0])
    for k, v in m._saved_buffers().items():
        np.testing.assert_array_equal(r._saved_buffers()[k], v)


# ---- optim state against the model it continues ---------------------------------------------------
from bigdl_py import RNG  # noqa: E402
from bigdl_py.nn.criterion import MSECriterion  # noqa: E402
from bigdl_py.optim import MaxIteration, Optimizer  # noqa: E402
from bigdl_py.optim._checkpoint import Snapshot  # noqa: E402


def _stepped(tmp_path, model, method):
    """``method`` after one step on ``model``'s parameters, saved and loaded back."""
    for _, g in model._param_pairs():
        g[...] = 1
    method.optimize(model._param_pairs())
    method.state["rngState"] = "checkpointed"  # what a checkpoint leaves for optimize()
    method.save(tmp_path / "o", over_write=True)
    return tmp_path / "o"


# (model the state was saved with, model it meets, message)
MISMATCHES = [
    (lambda: Linear(3, 2), lambda: Linear(2, 3),
     r"state buffer '\w+' of parameter 0 of shape \(3, 2\) and dtype float32 \(the model's\), "
     r"got shape \(2, 3\) and dtype float32"),
    (lambda: Linear(3, 2), lambda: Linear(3, 2, dtype="float64"),
     r"state buffer '\w+' of parameter 0 of shape \(2, 3\) and dtype float64 .*got shape "
     r"\(2, 3\) and dtype float32"),
    (lambda: Linear(3, 2), lambda: Linear(3, 2, with_bias=False),
     r"optim state for the model's 1 parameters, got state for 2"),
    (lambda: Sequential(Linear(3, 2), Linear(2, 2)), lambda: Linear(3, 2),
     r"optim state for the model's 2 parameters, got state for 4")]


MISMATCH_IDS = ["shape", "dtype", "count", "nested"]


@pytest.mark.parametrize("saved,model,match", MISMATCHES, ids=MISMATCH_IDS)
@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.1)],
                         ids=["SGD", "Adam"])
def test_loaded_optim_state_must_fit_the_model(tmp_path, saved, model, match, make):
    path = _stepped(tmp_path, saved(), make())
    other = model()
    with pytest.raises(ValueError, match="OptimMethod.load: expected " + match):
        OptimMethod.load(path, model=other)
    OptimMethod.load(path, model=saved())  # the model it was saved with fits
    # without model=, the Optimizer checks before it restores the RNG or changes anything
    method = OptimMethod.load(path)
    weights = [w.copy() for w, _ in other._param_pairs()]
    rng, state = RNG.get_state(), dict(method.state)
    x = np.ones((4, other._param_pairs()[0][0].shape[-1]), np.float32)
    y = np.zeros((4, other._param_pairs()[0][0].shape[0]), np.float32)
    opt = Optimizer.create(other, (x, y), MSECriterion(), MaxIteration(2), 4, method)
    with pytest.raises(ValueError, match="Optimizer: expected " + match):
        opt.optimize()
    assert method.state == state and RNG.get_state()[:3] == rng[:3]
    for (w, _), w0 in zip(other._param_pairs(), weights):
        np.testing.assert_array_equal(w, w0)


def test_sgd_per_element_rates_must_fit_the_model(tmp_path):
    path = _stepped(tmp_path, Linear(3, 2), SGD(0.1, learningrates=np.ones(8)))
    with pytest.raises(ValueError, match=r"SGD's learningrates with one value per parameter "
                                         r"element of the model \(10\), got 8"):
        OptimMethod.load(path, model=Linear(4, 2))
    with pytest.raises(TypeError, match="model to be a bigdl_py Module"):
        OptimMethod.load(path, model="model")


def test_crafted_optim_buffers_of_the_wrong_shape(tmp_path):
    # a hand-made file: SGD momentum buffers (2, 2) and (5,) for Linear(2, 2)'s (2, 2), (2,)
    path = _optim_file(tmp_path / "o", [{"dfdx": "a0"}, {"dfdx": "a1"}],
                       {"a0": np.ones((2, 2), np.float32), "a1": np.ones(5, np.float32)})
    assert OptimMethod.load(path)._buffers[1]["dfdx"].shape == (5,)  # a valid file alone
    with pytest.raises(ValueError, match=r"'dfdx' of parameter 1 of shape \(2,\) and dtype "
                                         r"float32 \(the model's\), got shape \(5,\)"):
        OptimMethod.load(path, model=Linear(2, 2))


@pytest.mark.parametrize("saved,model,match", MISMATCHES[:3], ids=MISMATCH_IDS[:3])
def test_checkpoint_snapshot_checked_before_restoring(tmp_path, saved, model, match):
    # the distributed optimizer's retry path: model.N and optim.N read back into a model
    src = saved()
    src.save_model(tmp_path / "m")
    snap = Snapshot.read(tmp_path / "m", _stepped(tmp_path, src, SGD(0.1, momentum=0.5)))
    target, method = model(), SGD(0.1)
    weights = [w.copy() for w, _ in target._param_pairs()]
    with pytest.raises(ValueError, match=r"Optimizer: expected (checkpointed parameter|a "
                                         r"checkpoint with|optim state)"):
        snap.restore(target, method)
    for (w, _), w0 in zip(target._param_pairs(), weights):
        np.testing.assert_array_equal(w, w0)
    assert method._buffers == [] and "rngState" not in method.state
    snap.restore(src, method)  # the model it came from
    assert method.state["rngState"] == "checkpointed"
