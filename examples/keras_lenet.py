"""BigDL's Keras-style LeNet example (``python/dllib/examples/lenet/lenet.py``) on bigdl_py.

    python examples/keras_lenet.py --data DIR     # DIR holds the four MNIST IDX files
    python examples/keras_lenet.py                # no MNIST: digits upsampled to 28x28

The model, compile arguments and labels are BigDL's: Keras-style layers, 0-based labels
for ``sparse_categorical_crossentropy``, Adadelta by name.  Data loading is
``examples/lenet5.py``'s (its IDX reader, or scikit-learn's digits upsampled to 28x28).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lenet5 import load_digits_28, load_mnist  # noqa: E402

from bigdl_py import RNG  # noqa: E402
from bigdl_py.dllib.keras.layers import (Convolution2D, Dense, Flatten,  # noqa: E402
                                         MaxPooling2D, Reshape)
from bigdl_py.dllib.keras.models import Sequential  # noqa: E402


def build_model(class_num):
    """BigDL's Keras-style LeNet-5."""
    model = Sequential()
    model.add(Reshape((1, 28, 28), input_shape=(28, 28, 1)))
    model.add(Convolution2D(6, 5, 5, activation="tanh", name="conv1_5x5"))
    model.add(MaxPooling2D())
    model.add(Convolution2D(12, 5, 5, activation="tanh", name="conv2_5x5"))
    model.add(MaxPooling2D())
    model.add(Flatten())
    model.add(Dense(100, activation="tanh", name="fc1"))
    model.add(Dense(class_num, activation="softmax", name="fc2"))
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="folder with the four MNIST IDX files")
    parser.add_argument("-b", "--batch-size", type=int,
                        help="default 128 on MNIST (BigDL's), 32 on the 1437 digits")
    parser.add_argument("-n", "--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    if args.data:
        data, source = load_mnist(args.data), f"MNIST from {args.data}"
    else:
        data, source = load_digits_28(args.seed), "digits upsampled to 28x28"
    batch_size = args.batch_size or (128 if args.data else 32)
    (x_train, y_train), (x_test, y_test) = data["train"], data["test"]
    x_train, x_test = x_train[..., None], x_test[..., None]  # (N, 28, 28, 1), as BigDL's
    y_train, y_test = y_train - 1, y_test - 1                 # 0-based, as BigDL's example
    print(f"{source}: {len(x_train)} training and {len(x_test)} test images")

    RNG.set_seed(args.seed)
    model = build_model(10)
    model.summary()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adadelta",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=batch_size, nb_epoch=args.epochs,
              validation_data=(x_test, y_test))
    seconds = time.perf_counter() - start
    (accuracy,) = model.evaluate(x_test, y_test, batch_size=512)
    print(f"trained in {seconds:.1f} s; held-out accuracy {100 * accuracy:.2f}%")
    return accuracy


if __name__ == "__main__":
    main()
