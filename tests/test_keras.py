"""bigdl_py.keras: BigDL's Keras-style API over bigdl_py.nn (shapes, names, training)."""
import numpy as np
import pytest

import bigdl_py
from bigdl_py import nn, optim
from bigdl_py.keras import layers as L
from bigdl_py.keras.models import Sequential
from bigdl_py.nn.criterion import ClassNLLCriterion, MSECriterion
from bigdl_py.nn.criterion_extra import AbsCriterion, BCECriterion


def mlp():
    m = Sequential()
    m.add(L.Dense(8, activation="relu", input_shape=(4,)))
    m.add(L.Dropout(0.25))
    m.add(L.Dense(3, activation="softmax"))
    return m


def blobs(n=240, seed=0):
    rs = np.random.RandomState(seed)
    y = rs.randint(0, 3, n)
    centres = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], np.float32)
    return (centres[y] + 0.5 * rs.randn(n, 4)).astype(np.float32), y


# ---- shapes ---------------------------------------------------------------------------------
def test_shapes_are_inferred_from_the_first_layer():
    m = mlp()
    assert m.get_input_shape() == (None, 4)
    assert m.get_output_shape() == (None, 3)
    assert [type(x).__name__ for x in m.net.modules] == ["Linear", "ReLU", "Dropout",
                                                         "Linear", "SoftMax"]
    assert m.net.modules[0].weight.shape == (8, 4)
    assert m.predict(np.zeros((5, 4), np.float32)).shape == (5, 3)


def test_summary_table(capsys):
    mlp().summary()
    out = capsys.readouterr().out
    assert "dense1 (Dense)" in out and "(None, 8)" in out and "40" in out
    assert "dropout2 (Dropout)" in out and "dense3 (Dense)" in out and "27" in out
    assert "Total params: 67" in out


def test_missing_input_shape_on_first_layer():
    with pytest.raises(ValueError, match=r"Sequential.add: expected input_shape= on the first "
                                         r"layer \(Dense\(3"):
        Sequential().add(L.Dense(3))


def test_mismatched_shapes_name_both_layers():
    m = Sequential().add(L.Dense(8, input_shape=(4,)))
    with pytest.raises(ValueError, match=r"layer 2 \(Dense\(2.*\(None, 5\), got \(None, 8\) "
                                         r"from layer 1 \(Dense\(8"):
        m.add(L.Dense(2, input_shape=(5,)))
    m2 = Sequential().add(L.GaussianNoise(0.1, input_shape=(2, 3)))
    with pytest.raises(ValueError, match=r"layer 2 \(Dense\(2.*output shape \(None, 2, 3\) of "
                                         r"layer 1 \(GaussianNoise.*Flatten"):
        m2.add(L.Dense(2))
    assert len(m.layers) == 1 and len(m.net.modules) == 1  # nothing half-added
    with pytest.raises(ValueError, match=r"SpatialDropout2D: expected 3-D samples"):
        Sequential().add(L.SpatialDropout2D(0.5, input_shape=(4,)))


@pytest.mark.parametrize("bad, exc, match", [
    (lambda: L.Dense(3, activation="swish", input_shape=(2,)), ValueError,
     r"Dense: expected activation in \['linear', 'log_softmax', 'relu', 'sigmoid', 'softmax', "
     r"'tanh'\], got 'swish'"),
    (lambda: L.Activation("gelu"), ValueError, r"Activation: expected activation in \[.*relu"),
    (lambda: L.Dense(3, init="lecun"), ValueError, r"Dense: expected init in \[.*glorot_uniform"),
    (lambda: L.Dense(0), ValueError, r"Dense: expected output_dim >= 1"),
    (lambda: L.Dense(3, bias=1), TypeError, r"Dense: expected bias to be a bool, got 1"),
    (lambda: L.Dense(3, input_shape=(0,)), ValueError, r"Dense: expected input_shape as"),
    (lambda: L.Dense(3, input_shape="3"), TypeError,
     r"Dense: expected input_shape to be a tuple of ints, got '3'"),
    (lambda: L.Dense(3, input_shape=(2.0,)), TypeError,
     r"Dense: expected input_shape to be a tuple of ints, got \(2.0,\)"),
    (lambda: L.Dropout(1.5), ValueError, r"Dropout"),
    (lambda: L.SpatialDropout2D(0.5, dim_ordering="nchw"), ValueError,
     r"SpatialDropout2D: expected dim_ordering in \['tf', 'th'\]"),
    (lambda: Sequential().add(nn.Linear(2, 2)), TypeError,
     r"Sequential.add: expected a bigdl_py.keras layer, got Linear"),
])
def test_bad_arguments(bad, exc, match):
    with pytest.raises(exc, match=match):
        bad()


# ---- layers build the nn modules ------------------------------------------------------------
@pytest.mark.parametrize("name, cls", [("relu", nn.ReLU), ("tanh", nn.Tanh),
                                       ("sigmoid", nn.Sigmoid), ("softmax", nn.SoftMax),
                                       ("log_softmax", nn.LogSoftMax), ("linear", nn.Identity)])
