"""bigdl_py.keras CNN layers: Convolution2D, MaxPooling2D, AveragePooling2D,
GlobalAveragePooling2D and BatchNormalization over the nn CNN modules (shapes, BigDL's
Keras defaults, the same numbers as the nn layers, "tf" = NHWC)."""
import numpy as np
import pytest

from bigdl_py import nn
from bigdl_py.keras import layers as L
from bigdl_py.keras.models import Sequential


def run(layer, shape, x):
    """The layer alone in a Sequential, evaluated on x."""
    m = Sequential().add(layer)
    assert m.get_output_shape()[1:] == layer.compute_output_shape(shape)
    m.net.evaluate()
    return m, m.forward(x)


@pytest.mark.parametrize("order", ["th", "tf"])
@pytest.mark.parametrize("border, sub, expect", [("valid", (1, 1), (5, 4)),
                                                 ("valid", (2, 3), (3, 2)),
                                                 ("same", (1, 1), (7, 6)),
                                                 ("same", (2, 4), (4, 2))])
def test_conv_shapes_and_numbers(order, border, sub, expect, dtype):
    shape = (3, 7, 6) if order == "th" else (7, 6, 3)
    layer = L.Convolution2D(4, 3, 3, activation="relu", border_mode=border, subsample=sub,
                            dim_ordering=order, input_shape=shape)
    out = (4,) + expect if order == "th" else expect + (4,)
    assert layer.compute_output_shape(shape) == out
    x = np.random.RandomState(0).randn(2, *shape).astype(dtype)
    m, y = run(layer, shape, x)
    conv, relu = m.net.modules
    pad = -1 if border == "same" else 0
    ref = nn.SpatialConvolution(3, 4, 3, 3, sub[1], sub[0], pad, pad,
                                data_format="NCHW" if order == "th" else "NHWC")
    assert (conv.kernel_w, conv.kernel_h, conv.stride_w, conv.stride_h, conv.pad_w,
            conv.data_format) == (ref.kernel_w, ref.kernel_h, ref.stride_w, ref.stride_h,
                                  ref.pad_w, ref.data_format)
    assert type(relu) is nn.ReLU and y.shape == (2,) + out
    ref.set_weights(conv.get_weights())
    np.testing.assert_array_equal(y, np.maximum(ref.forward(x), 0))


def test_conv_rectangular_kernel_and_init():
    layer = L.Convolution2D(2, 3, 1, init="one", bias=False, input_shape=(1, 5, 4))
    (conv,) = layer.build((1, 5, 4))
    assert (conv.kernel_h, conv.kernel_w, conv.with_bias) == (3, 1, False)
    assert np.all(conv.weight == 1) and layer.compute_output_shape((1, 5, 4)) == (2, 3, 4)
    (conv,) = L.Convolution2D(2, 3, 3, input_shape=(1, 5, 5)).build((1, 5, 5))
    bound = np.sqrt(6 / (9 + 18))  # Xavier (glorot_uniform): fans 1*3*3 and 2*3*3
    assert np.all(np.abs(conv.weight) <= bound) and np.abs(conv.weight).max() > bound / 2
    assert np.all(conv.bias == 0)


