"""examples/keras_lenet.py: BigDL's Keras-style LeNet equals the nn LeNet for the same
weights, and the example runs end to end (on tiny IDX files here; the >= 97% figure on
digits comes from a full run, see the README)."""
import runpy
from pathlib import Path

import numpy as np

from bigdl_py import nn
from test_lenet import make_mnist

EXAMPLE = runpy.run_path(str(Path(__file__).resolve().parents[1] / "examples" /
                              "keras_lenet.py"), run_name="keras_lenet")
build_model, main = EXAMPLE["build_model"], EXAMPLE["main"]


def nn_lenet():
    return (nn.Sequential().add(nn.Reshape([1, 28, 28]))
            .add(nn.SpatialConvolution(1, 6, 5, 5)).add(nn.Tanh())
            .add(nn.SpatialMaxPooling(2, 2, 2, 2))
            .add(nn.SpatialConvolution(6, 12, 5, 5)).add(nn.Tanh())
            .add(nn.SpatialMaxPooling(2, 2, 2, 2)).add(nn.Reshape([192]))
            .add(nn.Linear(192, 100)).add(nn.Tanh())
            .add(nn.Linear(100, 10)).add(nn.SoftMax()))


def test_same_outputs_as_the_nn_lenet():
    model = build_model(10)
    assert model.get_output_shape() == (None, 10)
    assert [s for s in model._shapes] == [(1, 28, 28), (6, 24, 24), (6, 12, 12), (12, 8, 8),
                                          (12, 4, 4), (192,), (100,), (10,)]
    assert [m.name() for m in model.net.modules if m.name() in
            ("conv1_5x5", "conv2_5x5", "fc1", "fc2")] == ["conv1_5x5", "conv2_5x5", "fc1",
                                                          "fc2"]
    ref = nn_lenet()
    ref.set_weights(model.get_weights())
    x = np.random.RandomState(0).randn(6, 28, 28, 1).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x), ref.predict(x))
    model.net.training(), ref.training()
    g = np.random.RandomState(1).randn(6, 10).astype(np.float32)
    model.forward(x), ref.forward(x)
    np.testing.assert_array_equal(model.net.backward(x, g), ref.backward(x, g))
    for a, b in zip(model.net.parameters().values(), ref.parameters().values()):
        if "gradWeight" in a:
            np.testing.assert_array_equal(a["gradWeight"], b["gradWeight"])


def test_example_runs_on_tiny_idx_files(tmp_path, capsys):
    make_mnist(tmp_path)
    accuracy = main(["--data", str(tmp_path), "-n", "1", "-b", "16"])
    out = capsys.readouterr().out
    assert f"MNIST from {tmp_path}: 48 training and 16 test images" in out
    assert "conv1_5x5 (Convolution2D)" in out and "Total params: 22,278" in out
    assert f"held-out accuracy {100 * accuracy:.2f}%" in out and 0 <= accuracy <= 1