def test_activation_names(name, cls):
    (module,) = L.Activation(name).build((3,))
    assert type(module) is cls


@pytest.mark.parametrize("layer, cls, fmt", [
    (L.SpatialDropout1D(0.3), nn.SpatialDropout1D, None),
    (L.SpatialDropout2D(0.3, dim_ordering="tf"), nn.SpatialDropout2D, "NHWC"),
    (L.SpatialDropout3D(0.3), nn.SpatialDropout3D, "NCHW"),
    (L.GaussianDropout(0.3), nn.GaussianDropout, None),
    (L.GaussianNoise(0.3), nn.GaussianNoise, None)])
def test_noise_layers(layer, cls, fmt):
    shape = {nn.SpatialDropout1D: (4, 3), nn.SpatialDropout2D: (4, 3, 2),
             nn.SpatialDropout3D: (4, 3, 2, 2)}.get(cls, (5,))
    (module,) = layer.build(shape)
    assert type(module) is cls and layer.compute_output_shape(shape) == shape
    if fmt is not None:
        assert module.data_format == fmt


def test_same_outputs_as_the_nn_sequential(dtype):
    m = mlp()
    ref = nn.Sequential().add(nn.Linear(4, 8)).add(nn.ReLU()).add(nn.Dropout(0.25)) \
        .add(nn.Linear(8, 3)).add(nn.SoftMax())
    ref.set_weights(m.get_weights())
    x = np.random.RandomState(1).randn(7, 4).astype(dtype)
    np.testing.assert_array_equal(m.predict(x), ref.predict(x))
    m.net.evaluate(), ref.evaluate()
    np.testing.assert_array_equal(m.forward(x), ref.forward(x))


# ---- compile names --------------------------------------------------------------------------
# BigDL 2.4's bigdl.dllib.keras.utils.to_bigdl_optim_method (and 0.x's KerasModel):
# SGD(learningrate=0.01), Adam(), Adagrad(learningrate=0.01), Adadelta(decayrate=0.95,
# epsilon=1e-8), RMSprop(learningrate=0.001, decayrate=0.9), Adamax(epsilon=1e-8), with
# the rest from BigDL's optim defaults
@pytest.mark.parametrize("name, cls, hyper", [
    ("sgd", optim.SGD, dict(learningrate=0.01, learningrate_decay=0.0, weightdecay=0.0,
                            momentum=0.0, nesterov=False)),
    ("adam", optim.Adam, dict(learningrate=1e-3, learningrate_decay=0.0, beta1=0.9,
                              beta2=0.999, epsilon=1e-8)),
    ("adagrad", optim.Adagrad, dict(learningrate=0.01, learningrate_decay=0.0,
                                    weightdecay=0.0)),
    ("adadelta", optim.Adadelta, dict(decayrate=0.95, epsilon=1e-8)),
    ("rmsprop", optim.RMSprop, dict(learningrate=1e-3, learningrate_decay=0.0, decayrate=0.9,
                                    epsilon=1e-8)),
    ("AdaMax", optim.Adamax, dict(learningrate=0.002, beta1=0.9, beta2=0.999, epsilon=1e-8))])
def test_optimizer_names(name, cls, hyper):
    method = mlp().compile(name, "mse")._compile[0]
    assert type(method) is cls
    assert {k: getattr(method, k) for k in hyper} == hyper
    assert method is not mlp().compile(name, "mse")._compile[0]  # a new one per compile


@pytest.mark.parametrize("name, cls", [
    ("categorical_crossentropy", ClassNLLCriterion),
    ("sparse_categorical_crossentropy", ClassNLLCriterion), ("mse", MSECriterion),
    ("mean_squared_error", MSECriterion), ("mae", AbsCriterion),
    ("mean_absolute_error", AbsCriterion), ("binary_crossentropy", BCECriterion)])
def test_loss_names(name, cls):
    criterion = mlp().compile("sgd", name)._compile[1]
    assert type(criterion) is cls
    if cls is ClassNLLCriterion:
        assert criterion.logProbAsInput is False  # the model outputs probabilities


@pytest.mark.parametrize("name, cls", [("accuracy", optim.Top1Accuracy),
                                       ("acc", optim.Top1Accuracy),
                                       ("top5acc", optim.Top5Accuracy),
                                       ("Top5Accuracy", optim.Top5Accuracy),
                                       ("loss", optim.Loss)])
def test_metric_names(name, cls):
    (metric,) = mlp().compile("sgd", "categorical_crossentropy", [name])._compile[3]
    assert type(metric) is cls


def test_objects_are_accepted():
    method, crit = optim.Adam(learningrate=0.1), MSECriterion()
    got = mlp().compile(method, crit, [optim.Loss(crit)])._compile
    assert got[0] is method and got[1] is crit


