"""bigdl_py.keras functional API: Input, layers called on nodes, Model, Merge / merge."""
import numpy as np
import pytest

from bigdl_py import nn, optim
from bigdl_py.keras import layers as L
from bigdl_py.keras.models import Model, Sequential


def data(*shapes, seed=0):
    rs = np.random.RandomState(seed)
    return [rs.randn(*s).astype(np.float32) for s in shapes]


def test_model_equals_the_nn_graph(dtype):
    x = L.Input(shape=(4,))
    h = L.Dense(6, activation="tanh")(x)
    m = Model(x, L.Dense(3, activation="softmax")(h))
    assert m.get_input_shape() == (None, 4) and m.get_output_shape() == (None, 3)
    assert [type(n).__name__ for n in m.net.modules] == ["Identity", "Linear", "Tanh",
                                                         "Linear", "SoftMax"]
    i = nn.Input()
    ref = nn.Model(i, nn.SoftMax()(nn.Linear(6, 3)(nn.Tanh()(nn.Linear(4, 6)(i)))))
    ref.set_weights(m.get_weights())
    (xs,) = data((5, 4))
    np.testing.assert_array_equal(m.predict(xs.astype(dtype)), ref.predict(xs.astype(dtype)))


@pytest.mark.parametrize("mode, ref", [("sum", lambda a, b: a + b), ("mul", np.multiply),
                                       ("ave", lambda a, b: (a + b) / 2),
                                       ("max", np.maximum)])
def test_merge_modes(mode, ref):
    a, b = L.Input(shape=(2, 3)), L.Input(shape=(2, 3))
    m = Model([a, b], L.merge([a, b], mode=mode))
    assert m.get_input_shape() == [(None, 2, 3), (None, 2, 3)]
    xa, xb = data((4, 2, 3), (4, 2, 3))
    np.testing.assert_allclose(m.forward([xa, xb]), ref(xa, xb), rtol=1e-6)


@pytest.mark.parametrize("axis, shapes, out", [(-1, [(2, 3), (2, 5)], (2, 8)),
                                               (1, [(2, 3), (4, 3)], (6, 3)),
                                               (2, [(2, 3), (2, 1)], (2, 4)),
                                               (-2, [(1, 3), (2, 3)], (3, 3))])
def test_merge_concat_axis(axis, shapes, out):
    ins = [L.Input(shape=s) for s in shapes]
    node = L.merge(ins, mode="concat", concat_axis=axis)
    assert node.shape == out
    xs = data(*[(2,) + s for s in shapes])
    y = Model(ins, node).forward(xs)
    np.testing.assert_array_equal(y, np.concatenate(xs, axis=axis if axis > 0 else axis))


def test_multiple_outputs_and_summary(capsys):
    x = L.Input(shape=(1, 8, 8), name="image")
    c = L.Convolution2D(2, 3, 3, activation="relu", name="conv")(x)
    p = L.MaxPooling2D()(c)
    f = L.Flatten()(p)
    m = Model(x, [L.Dense(3)(f), L.Dense(1, activation="sigmoid")(f)])
    assert m.get_output_shape() == [(None, 3), (None, 1)]
    out = m.predict(np.zeros((2, 1, 8, 8), np.float32))
    assert [o.shape for o in out] == [(2, 3), (2, 1)]
    assert m.net.modules[0].name() == "image" and m.net.modules[1].name() == "conv"
    m.summary()
    text = capsys.readouterr().out
    assert "image (InputLayer)" in text and "conv (Convolution2D)" in text
    assert "(None, 2, 3, 3)" in text and "Total params: 96" in text  # 20 + 57 + 19


def test_merge_of_branch_models_in_a_sequential():
    left = Sequential().add(L.Dense(3, input_shape=(2,)))
    right = Sequential().add(L.Dense(3, input_shape=(5,)))
    m = Sequential().add(L.Merge([left, right], mode="concat")).add(L.Dense(1))
    assert m.get_input_shape() == [(None, 2), (None, 5)]
    assert m.get_output_shape() == (None, 1)
    xa, xb = data((4, 2), (4, 5))
    m.net.evaluate()
    y = m.forward([xa, xb])
    h = np.concatenate([left.net.forward(xa), right.net.forward(xb)], axis=1)
    np.testing.assert_allclose(y, m.net.modules[-1].forward(h), rtol=1e-6)
    first = Sequential().add(L.Merge(mode="sum", input_shape=[(3,), (3,)]))
    assert first.get_output_shape() == (None, 3)


