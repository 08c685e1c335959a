"""Train a small MLP and a small CNN on scikit-learn's bundled digits (8x8 images, 10
classes) with bigdl_py's BigDL-style API, check them on a held-out 20%, save and reload
them, and plot the training curves.

    pip install ".[examples]"
    python examples/train_digits.py            # MLP >= 96%, CNN >= 97% held-out accuracy
    python examples/train_digits.py --epochs 2 --cnn-epochs 1 --out /tmp/digits --min-accuracy 0

Writes ``digits_model.bigdl``, ``digits_cnn.bigdl``, ``training_curve.png`` and
TensorBoard summaries (``logs/digits/train|validation``) into ``--out`` (default: the
current directory) and says where.
"""
import argparse
import os
import sys
import time

import numpy as np

from bigdl_py import RNG
from bigdl_py.nn import (Dropout, Linear, LogSoftMax, Model, ReLU, Reshape, Sequential,
                         SpatialBatchNormalization, SpatialConvolution, SpatialDropout2D,
                         SpatialMaxPooling)
from bigdl_py.nn.criterion import ClassNLLCriterion
from bigdl_py.optim import (SGD, EveryEpoch, Loss, MaxEpoch, Optimizer, SeveralIteration,
                            Top1Accuracy, TrainSummary, ValidationSummary)


def build_model():
    return (Sequential()
            .add(Linear(64, 256).set_name("fc1")).add(ReLU()).add(Dropout(0.3))
            .add(Linear(256, 128).set_name("fc2")).add(ReLU()).add(Dropout(0.3))
            .add(Linear(128, 10).set_name("fc3")).add(LogSoftMax()))


def build_cnn():
    """The images as 1x8x8 maps: two 3x3 convolutions (with batch norm), 2x2 max pooling,
    spatial dropout and a linear classifier."""
    return (Sequential()
            .add(Reshape([1, 8, 8]))
            .add(SpatialConvolution(1, 16, 3, 3, 1, 1, 1, 1).set_name("conv1"))
            .add(SpatialBatchNormalization(16).set_name("bn1")).add(ReLU())
            .add(SpatialMaxPooling(2, 2, 2, 2))                          # 16 x 4 x 4
            .add(SpatialConvolution(16, 32, 3, 3, 1, 1, 1, 1).set_name("conv2"))
            .add(SpatialBatchNormalization(32).set_name("bn2")).add(ReLU())
            .add(SpatialMaxPooling(2, 2, 2, 2))                          # 32 x 2 x 2
            .add(SpatialDropout2D(0.2))
            .add(Reshape([128])).add(Linear(128, 10).set_name("fc")).add(LogSoftMax()))


def train(name, model, epochs, args, data, summaries=None):
    """Train ``model`` with SGD (momentum 0.9), validating each epoch; print and return
    (optimizer history, held-out accuracy). ``summaries``: a TensorBoard folder, or None."""
    X_train, y_train, X_test, y_test = data
    print(model)
    optimizer = Optimizer.create(model, training_set=(X_train, y_train),
                                 criterion=ClassNLLCriterion(),
                                 end_trigger=MaxEpoch(epochs), batch_size=args.batch_size,
                                 optim_method=SGD(learningrate=0.05, momentum=0.9,
                                                  dampening=0.0))
    optimizer.set_validation(256, X_test, y_test, EveryEpoch(), [Top1Accuracy(), Loss()])
    if summaries is not None:
        train_summary = TrainSummary(summaries, "digits")
        train_summary.set_summary_trigger("LearningRate", SeveralIteration(1))
        optimizer.set_train_summary(train_summary)
        optimizer.set_val_summary(ValidationSummary(summaries, "digits"))
    start = time.perf_counter()
    optimizer.optimize()
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(model.predict_class(X_test) == y_test))
    print(f"{name}trained {epochs} epochs in {seconds:.1f} s; held-out accuracy "
          f"{100 * accuracy:.2f}%")
    return optimizer.history, accuracy


