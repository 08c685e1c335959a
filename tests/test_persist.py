import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import bigdl_py
from bigdl_py.nn import LogSoftMax, Model, ReLU, Sequential, SoftMax, Tanh
from bigdl_py._archive import read_archive, write_archive


def _model():
    inner = Sequential(Tanh().set_name("t"), ReLU(True))
    m = Sequential().add(inner).add(SoftMax()).set_name("top")
    inner.modules[1].evaluate()  # mixed modes survive
    return m


def _files(folder):
    return sorted(os.listdir(folder))


def test_round_trip_structure(tmp_path):
    m = _model()
    path = tmp_path / "m.bigdl"
    assert m.save_model(path) is m
    r = Model.load_model(path)
    assert str(r) == str(m) and type(r) is Sequential
    assert [x.name() for x in _walk(r)] == [x.name() for x in _walk(m)]
    assert [x.is_training() for x in _walk(r)] == [x.is_training() for x in _walk(m)]
    assert r.modules[0].modules[1].ip is True
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_array_equal(r.forward(x), m.forward(x))
    assert _files(tmp_path) == ["m.bigdl"]  # no temporary file left behind
    e = LogSoftMax().evaluate()
    e.save_model(tmp_path / "leaf")
    assert not Model.load_model(tmp_path / "leaf").is_training()


def _walk(m):
    from bigdl_py.nn.container import walk
    return list(walk(m))


def test_exists_without_over_write(tmp_path):
    path = tmp_path / "m"
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match="save_model: .*m exists; pass over_write=True"):
        _model().save_model(path)
    assert path.read_bytes() == b"keep me"
    _model().save_model(path, over_write=True)
    assert str(Model.load_model(path)).startswith("Sequential[top]{")
    assert _files(tmp_path) == ["m"]


def test_crash_during_write_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "m"
    path.write_bytes(b"old")

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        _model().save_model(path, over_write=True)
    assert path.read_bytes() == b"old" and _files(tmp_path) == ["m"]


def test_unsaveable_module_is_type_error_before_writing(tmp_path):
    class Mine(ReLU):
        pass
    with pytest.raises(TypeError, match="save_model: cannot save a .*Mine: only the module "
                                        "classes of bigdl_py.nn can be saved"):
        Sequential(Mine()).save_model(tmp_path / "m")
    assert _files(tmp_path) == []


def test_load_does_not_touch_rng(tmp_path):
    _model().save_model(tmp_path / "m")
    bigdl_py.RNG.set_seed(5)
    a = bigdl_py.RNG.uniform_(np.empty(4))
    bigdl_py.RNG.set_seed(5)
    Model.load_model(tmp_path / "m")
    np.testing.assert_array_equal(bigdl_py.RNG.uniform_(np.empty(4)), a)


# ---- parameter layers, dropout family --------------------------------------------------
def _param_model():
    from bigdl_py.nn import NIN, Dropout, GaussianDropout, GaussianNoise, Linear, SpatialDropout2D
    from bigdl_py.optim import L1L2Regularizer, L2Regularizer
    fc1 = Linear(4, 6, wRegularizer=L2Regularizer(0.1), bRegularizer=L1L2Regularizer(0.01, 0.02))
    fc1.set_name("fc1").set_scale_w(0.5)
    drop = Dropout(0.3)
    drop.set_p(0.6)
    fc2 = Linear(6, 3, True, None, None, np.arange(18.0).reshape(3, 6) / 10, np.ones(3),
                 dtype="float64")
    nin = NIN(3, 2, untie_biases=True, spatial_shape=(2, 2), data_format="NHWC")
    return Sequential(fc1, ReLU(), drop, GaussianDropout(0.2), GaussianNoise(0.1), fc2,
                      LogSoftMax()), Sequential(SpatialDropout2D(0.2, "NHWC"), nin)


def test_round_trip_parameters_bit_exact(tmp_path):
    for m in _param_model():
        m.get_weights()[0][...] += 0.125  # trained weights, not the constructor's
        m.save_model(tmp_path / "m", over_write=True)
        r = Model.load_model(tmp_path / "m")
        assert str(r) == str(m)
        assert [x.name() for x in _walk(r)] == [x.name() for x in _walk(m)]
        for a, b in zip(r.get_weights(), m.get_weights()):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)
        assert [x._scale_w for x in _walk(r)] == [x._scale_w for x in _walk(m)]