@pytest.mark.parametrize("order", ["th", "tf"])
def test_pooling(order, dtype):
    shape = (2, 5, 7) if order == "th" else (5, 7, 2)
    x = np.random.RandomState(1).randn(3, *shape).astype(dtype)
    xc = x if order == "th" else x.transpose(0, 3, 1, 2)  # channels first, for the checks
    back = (lambda a: a) if order == "th" else (lambda a: a.transpose(0, 2, 3, 1))
    _, y = run(L.MaxPooling2D(dim_ordering=order, input_shape=shape), shape, x)
    np.testing.assert_array_equal(
        y, back(xc[:, :, :4, :6].reshape(3, 2, 2, 2, 3, 2).max(axis=(3, 5))))
    _, y = run(L.AveragePooling2D((1, 3), strides=(1, 2), dim_ordering=order,
                                  input_shape=shape), shape, x)
    want = np.stack([xc[..., j:j + 3].mean(-1) for j in (0, 2, 4)], -1)
    np.testing.assert_allclose(y, back(want), rtol=1e-6)
    # "same": ceil(size / stride) outputs; clipped windows average only the input values
    layer = L.AveragePooling2D((3, 3), border_mode="same", dim_ordering=order,
                               input_shape=shape)
    assert layer.compute_output_shape(shape) == ((2, 2, 3) if order == "th" else (2, 3, 2))
    _, y = run(layer, shape, x)
    # rows 0-2 (the odd padding row at the bottom), cols -1..1 (one padding column each side)
    np.testing.assert_allclose(y[0, 0, 0, 0], xc[0, 0, :3, :2].mean(), rtol=1e-6)
    _, y = run(L.MaxPooling2D((3, 3), (2, 2), "same", order, input_shape=shape), shape, x)
    assert y.shape[1:] == ((2, 3, 4) if order == "th" else (3, 4, 2))
    _, y = run(L.GlobalAveragePooling2D(order, input_shape=shape), shape, x)
    np.testing.assert_allclose(y, xc.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape, order, cls", [((4,), "th", nn.BatchNormalization),
                                               ((3, 4, 5), "th", nn.SpatialBatchNormalization),
                                               ((4, 5, 3), "tf", nn.SpatialBatchNormalization)])
def test_batch_normalization_defaults(shape, order, cls):
    layer = L.BatchNormalization(dim_ordering=order, axis=1 if order == "th" else -1,
                                 input_shape=shape)
    (bn,) = layer.build(shape)
    assert type(bn) is cls and (bn.eps, bn.momentum) == (1e-3, 0.01)
    assert np.all(bn.weight == 1) and np.all(bn.bias == 0)
    if len(shape) == 3:
        assert bn.data_format == ("NCHW" if order == "th" else "NHWC")
    x = np.random.RandomState(2).randn(6, *shape).astype(np.float32) + 5
    axes = tuple(i for i in range(x.ndim) if i != (1 if order == "th" else x.ndim - 1))
    y = bn.forward(x)
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-5)
    # Keras' momentum 0.99 keeps 99% of the running mean (starting at 0)
    np.testing.assert_allclose(bn.running_mean, 0.01 * x.mean(axis=axes), rtol=1e-5)
    (bn,) = L.BatchNormalization(1e-2, 0, 1, 0.9, "one", "zero").build((4,))
    assert (bn.eps, bn.momentum) == (1e-2, 0.1)
    assert np.all(bn.weight == 0) and np.all(bn.bias == 1)


def test_cnn_stack_shapes_and_summary(capsys):
    m = Sequential()
    m.add(L.Convolution2D(8, 3, 3, border_mode="same", input_shape=(1, 12, 12)))
    m.add(L.BatchNormalization()).add(L.Activation("relu")).add(L.MaxPooling2D())
    m.add(L.Convolution2D(4, 3, 3)).add(L.GlobalAveragePooling2D()).add(L.Dense(3))
    assert m._shapes == [(8, 12, 12), (8, 12, 12), (8, 12, 12), (8, 6, 6), (4, 4, 4), (4,),
                         (3,)]
    m.summary()
    out = capsys.readouterr().out
    assert "convolution2d1 (Convolution2D)" in out and "80" in out  # 8*9 + 8
    assert "batchnormalization2" in out and "16" in out and "Total params: 403" in out
    assert m.predict(np.zeros((2, 1, 12, 12), np.float32)).shape == (2, 3)