def test_model_trains():
    rs = np.random.RandomState(0)
    xs = rs.randn(200, 4).astype(np.float32)
    ys = (xs[:, 0] + xs[:, 1] > 0).astype(np.int64)
    x = L.Input(shape=(4,))
    m = Model(x, L.Dense(2, activation="softmax")(L.Dense(8, activation="relu")(x)))
    m.compile(optim.Adam(learningrate=0.05), "sparse_categorical_crossentropy",
              ["accuracy"])
    m.fit(xs, ys, batch_size=20, nb_epoch=10)
    assert m.evaluate(xs, ys)[0] > 0.9 and set(m.predict_classes(xs)) == {0, 1}


def test_two_input_model_trains():
    rs = np.random.RandomState(1)
    xa, xb = rs.randn(120, 3).astype(np.float32), rs.randn(120, 2).astype(np.float32)
    ys = (xa[:, 0] - xb[:, 1] > 0).astype(np.int64)
    a, b = L.Input(shape=(3,)), L.Input(shape=(2,))
    h = L.merge([L.Dense(8, activation="relu")(a), L.Dense(8, activation="relu")(b)],
                mode="concat")
    m = Model([a, b], L.Dense(2, activation="softmax")(h))
    m.compile(optim.Adam(learningrate=0.05), "sparse_categorical_crossentropy",
              ["accuracy"])
    m.fit([xa, xb], ys, batch_size=20, nb_epoch=10, validation_data=([xa, xb], ys))
    assert m.evaluate([xa, xb], ys)[0] > 0.9
    with pytest.raises(ValueError, match=r"Model.fit: expected input of shape \[\(None, 3\), "
                                         r"\(None, 2\)\] \(batch first\), got \(120, 3\)"):
        m.fit(xa, ys)


@pytest.mark.parametrize("build, exc, match", [
    (lambda: L.Input(), ValueError, r"Input: expected shape= \(a tuple of ints"),
    (lambda: L.Input(shape=(0,)), ValueError, r"Input: expected shape as a non-empty tuple"),
    (lambda: L.Dense(3)(np.zeros(3)), TypeError, r"Dense: expected a bigdl_py.keras node"),
    (lambda: L.Merge(mode="dot"), ValueError,
     r"Merge: expected mode in \['ave', 'concat', 'max', 'mul', 'sum'\], got 'dot'"),
    (lambda: L.Merge(concat_axis=1.0), TypeError, r"Merge: expected concat_axis to be an int, "
     r"got 1.0"),
    (lambda: L.Merge(layers=[1, 2]), TypeError, r"Merge: expected layers as a list of "
     r"bigdl_py.keras models, got \[1, 2\]"),
    (lambda: L.Merge(input_shape=(3, 4)), TypeError, r"Merge: expected input_shape as a list "
     r"of shapes \(tuples\), got \(3, 4\)"),
    (lambda: L.Merge(layers=[Sequential()]), ValueError,
     r"Merge: expected layers as a list of at least two"),
    (lambda: L.Merge(input_shape=[(3,)]), ValueError,
     r"Merge: expected input_shape as a list of at least two shapes"),
    (lambda: L.merge([L.Input(shape=(3,)), L.Input(shape=(4,))]), ValueError,
     r"Merge: layer Merge\(mode='sum'\) cannot take the output shape \[\(None, 3\), "
     r"\(None, 4\)\].*expected equal input shapes for mode 'sum'"),
    (lambda: L.merge([L.Input(shape=(3, 2)), L.Input(shape=(4, 3))], "concat"), ValueError,
     r"Merge: expected input shapes that differ only along concat_axis -1"),
    (lambda: L.merge([L.Input(shape=(3,)), L.Input(shape=(4,))], "concat", 0), ValueError,
     r"Merge: expected concat_axis in \[1, 1\] or \[-1, -1\] for 1-D samples"),
    (lambda: L.merge([L.Input(shape=(3,))]), ValueError,
     r"Merge: expected at least two inputs"),
    (lambda: L.Dense(2)(L.Input(shape=(2, 3))), ValueError,
     r"Dense: layer Dense\(2.*cannot take the output shape \(None, 2, 3\) of "
     r"Input\(shape=\(2, 3\)\).*Flatten"),
    (lambda: L.Dense(2, input_shape=(4,))(L.Input(shape=(3,))), ValueError,
     r"Dense: layer Dense\(2.*expects input shape \(None, 4\), got \(None, 3\)"),
    (lambda: Model(L.Input(shape=(3,)), "out"), TypeError,
     r"Model: expected a bigdl_py.keras node or a non-empty list of nodes as output"),
    (lambda: Model(L.Input(shape=(3,)), L.Dense(2)(L.Input(shape=(3,)))), ValueError,
     r"Model: expected every input to reach an output"),
])
def test_errors(build, exc, match):
    with pytest.raises(exc, match=match):
        build()


def test_a_layer_is_called_once():
    d, x = L.Dense(2), L.Input(shape=(3,))
    d(x)
    with pytest.raises(ValueError, match=r"Dense: expected a layer called once"):
        d(x)