def test_round_trip_keeps_regularizers_and_p(tmp_path):
    m, _ = _param_model()
    m.save_model(tmp_path / "m")
    r = Model.load_model(tmp_path / "m")
    fc1 = r.modules[0]
    assert repr(fc1.w_regularizer) == "L2Regularizer(0.1)"
    assert repr(fc1.b_regularizer) == "L1L2Regularizer(0.01, 0.02)"
    assert r.modules[2].get_p() == 0.6 and r.modules[5].weight.dtype == np.float64
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    m.evaluate()
    r.evaluate()
    np.testing.assert_array_equal(r.forward(x), m.forward(x))
    g = np.ones((2, 3))
    m.zero_grad_parameters()
    r.zero_grad_parameters()
    np.testing.assert_array_equal(r.backward(x, g), m.backward(x, g))
    for (_, a), (_, b) in zip(r._param_pairs(), m._param_pairs()):
        np.testing.assert_array_equal(a, b)  # regularizers and scales act alike


def test_unsaveable_argument(tmp_path):
    from bigdl_py.nn import Linear
    from bigdl_py.optim import L2Regularizer

    class MyReg(L2Regularizer):
        pass
    with pytest.raises(TypeError, match="save_model: cannot save argument wRegularizer of "
                                        "Linear: a MyReg argument"):
        Linear(2, 2, wRegularizer=MyReg(0.1)).save_model(tmp_path / "m")
    assert _files(tmp_path) == []


def test_parameter_mismatch_in_file(tmp_path):
    from bigdl_py.nn import Linear
    Linear(4, 3).save_model(tmp_path / "m")
    meta, arrays = read_archive(tmp_path / "m", "model", "t")
    arrays["a0"] = arrays["a0"].T.copy()
    write_archive(tmp_path / "bad", meta, arrays, True, "t")
    with pytest.raises(ValueError, match=r"parameter 'a0' of Linear is float32 \(4, 3\), "
                                         r"expected float32 \(3, 4\)"):
        Model.load_model(tmp_path / "bad")
    arrays["a0"] = np.zeros((3, 4))  # float64 where the layer holds float32
    write_archive(tmp_path / "bad", meta, arrays, True, "t")
    with pytest.raises(ValueError, match="parameter 'a0' of Linear is float64 .*expected float32"):
        Model.load_model(tmp_path / "bad")


# ---- damaged, foreign and hostile files -------------------------------------------------
def _meta_file(path, root, arrays=None, **extra):
    meta = {"format": "model", "version": 2, "root": root}
    meta.update(extra)
    write_archive(path, meta, arrays or {}, True, "test")


GOOD = {"class": "ReLU", "name": None, "hex": "0a1b2c3d", "training": True, "scale_w": 1.0,
        "scale_b": 1.0, "config": {}, "params": []}


def test_good_handmade_file_loads(tmp_path):
    _meta_file(tmp_path / "m", GOOD)
    assert str(Model.load_model(tmp_path / "m")) == "ReLU[0a1b2c3d](0.0, 0.0)"


def test_truncated(tmp_path):
    _model().save_model(tmp_path / "m")
    data = (tmp_path / "m").read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        (tmp_path / "t").write_bytes(data[:cut])
        with pytest.raises(ValueError, match="load_model: .*t is damaged or not a bigdl_py "
                                             "model file"):
            Model.load_model(tmp_path / "t")


def test_garbage_and_pickle(tmp_path):
    (tmp_path / "g").write_bytes(os.urandom(64).replace(b"PK", b"xx"))
    with pytest.raises(ValueError, match=r"is not a bigdl_py model file \(not a zip/npz"):
        Model.load_model(tmp_path / "g")
    (tmp_path / "p").write_bytes(pickle.dumps(_model()))
    with pytest.raises(ValueError, match=r"not a zip/npz archive: starts with b'\\x80"):
        Model.load_model(tmp_path / "p")
    # an npz whose array member holds pickled objects: never unpickled
    buf = io.BytesIO()
    meta = np.frombuffer(json.dumps({"format": "model", "version": 2, "root": GOOD}).encode(),
                         np.uint8)
    np.savez(buf, __bigdl_py__=meta, a0=np.array([{"x": 1}, None], dtype=object))
    (tmp_path / "o").write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match=r"is damaged or not a bigdl_py model file \(member "
                                         r"'a0' is not a numeric array \(dtype object\)"):
        Model.load_model(tmp_path / "o")


