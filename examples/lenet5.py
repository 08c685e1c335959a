"""Train BigDL's LeNet-5 on MNIST with bigdl_py (BigDL's models/lenet, 2.4 layout).

    python examples/lenet5.py --data DIR        # DIR holds the four MNIST IDX files
    python examples/lenet5.py                   # no MNIST: digits upsampled to 28x28

DIR must contain train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
and t10k-labels-idx1-ubyte, gzipped (``.gz``) or not, as published by Yann LeCun's MNIST
page (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/).  The IDX reader is below;
nothing is downloaded.  Writes ``lenet5.bigdl`` into ``--out`` and reloads it.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

from bigdl_py import RNG
from bigdl_py.nn import (Linear, LogSoftMax, Model, Reshape, Sequential, SpatialConvolution,
                         SpatialMaxPooling, Tanh)
from bigdl_py.nn.criterion import ClassNLLCriterion
from bigdl_py.optim import SGD, EveryEpoch, MaxEpoch, MaxIteration, Optimizer, Top1Accuracy

FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
MEAN, STD = 0.13066047740239506, 0.3081078  # BigDL's lenet normalisation (MNIST train set)
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def lenet5(class_num=10):
    """BigDL's LeNet-5 with the names of CNN.md §7."""
    return (Sequential().set_name("lenet")
            .add(Reshape([1, 28, 28]).set_name("reshape"))
            .add(SpatialConvolution(1, 6, 5, 5).set_name("conv1"))
            .add(Tanh().set_name("tanh1"))
            .add(SpatialMaxPooling(2, 2, 2, 2).set_name("pool1"))
            .add(SpatialConvolution(6, 12, 5, 5).set_name("conv2"))
            .add(Tanh().set_name("tanh2"))
            .add(SpatialMaxPooling(2, 2, 2, 2).set_name("pool2"))
            .add(Reshape([12 * 4 * 4]).set_name("flat"))
            .add(Linear(12 * 4 * 4, 100).set_name("fc1"))
            .add(Tanh().set_name("tanh3"))
            .add(Linear(100, class_num).set_name("fc2"))
            .add(LogSoftMax().set_name("lsm")))


def read_idx(path):
    """An IDX file (gzipped or not) as an ndarray: magic 0 0 <type> <ndim>, then ndim
    big-endian uint32 sizes, then the data."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (magic {raw[:4].hex()})")
    ndim = raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    need = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - 4 - 4 * ndim != need:
        raise ValueError(f"{path}: expected {need} data bytes for shape {dims}, got "
                         f"{len(raw) - 4 - 4 * ndim}")
    return np.frombuffer(raw, dtype, offset=4 + 4 * ndim).reshape(dims)


def _find(folder, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{name}[.gz] not found in {folder}")


def load_mnist(folder):
    """{"train": (X, y), "test": (X, y)}: X (N, 28, 28) normalised float32, y 1-based."""
    out = {}
    for part, (images, labels) in FILES.items():
        x = read_idx(_find(folder, images)).astype(np.float32)
        y = read_idx(_find(folder, labels)).astype(np.int64)
        if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y):
            raise ValueError(f"{folder}: expected (N, 28, 28) images and N labels, got "
                             f"{x.shape} and {y.shape}")
        out[part] = ((x / 255 - MEAN) / STD).astype(np.float32), y + 1
    return out


def load_digits_28(seed):
    """scikit-learn's digits (8x8), each pixel repeated 3x3 and padded to 28x28, split 80/20."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = np.kron(d.images / 16.0, np.ones((3, 3)))            # (N, 24, 24)
    x = np.pad(x, ((0, 0), (2, 2), (2, 2))).astype(np.float32)
    x = (x - x.mean()) / x.std()
    xtr, xte, ytr, yte = train_test_split(x, d.target + 1, test_size=0.2, random_state=seed,
                                          stratify=d.target)
    return {"train": (xtr, ytr), "test": (xte, yte)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="folder with the four MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--max-iter", type=int, help="stop after this many iterations")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=".", help="folder for lenet5.bigdl")
    args = parser.parse_args(argv)

    if args.data:
        data = load_mnist(args.data)
        source = f"MNIST from {args.data}"
    else:
        print("no --data folder given: training on scikit-learn's digits upsampled to 28x28.\n"
              "For MNIST, download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
              "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (e.g. from "
              "https://ossci-datasets.s3.amazonaws.com/mnist/) into a folder and pass "
              "--data FOLDER.")
        data = load_digits_28(args.seed)
        source = "digits upsampled to 28x28"
    (x_train, y_train), (x_test, y_test) = data["train"], data["test"]
    print(f"{source}: {len(x_train)} training and {len(x_test)} test images")

    RNG.set_seed(args.seed)
    model = lenet5()
    print(model)
    end = MaxIteration(args.max_iter) if args.max_iter else MaxEpoch(args.epochs)
    optimizer = Optimizer.create(model, training_set=(x_train, y_train),
                                 criterion=ClassNLLCriterion(), end_trigger=end,
                                 batch_size=args.batch_size,
                                 optim_method=SGD(learningrate=args.learning_rate,
                                                  momentum=0.9, dampening=0.0))
    optimizer.set_validation(512, x_test, y_test, EveryEpoch(), [Top1Accuracy()])
    start = time.perf_counter()
    optimizer.optimize()
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(model.predict_class(x_test, 512) == y_test))
    print(f"trained in {seconds:.1f} s; test accuracy {100 * accuracy:.2f}%")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "lenet5.bigdl")
    model.save_model(path, over_write=True)
    again = float(np.mean(Model.load_model(path).predict_class(x_test, 512) == y_test))
    print(f"saved to {os.path.abspath(path)}; reloaded accuracy {100 * again:.2f}%")
    return 0 if again == accuracy else 1


if __name__ == "__main__":
    sys.exit(main())
