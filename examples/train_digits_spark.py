"""Train the digits MLP of examples/train_digits.py on Spark: the training and held-out
sets are RDDs of Samples, each iteration is one Spark job over the partitions (BigDL's
DistriOptimizer), validation runs on the cluster.

    pip install ".[examples,spark]"
    python examples/train_digits_spark.py                 # local[2]; >= 96% held-out accuracy
    python examples/train_digits_spark.py --epochs 2 --min-accuracy 0
    python examples/train_digits_spark.py --local-sgd 4   # local SGD: fewer, longer jobs

The same script runs on a cluster with ``--master spark://host:7077`` (bigdl_py must be
installed on the workers).  ``--checkpoint DIR`` writes ``model.<iteration>`` and
``optim.<iteration>`` every epoch.
"""
import argparse
import sys
import time

import numpy as np

from bigdl_py import RNG
from bigdl_py.nn import Dropout, Linear, LogSoftMax, ReLU, Sequential
from bigdl_py.nn.criterion import ClassNLLCriterion
from bigdl_py.optim import SGD, EveryEpoch, Loss, MaxEpoch, Optimizer, Top1Accuracy
from bigdl_py.utils import Sample, get_spark_context


def build_model():  # the model of examples/train_digits.py
    return (Sequential()
            .add(Linear(64, 256).set_name("fc1")).add(ReLU()).add(Dropout(0.3))
            .add(Linear(256, 128).set_name("fc2")).add(ReLU()).add(Dropout(0.3))
            .add(Linear(128, 10).set_name("fc3")).add(LogSoftMax()))


def main(argv=None, sc=None):
    """Returns the exit status.  ``sc``: a running SparkContext to use (left running);
    by default one is started for ``--master`` and stopped at the end."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64,
                        help="global mini-batch, a multiple of --partitions")
    parser.add_argument("--local-sgd", type=int, default=None, metavar="STEPS",
                        help="local SGD with STEPS steps per task (a different algorithm)")
    parser.add_argument("--checkpoint", default=None, metavar="DIR")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--min-accuracy", type=float, default=0.96,
                        help="exit with status 1 below this held-out accuracy")
    args = parser.parse_args(argv)

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()  # bundled with scikit-learn: no download
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target + 1  # BigDL's labels are 1-based
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=args.seed, stratify=y)

    own_context = sc is None
    if own_context:
        sc = get_spark_context(args.master, app_name="bigdl_py digits")
        sc.setLogLevel("ERROR")
    try:
        train = sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(X_train, y_train)],
                               args.partitions)
        test = sc.parallelize([Sample.from_ndarray(a, b) for a, b in zip(X_test, y_test)],
                              args.partitions)
        print(f"digits: {len(X_train)} training and {len(X_test)} held-out samples in "
              f"{args.partitions} partitions on {sc.master}")

        RNG.set_seed(args.seed)  # initial weights; then masks and batches on the workers
        model = build_model()
        optimizer = Optimizer.create(model, training_set=train, criterion=ClassNLLCriterion(),
                                     end_trigger=MaxEpoch(args.epochs),
                                     batch_size=args.batch_size,
                                     optim_method=SGD(learningrate=0.1, momentum=0.9,
                                                      dampening=0.0))
        optimizer.set_validation(256, test, EveryEpoch(), [Top1Accuracy(), Loss()])
        if args.local_sgd:
            optimizer.set_local_sgd(args.local_sgd)
        if args.checkpoint:
            optimizer.set_checkpoint(args.checkpoint, EveryEpoch())
        start = time.perf_counter()
        optimizer.optimize()
        seconds = time.perf_counter() - start
    finally:
        if own_context:
            sc.stop()

    accuracy = float(np.mean(model.predict_class(X_test) == y_test))
    iterations = optimizer.optim_method.state["neval"] - 1
    print(f"trained {args.epochs} epochs ({iterations} iterations) in {seconds:.1f} s "
          f"({1e3 * seconds / max(iterations, 1):.0f} ms per iteration); held-out accuracy "
          f"{100 * accuracy:.2f}%")
    if accuracy < args.min_accuracy:
        print(f"error: held-out accuracy {accuracy:.4f} is below {args.min_accuracy}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