def test_foreign_files(tmp_path):
    np.savez(tmp_path / "plain.npz", x=np.arange(3))
    with pytest.raises(ValueError, match=r"is not a bigdl_py model file \(no __bigdl_py__"):
        Model.load_model(tmp_path / "plain.npz")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="is not a numeric array|not a bigdl_py model file"):
        Model.load_model(tmp_path / "z.zip")
    write_archive(tmp_path / "other", {"format": "optim_method", "version": 1}, {}, True, "t")
    with pytest.raises(ValueError, match=r"not a bigdl_py model file \(format 'optim_method'\)"):
        Model.load_model(tmp_path / "other")
    write_archive(tmp_path / "v9", {"format": "model", "version": 9}, {}, True, "t")
    with pytest.raises(ValueError, match="has format version 9; this bigdl_py reads version 2"):
        Model.load_model(tmp_path / "v9")
    with pytest.raises(FileNotFoundError):
        Model.load_model(tmp_path / "missing")


@pytest.mark.parametrize("change,match", [
    ({"class": "system"}, "unknown module class 'system'"),
    ({"class": "Tensor"}, "unknown module class 'Tensor'"),
    ({"class": "__import__"}, "unknown module class '__import__'"),
    ({"hex": "zz"}, "bad hex id"),
    ({"name": 3}, "bad name"),
    ({"training": "yes"}, "bad mode"),
    ({"config": "x"}, "bad configuration for ReLU"),
    ({"config": {"ip": {"$t": "object", "class": "Popen", "args": []}}},
     "unknown argument class 'Popen'"),
    ({"config": {"ip": {"$t": "eval", "v": "1+1"}}}, "unknown value tag 'eval'"),
    ({"config": {"ip": {"$t": "array", "v": "a9"}}}, "unknown value tag 'array'"),
    ({"config": {"ip": {"x": 1}}}, "unexpected value"),
    ({"config": {"a": 1, "b": 2}}, "cannot rebuild ReLU: TypeError"),
    ({"config": {"ip": "yes"}}, "cannot rebuild ReLU: TypeError: ReLU: expected ip to be a bool"),
    ({"params": ["a0"]}, "ReLU refers to a missing array 'a0'"),
    ({"kept": [1, 0]}, "bad kept flags"),
    ({"kept": [True, False]}, "ReLU has no initial parameters to keep"),
])
def test_hostile_or_damaged_meta(tmp_path, change, match):
    _meta_file(tmp_path / "m", dict(GOOD, **change))
    with pytest.raises(ValueError, match="load_model: .*m is damaged: " + match):
        Model.load_model(tmp_path / "m")


def test_hostile_structure(tmp_path):
    _meta_file(tmp_path / "m", [1, 2])
    with pytest.raises(ValueError, match="a module entry is not an object"):
        Model.load_model(tmp_path / "m")
    seq = {k: v for k, v in GOOD.items() if k != "params"}
    seq["class"] = "Sequential"
    _meta_file(tmp_path / "s", seq)
    with pytest.raises(ValueError, match="Sequential without a children list"):
        Model.load_model(tmp_path / "s")
    deep = GOOD
    for _ in range(300):
        deep = dict(seq, children=[deep])
    _meta_file(tmp_path / "d", deep)
    with pytest.raises(ValueError, match="nested too deeply"):
        Model.load_model(tmp_path / "d")
    blob = np.frombuffer(b"\xff\xfe not json", np.uint8)
    with open(tmp_path / "j", "wb") as f:
        np.savez(f, __bigdl_py__=blob)
    with pytest.raises(ValueError, match="has a damaged __bigdl_py__ member"):
        Model.load_model(tmp_path / "j")


def test_non_finite_floats_round_trip_through_json():
    from bigdl_py.nn import persist
    value = [1.5, float("inf"), (float("-inf"), 2)]
    encoded = json.loads(json.dumps(persist._encode(value, "x"), allow_nan=False))
    decoded = persist._decode(encoded, _fail)
    assert decoded[:2] == [1.5, float("inf")] and decoded[2] == (float("-inf"), 2)
    nan = persist._decode(json.loads(json.dumps(persist._encode(float("nan"), "x"))), _fail)
    assert nan != nan
    with pytest.raises(ValueError, match="bad float 'infinity'"):
        persist._decode({"$t": "float", "v": "infinity"}, _fail)


def _fail(ok, what):
    if not ok:
        raise ValueError(what)
