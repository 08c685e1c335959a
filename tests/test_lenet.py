"""LeNet-5 (CNN.md §7): str(), weight shapes, BigDL's mt19937 init for all four layers, one
training step against torch, save/load round trip, and examples/lenet5.py on tiny IDX files
(gzipped and not)."""
import gzip
import runpy
from pathlib import Path

import numpy as np
import pytest

from bigdl_py import RNG
from bigdl_py.nn import Model
from bigdl_py.nn.criterion import ClassNLLCriterion

EXAMPLE = runpy.run_path(str(Path(__file__).resolve().parents[1] / "examples" / "lenet5.py"),
                         run_name="example")
lenet5, read_idx, main = EXAMPLE["lenet5"], EXAMPLE["read_idx"], EXAMPLE["main"]

LENET = """Sequential[lenet]{
  [input -> (1) -> (2) -> (3) -> (4) -> (5) -> (6) -> (7) -> (8) -> (9) -> (10) -> (11) -> (12) -> output]
  (1): Reshape[reshape](1x28x28)
  (2): SpatialConvolution[conv1](1 -> 6, 5 x 5, 1, 1, 0, 0)
  (3): Tanh[tanh1]
  (4): SpatialMaxPooling[pool1](2, 2, 2, 2, 0, 0)
  (5): SpatialConvolution[conv2](6 -> 12, 5 x 5, 1, 1, 0, 0)
  (6): Tanh[tanh2]
  (7): SpatialMaxPooling[pool2](2, 2, 2, 2, 0, 0)
  (8): Reshape[flat](192)
  (9): Linear[fc1](192 -> 100)
  (10): Tanh[tanh3]
  (11): Linear[fc2](100 -> 10)
  (12): LogSoftMax[lsm]
}"""


def test_str_and_weight_shapes():
    m = lenet5()
    assert str(m) == LENET
    assert [w.shape for w in m.get_weights()] == [(1, 6, 1, 5, 5), (6,), (1, 12, 6, 5, 5),
                                                  (12,), (100, 192), (100,), (10, 100), (10,)]


def test_mt19937_init_of_every_layer_is_bigdl():
    RNG.set_algorithm("mt19937")
    RNG.set_seed(2024)
    weights = lenet5().get_weights()
    u = np.random.RandomState(2024)._bit_generator.random_raw(
        sum(w.size for w in weights)) * 2.0 ** -32
    fans = [25, 25, 150, 150, 192, 192, 100, 100]   # conv: kw*kh*n_input_plane
    at = 0
    for w, fan in zip(weights, fans):
        stdv = 1 / np.sqrt(fan)
        want = (u[at:at + w.size] * 2 * stdv - stdv).astype(np.float32)
        assert np.array_equal(w.ravel(), want)
        at += w.size


def test_one_training_step_matches_torch():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    m = lenet5()
    t = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2), nn.Conv2d(6, 12, 5),
                      nn.Tanh(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(192, 100),
                      nn.Tanh(), nn.Linear(100, 10), nn.LogSoftmax(dim=1)).double()
    tparams = [p for p in t.parameters()]
    with torch.no_grad():
        for p, w in zip(tparams, m.get_weights()):
            p.copy_(torch.tensor(w.reshape(p.shape), dtype=torch.float64))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 28, 28)).astype(np.float32)
    y = np.array([3, 1, 10, 7])
    crit = ClassNLLCriterion()
    out = m.forward(x)
    loss = crit.forward(out, y)
    m.backward(x, crit.backward(out, y))
    tout = t(torch.tensor(x, dtype=torch.float64).unsqueeze(1))
    tloss = nn.functional.nll_loss(tout, torch.tensor(y - 1))
    tloss.backward()
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(tloss.item(), rel=1e-5)
    for (_, g), p in zip(m._param_pairs(), tparams):
        np.testing.assert_allclose(g.reshape(p.shape), p.grad.numpy(), rtol=1e-3, atol=1e-6)


def test_save_load_round_trip(tmp_path):
    m = lenet5()
    x = np.random.default_rng(1).standard_normal((3, 784)).astype(np.float32)
    m.forward(x)
    m.save_model(tmp_path / "lenet.bigdl")
    r = Model.load_model(tmp_path / "lenet.bigdl")
    assert str(r) == str(m)
    for a, b in zip(m.get_weights(), r.get_weights()):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert np.array_equal(r.forward(x), m.forward(x))


def write_idx(path, array, zipped):
    codes = {np.dtype(np.uint8): 0x08}
    raw = bytes([0, 0, codes[array.dtype], array.ndim]) \
        + np.array(array.shape, ">u4").tobytes() + array.tobytes()
    Path(path).write_bytes(gzip.compress(raw) if zipped else raw)


def make_mnist(folder, n_train=48, n_test=16):
    rng = np.random.default_rng(0)
    for (images, labels), n, zipped in zip(EXAMPLE["FILES"].values(), (n_train, n_test),
                                           (True, False)):
        suffix = ".gz" if zipped else ""
        write_idx(folder / (images + suffix), rng.integers(0, 256, (n, 28, 28), np.uint8),
                  zipped)
        write_idx(folder / (labels + suffix), rng.integers(0, 10, n, np.uint8), zipped)


def test_example_on_tiny_idx_files(tmp_path, capsys):
    make_mnist(tmp_path)
    x = read_idx(tmp_path / "train-images-idx3-ubyte.gz")
    assert x.shape == (48, 28, 28) and x.dtype == np.uint8
    assert read_idx(tmp_path / "t10k-labels-idx1-ubyte").shape == (16,)
    data = EXAMPLE["load_mnist"](str(tmp_path))
    assert data["train"][0].shape == (48, 28, 28) and data["train"][1].min() >= 1
    assert main(["--data", str(tmp_path), "--max-iter", "3", "--batch-size", "16",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"MNIST from {tmp_path}: 48 training and 16 test images" in out
    assert "reloaded accuracy" in out and (tmp_path / "lenet5.bigdl").exists()


def test_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x00\x01\x08\x01abcd")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1]) + np.array([5], ">u4").tobytes()
                                     + b"abc")
    with pytest.raises(ValueError, match=r"expected 5 data bytes for shape \(5,\), got 3"):
        read_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        EXAMPLE["load_mnist"](str(tmp_path))