def save_and_reload(model, path, X_test, y_test, accuracy):
    """Save, reload and compare; True when the reloaded model prints and predicts the same."""
    model.save_model(path, over_write=True)
    reloaded = Model.load_model(path)
    reloaded_accuracy = float(np.mean(reloaded.predict_class(X_test) == y_test))
    return str(reloaded) == str(model) and reloaded_accuracy == accuracy, reloaded_accuracy


def plot(history, path, cnn_history=()):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, [h["loss"] for h in history], "o-", label="training loss")
    ax1.plot(epochs, [h["validation"]["Loss"] for h in history], "s-", label="held-out loss")
    if cnn_history:
        cnn_epochs = [h["epoch"] for h in cnn_history]
        ax1.plot(cnn_epochs, [h["loss"] for h in cnn_history], "o--", label="CNN training")
        ax1.plot(cnn_epochs, [h["validation"]["Loss"] for h in cnn_history], "s--",
                 label="CNN held-out")
        ax2.plot(cnn_epochs, [100 * h["validation"]["Top1Accuracy"] for h in cnn_history],
                 "s--", color="tab:red", label="CNN")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("negative log likelihood")
    ax1.legend()
    ax2.plot(epochs, [100 * h["validation"]["Top1Accuracy"] for h in history], "o-",
             color="tab:green", label="MLP")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("held-out accuracy (%)")
    ax2.axhline(96, color="grey", linestyle=":")
    ax2.legend()
    fig.suptitle("bigdl_py: MLP and CNN on scikit-learn digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--cnn-epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default=".", help="folder for the model and the plot")
    parser.add_argument("--min-accuracy", type=float, default=0.96,
                        help="exit with status 1 below this held-out accuracy (MLP)")
    parser.add_argument("--min-cnn-accuracy", type=float, default=0.97,
                        help="exit with status 1 below this held-out accuracy (CNN)")
    args = parser.parse_args(argv)

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()  # bundled with scikit-learn: no download
    X = (digits.data / 16.0).astype(np.float32)  # pixels 0..16 -> 0..1
    y = digits.target + 1  # BigDL's labels are 1-based
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=args.seed, stratify=y)
    print(f"digits: {len(X_train)} training and {len(X_test)} held-out samples, "
          f"{X.shape[1]} features, 10 classes")

    RNG.set_seed(args.seed)  # initial weights, dropout masks and shuffling
    data = (X_train, y_train, X_test, y_test)
    os.makedirs(args.out, exist_ok=True)
    logs = os.path.join(args.out, "logs")
    model = build_model()
    history, accuracy = train("", model, args.epochs, args, data, summaries=logs)
    model_path = os.path.join(args.out, "digits_model.bigdl")
    same, reloaded_accuracy = save_and_reload(model, model_path, X_test, y_test, accuracy)
    print(f"saved the model to {os.path.abspath(model_path)}; reloaded accuracy "
          f"{100 * reloaded_accuracy:.2f}% ({'identical' if same else 'DIFFERENT'})")
    print(f"wrote TensorBoard summaries; view them with: tensorboard --logdir "
          f"{os.path.abspath(logs)}")

    cnn = build_cnn()
    cnn_history, cnn_accuracy = train("CNN: ", cnn, args.cnn_epochs, args, data)
    cnn_path = os.path.join(args.out, "digits_cnn.bigdl")
    cnn_same, _ = save_and_reload(cnn, cnn_path, X_test, y_test, cnn_accuracy)
    print(f"saved the CNN to {os.path.abspath(cnn_path)}; reloaded "
          f"({'identical' if cnn_same else 'DIFFERENT'})")

    curve = os.path.join(args.out, "training_curve.png")
    plot(history, curve, cnn_history)
    print(f"wrote the training curve to {os.path.abspath(curve)}")

    if not (same and cnn_same):
        print("error: a reloaded model differs from the trained one", file=sys.stderr)
        return 1
    if accuracy < args.min_accuracy:
        print(f"error: held-out accuracy {accuracy:.4f} is below {args.min_accuracy}",
              file=sys.stderr)
        return 1
    if cnn_accuracy < args.min_cnn_accuracy:
        print(f"error: CNN held-out accuracy {cnn_accuracy:.4f} is below "
              f"{args.min_cnn_accuracy}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
