"""bigdl_py.keras training extras: BigDL 0.x's paths (1-based labels), set_tensorboard,
set_checkpoint, and fit/evaluate on Spark (RDDs of Samples, distributed=True)."""
import os

import numpy as np
import pytest

import bigdl_py
from bigdl_py import nn, optim
from bigdl_py.keras import layers as L
from bigdl_py.keras.models import Sequential


def blobs(n=120, seed=0):
    rs = np.random.RandomState(seed)
    y = rs.randint(0, 3, n)
    x = (np.eye(3, 4, dtype=np.float32)[y] * 2 + 0.5 * rs.randn(n, 4)).astype(np.float32)
    return x, y


def mlp(cls=Sequential):
    bigdl_py.RNG.set_seed(3)
    return cls().add(L.Dense(6, activation="relu", input_shape=(4,))) \
        .add(L.Dense(3, activation="softmax"))


def test_bigdl_0x_paths_count_labels_from_one():
    from bigdl_py.nn.keras import layer, topology
    assert layer.Dense is L.Dense and layer.Input is L.Input
    x, y = blobs()
    m = mlp(topology.Sequential).compile(optim.Adam(learningrate=0.05),
                                         "sparse_categorical_crossentropy", ["accuracy"])
    with pytest.raises(ValueError, match=r"Sequential.fit: expected integer class labels "
                                         r">= 1"):
        m.fit(x, y, nb_epoch=1)
    m.fit(x, y + 1, batch_size=20, nb_epoch=8)
    pred = m.predict_classes(x)
    assert pred.min() == 1 and np.mean(pred == y + 1) == pytest.approx(m.evaluate(x, y + 1)[0])
    assert m.evaluate(x, y + 1)[0] > 0.9
    # the same weights on 2.x's path: the same predictions, counted from 0
    m2 = mlp().set_weights(m.get_weights())
    np.testing.assert_array_equal(m2.predict_classes(x), pred - 1)
    i = L.Input(shape=(4,))
    g = topology.Model(i, L.Dense(3, activation="softmax")(i))
    assert g._label_base == 1 and g.predict_classes(x).min() >= 1


def test_tensorboard_and_checkpoint(tmp_path):
    x, y = blobs(60)
    m = mlp().compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    with pytest.raises(RuntimeError, match=r"get_train_summary: expected set_tensorboard"):
        m.get_train_summary("Loss")
    m.set_tensorboard(str(tmp_path / "logs"), "app")
    m.set_checkpoint(str(tmp_path / "ck"))
    m.fit(x, y, batch_size=20, nb_epoch=2, validation_data=(x, y))
    assert os.path.isdir(tmp_path / "logs" / "app" / "train")
    assert [r[0] for r in m.get_train_summary("Loss")] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    val = m.get_validation_summary("Top1Accuracy")
    assert [r[0] for r in val] == [3.0, 6.0]
    assert val[-1][1] == pytest.approx(m.evaluate(x, y)[0])
    files = sorted(os.listdir(tmp_path / "ck"))
    assert files == ["model.4", "model.7", "optim.4", "optim.7"]
    saved = nn.Model.load_model(str(tmp_path / "ck" / "model.7"))
    for a, b in zip(saved.get_weights(), m.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match=r"Sequential.set_checkpoint: expected a folder path"):
        m.set_checkpoint(3)


def test_fit_on_spark_equals_local(sc):
    from bigdl_py.utils import Sample
    x, y = blobs(40)
    rdd = sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(x, y)], 2)
    runs = {}
    for data in ("local", "rdd", "arrays"):
        m = mlp().compile(optim.SGD(learningrate=0.5), "sparse_categorical_crossentropy",
                          ["accuracy"])
        if data == "local":
            history = m.fit(x, y, batch_size=40, nb_epoch=2, validation_data=(x, y))
        elif data == "rdd":
            history = m.fit(rdd, batch_size=40, nb_epoch=2, validation_data=rdd)
        else:
            history = m.fit(x, y, batch_size=40, nb_epoch=2, distributed=True)
        runs[data] = (m, history[-1]["validation"])
    local, on_rdd = runs["local"], runs["rdd"]
    for m, _ in runs.values():  # full-batch steps: the same weights up to float rounding
        for a, b in zip(m.get_weights(), local[0].get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert on_rdd[1] == pytest.approx(local[1])
    assert on_rdd[0].evaluate(rdd) == pytest.approx(local[0].evaluate(x, y))
    with pytest.raises(ValueError, match=r"Sequential.fit: expected y=None with an RDD"):
        local[0].fit(rdd, y)


def test_two_input_model_on_spark_equals_local(sc):
    from bigdl_py.keras.models import Model
    x, y = blobs(40)
    weights = []
    for distributed in (False, True):
        bigdl_py.RNG.set_seed(5)
        a, b = L.Input(shape=(3,)), L.Input(shape=(1,))
        out = L.Dense(3, activation="softmax")(L.merge([a, L.Dense(3)(b)], mode="sum"))
        m = Model([a, b], out).compile(optim.SGD(learningrate=0.5),
                                       "sparse_categorical_crossentropy")
        m.fit([x[:, :3], x[:, 3:]], y, batch_size=40, nb_epoch=2, distributed=distributed)
        weights.append(m.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
