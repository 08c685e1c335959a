"""save_model / load_model of Keras-style models (bigdl_py's safe model format)."""
import numpy as np
import pytest

from bigdl_py import nn, optim
from bigdl_py._archive import read_archive, write_archive
from bigdl_py.keras import layers as L
from bigdl_py.keras.models import Model, Sequential, load_model


def cnn():
    m = Sequential(name="cnn")
    m.add(L.Reshape((1, 8, 8), input_shape=(64,)))
    m.add(L.Convolution2D(3, 3, 3, activation="relu", border_mode="same", name="conv"))
    m.add(L.BatchNormalization()).add(L.MaxPooling2D()).add(L.Flatten())
    m.add(L.Dense(4, activation="softmax", W_regularizer=optim.L2Regularizer(1e-3)))
    return m


def graph():
    a, b = L.Input(shape=(3,), name="a"), L.Input(shape=(3,))
    s = L.merge([L.Dense(4)(a), L.Dense(4, activation="tanh")(b)], mode="ave")
    c = L.merge([s, a], mode="concat")
    return Model([a, b], [L.Dense(2)(c), s])


def test_sequential_round_trip(tmp_path, capsys):
    rs = np.random.RandomState(0)
    x, y = rs.randn(40, 64).astype(np.float32), rs.randint(0, 4, 40)
    m = cnn().compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    m.fit(x, y, batch_size=20, nb_epoch=1)  # moves the batch-norm statistics
    m.save_model(tmp_path / "cnn.bigdl")
    again = load_model(tmp_path / "cnn.bigdl")
    assert type(again) is Sequential and again.name == "cnn"
    assert [repr(a) for a in again.layers] == [repr(a) for a in m.layers]
    assert again._shapes == m._shapes and str(again.net) == str(m.net)
    for a, b in zip(again.get_weights(), m.get_weights()):
        np.testing.assert_array_equal(a, b)
    bn, bn2 = m.net.modules[3], again.net.modules[3]
    np.testing.assert_array_equal(bn.running_mean, bn2.running_mean)
    assert np.any(bn.running_mean != 0)
    np.testing.assert_array_equal(again.predict(x), m.predict(x))
    assert again.layers[-1].W_regularizer.l2 == 1e-3
    m.summary(), again.summary()
    first, second = capsys.readouterr().out.split("Total params")[:2]
    assert "conv (Convolution2D)" in first and first.split("\n", 1)[1] in "_" * 65 + second
    again.compile("sgd", "sparse_categorical_crossentropy").fit(x, y, nb_epoch=1)
    # the file is an nn model file too
    assert str(nn.Model.load_model(tmp_path / "cnn.bigdl")) == str(m.net)


def test_model_round_trip(tmp_path):
    m = graph()
    m.saveModel(str(tmp_path / "g.bigdl"))
    again = load_model(tmp_path / "g.bigdl")
    assert type(again) is Model and len(again.nodes) == len(m.nodes)
    assert again.get_input_shape() == [(None, 3), (None, 3)]
    assert again.get_output_shape() == [(None, 2), (None, 4)]
    assert again.net.modules[0].name() == "a"
    xs = [np.random.RandomState(i).randn(5, 3).astype(np.float32) for i in range(2)]
    for a, b in zip(again.predict(xs), m.predict(xs)):
        np.testing.assert_array_equal(a, b)


def test_save_errors(tmp_path):
    path = tmp_path / "m.bigdl"
    cnn().save_model(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        cnn().save_model(path)
    assert path.read_bytes() == before
    branches = [Sequential().add(L.Dense(2, input_shape=(2,))) for _ in range(2)]
    merged = Sequential().add(L.Merge(branches))
    with pytest.raises(TypeError, match=r"save_model: cannot save argument layers of Merge"):
        merged.save_model(tmp_path / "merged.bigdl")
    assert not (tmp_path / "merged.bigdl").exists()
    with pytest.raises(ValueError, match=r"saveModel: expected weightPath=None"):
        cnn().saveModel(str(tmp_path / "x"), "w")


def tamper(src, dst, change):
    meta, arrays = read_archive(src, "model", "test")
    change(meta["keras"])
    write_archive(dst, meta, arrays, True, "test")
    return dst


@pytest.mark.parametrize("change, match", [
    (lambda k: k["layers"][1].update({"class": "system"}), r"unknown layer class 'system'"),
    (lambda k: k["layers"][1].update(modules=1), r"module counts do not match the network"),
    (lambda k: k["layers"][1]["config"].update(activation=None),
     r"builds \['SpatialConvolution'\], the file holds \['SpatialConvolution', 'ReLU'\]"),
    (lambda k: k["layers"][1]["config"].update(nb_filter=-1),
     r"cannot rebuild Convolution2D: ValueError: Convolution2D: expected nb_filter >= 1"),
    (lambda k: k["layers"][0]["config"].update(input_shape=[65]),
     r"layer Reshape.*does not fit its input: Reshape: expected samples of 64 values"),
    (lambda k: k["layers"][1]["config"].update(nb_filter=5),
     r"builds SpatialConvolution with .*'n_output_plane': 5.*the file holds .*"
     r"'n_output_plane': 3"),
    (lambda k: k.update(kind="Graph"), r"unknown model kind 'Graph'"),
    (lambda k: k.clear(), r"bad layer list"),
])
def test_hostile_keras_entries(tmp_path, change, match):
    cnn().save_model(tmp_path / "ok.bigdl")
    bad = tamper(tmp_path / "ok.bigdl", tmp_path / "bad.bigdl", change)
    with pytest.raises(ValueError, match=r"load_model: .*bad.bigdl.*" + match):
        load_model(bad)


@pytest.mark.parametrize("change, match", [
    (lambda k: k["layers"][3].update(inbound=[5]), r"bad connections of layer 3"),
    (lambda k: k["layers"][2].update(modules=["nope"]), r"names modules the network does"),
    (lambda k: k.update(outputs=[99]), r"bad inputs or outputs"),
])
def test_hostile_graph_entries(tmp_path, change, match):
    graph().save_model(tmp_path / "ok.bigdl")
    bad = tamper(tmp_path / "ok.bigdl", tmp_path / "bad.bigdl", change)
    with pytest.raises(ValueError, match=match):
        load_model(bad)


def test_plain_nn_file_is_refused(tmp_path):
    nn.Linear(2, 2).save_model(str(tmp_path / "fc.bigdl"))
    with pytest.raises(ValueError, match=r"no Keras-style model in the file"):
        load_model(tmp_path / "fc.bigdl")