@pytest.mark.parametrize("args, exc, match", [
    (("sgdm", "mse"), ValueError, r"expected optimizer in \['adadelta', 'adagrad', 'adam', "
                                  r"'adamax', 'rmsprop', 'sgd'\], got 'sgdm'"),
    (("sgd", "hinge"), ValueError, r"expected loss in \[.*'binary_crossentropy'.*'mse'"),
    (("sgd", "mse", ["auc"]), ValueError, r"expected metric in \['acc', 'accuracy', 'loss', "
                                          r"'top5acc', 'top5accuracy'\], got 'auc'"),
    (("sgd", "mse", ["accuracy"]), ValueError, r"expected a categorical loss"),
    ((3, "mse"), TypeError, r"expected an optimizer name or a bigdl_py.optim OptimMethod"),
    (("sgd", "mse", "accuracy"), TypeError, r"expected a list of metrics, got str"),
])
def test_bad_compile(args, exc, match):
    m = mlp()
    with pytest.raises(exc, match=r"Sequential.compile: " + match):
        m.compile(*args)
    assert m._compile is None


def test_uncompiled_and_bad_targets():
    m, (x, y) = mlp(), blobs(20)
    with pytest.raises(ValueError, match=r"Sequential.fit: expected a compiled model"):
        m.fit(x, y)
    m.compile("sgd", "sparse_categorical_crossentropy")
    before = [w.copy() for w in m.get_weights()]
    with pytest.raises(ValueError, match=r"Sequential.fit: expected integer class labels >= 0"):
        m.fit(x, y - 1)
    with pytest.raises(TypeError, match=r"Sequential.fit: expected distributed to be a bool"):
        m.fit(x, y, distributed="yes")
    with pytest.raises(ValueError, match=r"Sequential.fit: expected targets y with array "
                                         r"input, got None"):
        m.fit(x)
    with pytest.raises(ValueError, match=r"Sequential.fit: expected as many targets as "
                                         r"samples, got 19 targets for 20 samples"):
        m.fit(x, y[1:])
    with pytest.raises(ValueError, match=r"Sequential.fit: expected nb_epoch >= 1"):
        m.fit(x, y, nb_epoch=0)
    with pytest.raises(ValueError, match=r"Sequential.fit: expected input of shape \(None, 4\) "
                                         r"\(batch first\), got \(20, 5\)"):
        m.fit(np.zeros((20, 5), np.float32), y)
    with pytest.raises(ValueError, match=r"Sequential.fit \(validation_data\): expected input "
                                         r"of shape \(None, 4\)"):
        m.fit(x, y, validation_data=(x[:, :3], y))
    with pytest.raises(ValueError, match=r"Sequential.fit: expected integer class labels"):
        m.fit(x, y + 0.5)
    for call in (m.predict, m.predict_classes):
        with pytest.raises(ValueError, match=r"Sequential.predict.*expected input of shape"):
            call(np.zeros((3, 2, 2), np.float32))
    m.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Sequential.evaluate: expected one-hot targets"):
        m.evaluate(x, y)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---- training -------------------------------------------------------------------------------
def test_fit_learns_and_labels_are_zero_based():
    bigdl_py.RNG.set_seed(7)
    x, y = blobs()
    m = mlp().compile(optim.Adam(learningrate=0.02), "sparse_categorical_crossentropy",
                      ["accuracy"])
    (before,) = m.evaluate(x, y)
    history = m.fit(x, y, batch_size=16, nb_epoch=15, validation_data=(x[:60], y[:60]))
    assert len(history) == 15 and history[-1]["loss"] < history[0]["loss"]
    (after,) = m.evaluate(x, y, batch_size=50)
    assert after > 0.95 and before < 0.6
    pred = m.predict_classes(x)
    assert pred.min() == 0 and np.mean(pred == y) == pytest.approx(after)
    # one-hot targets with categorical_crossentropy score the same
    method = m._compile[0]
    m.compile(method, "categorical_crossentropy", ["accuracy", "top5acc"])
    assert m.evaluate(x, np.eye(3)[y]) == [pytest.approx(after), 1.0]
    m.fit(x, y[:, None].repeat(3, 1) == np.arange(3), nb_epoch=1)  # one more epoch runs
    assert method.state["epoch"] == 17


def test_dllib_paths_reexport_the_one_definition():
    from bigdl_py.dllib.keras import layers, models, optimizers
    assert layers.Dense is L.Dense and models.Sequential is Sequential
    assert optimizers.Adam is optim.Adam


def test_flatten_and_reshape():
    m = Sequential().add(L.Reshape((2, 6), input_shape=(12,))).add(L.Flatten()) \
        .add(L.Dense(2))
    assert m._shapes == [(2, 6), (12,), (2,)]
    assert m.predict(np.ones((3, 12), np.float32)).shape == (3, 2)
    with pytest.raises(ValueError, match=r"layer 2 \(Reshape\(\(5,\)\)\).*Reshape: expected "
                                         r"samples of 5 values"):
        Sequential().add(L.Dense(4, input_shape=(3,))).add(L.Reshape((5,)))