@pytest.mark.parametrize("bad, exc, match", [
    (lambda: L.Convolution2D(4, 3, 3, border_mode="full"), ValueError,
     r"Convolution2D: expected border_mode in \['same', 'valid'\], got 'full'"),
    (lambda: L.Convolution2D(4, 3, 3, subsample=(1,)), ValueError,
     r"Convolution2D: expected subsample as 2 ints >= 1"),
    (lambda: L.Convolution2D(4, 3, 3, subsample=2), TypeError,
     r"Convolution2D: expected subsample to be a tuple of ints, got 2"),
    (lambda: L.Convolution2D(4, 3, 3, subsample=(1, True)), TypeError,
     r"Convolution2D: expected subsample to be a tuple of ints, got \(1, True\)"),
    (lambda: L.Convolution2D(0, 3, 3), ValueError, r"Convolution2D: expected nb_filter >= 1"),
    (lambda: L.Convolution2D(4, 3, 3, dim_ordering="NCHW"), ValueError,
     r"Convolution2D: expected dim_ordering in \['tf', 'th'\]"),
    (lambda: L.Convolution2D(4, 3, 3, W_regularizer=0.1), TypeError,
     r"Convolution2D: expected W_regularizer to be a Regularizer or None"),
    (lambda: L.Convolution2D(4, 3, 3, bias=1), TypeError, r"Convolution2D: expected bias"),
    (lambda: L.MaxPooling2D(strides=(0, 1)), ValueError, r"MaxPooling2D: expected strides"),
    (lambda: L.AveragePooling2D(border_mode="VALID "), ValueError,
     r"AveragePooling2D: expected border_mode"),
    (lambda: L.GlobalAveragePooling2D("nhwc"), ValueError, r"GlobalAveragePooling2D: expected "
                                                           r"dim_ordering"),
    (lambda: L.BatchNormalization(mode=1), ValueError, r"BatchNormalization: expected mode=0"),
    (lambda: L.BatchNormalization(axis=-1), ValueError,
     r"BatchNormalization: expected axis in \[1\] for dim_ordering='th', got -1"),
    (lambda: L.BatchNormalization(momentum=1.5), ValueError,
     r"BatchNormalization: expected momentum in \[0, 1\]"),
    (lambda: L.BatchNormalization(gamma_init="ones"), ValueError,
     r"BatchNormalization: expected gamma_init in"),
])
def test_bad_arguments(bad, exc, match):
    with pytest.raises(exc, match=match):
        bad()


@pytest.mark.parametrize("first, second, match", [
    (L.Dense(4, input_shape=(3,)), L.Convolution2D(2, 3, 3),
     r"layer 2 \(Convolution2D\(2, 3, 3.*output shape \(None, 4\) of layer 1 \(Dense\(4.*"
     r"Convolution2D: expected 3-D samples \(channels, rows, cols\)"),
    (L.Reshape((1, 4, 4), input_shape=(16,)), L.Convolution2D(2, 5, 5),
     r"Convolution2D: expected maps of at least the kernel's 5x5 .*\(None, 1, 4, 4\)"),
    (L.Reshape((1, 3, 3), input_shape=(9,)), L.MaxPooling2D((4, 4)),
     r"MaxPooling2D: expected maps of at least the window's 4x4"),
    (L.Reshape((4, 4, 1), input_shape=(16,)), L.GlobalAveragePooling2D("tf", input_shape=(1,
                                                                                        4, 4)),
     r"layer 2 \(GlobalAveragePooling2D.*expects input shape \(None, 1, 4, 4\), got "
     r"\(None, 4, 4, 1\) from layer 1 \(Reshape"),
    (L.Reshape((2, 2, 2, 2), input_shape=(16,)), L.BatchNormalization(),
     r"BatchNormalization: expected 1-D or 3-D samples, got input of shape "
     r"\(None, 2, 2, 2, 2\)"),
])
def test_mismatched_shapes(first, second, match):
    m = Sequential().add(first)
    with pytest.raises(ValueError, match=match):
        m.add(second)
    assert len(m.layers) == 1
