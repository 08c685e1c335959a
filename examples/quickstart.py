"""The examples of the seed documents (BigDL's dropout-layer docs) written with bigdl_py.

Run in BigDL's own random-number mode ("mt19937"), so the masks and the noise are the
ones BigDL draws for the same seeds, and printed the way BigDL prints tensors.  A Tensor
in gives the module's output Tensor (reused by the next call, as in BigDL's Scala API);
an ndarray in gives a fresh ndarray (as in BigDL's Python API).

    python examples/quickstart.py
"""
import numpy as np

from bigdl_py import RNG, Double, T, Tensor
from bigdl_py.nn import (Dropout, GaussianDropout, GaussianNoise, SpatialDropout1D,
                         SpatialDropout2D, SpatialDropout3D)


def section(title):
    print(f"\n===== {title} =====")


def dropout():
    section("Dropout (Scala example), RNG.set_seed(1)")
    RNG.set_seed(1)
    module = Dropout()
    x = Tensor.range(1, 8, 1).resize(2, 4)
    print(module.forward(x))
    print(module.backward(x, x.clone().mul(0.5)))  # the gradients are dropped where x was

    section("Dropout (Python example): ndarray in, ndarray out")
    RNG.set_seed(1)
    module = Dropout()
    x = np.arange(1, 9, 1).reshape(2, 4)
    print(module.forward(x))
    print(module.backward(x, x.copy() * 0.5))


def noise(cls, scala_arg, python_arg, seed=None):
    """BigDL's Scala and Python examples of a noise layer (GaussianDropout, GaussianNoise):
    a training forward and backward, then the evaluation forward."""
    name = cls.__name__
    section(f"{name}({scala_arg}) (Scala example)" +
            ("" if seed is None else f", RNG.set_seed({seed})"))
    if seed is not None:
        RNG.set_seed(seed)
    layer = cls(scala_arg)
    layer.training()
    input = Tensor(T(T(1.0, 1.0, 1.0), T(1.0, 1.0, 1.0)))
    print(layer.forward(input))
    gradout = Tensor(T(T(1.0, 1.0, 1.0), T(1.0, 1.0, 1.0)))
    # GaussianDropout: the forward's noise (BigDL draws fresh noise here; see the README)
    print(layer.backward(input, gradout))
    layer.evaluate()
    print(layer.forward(input))

    section(f"{name}({python_arg}) (Python example)")
    layer = cls(python_arg)
    layer.training()
    inp = np.ones([2, 1])
    print("training:forward=", layer.forward(inp))
    print("training:backward=", layer.backward(inp, np.ones([2, 1])))
    layer.evaluate()
    print("evaluate:forward=", layer.forward(inp))


def spatial(cls, sizes, title):
    section(f"{title}(0.7) on Tensor[Double]({', '.join(map(str, sizes))}), "
            "RNG.set_seed(100)")
    module = cls(0.7)
    input = Tensor[Double](*sizes)
    input.rand()
    RNG.set_seed(100)
    output = module.forward(input)
    print(output)
    grad_input = module.backward(input, input.clone().fill(1))
    print(grad_input)


def main():
    RNG.set_algorithm("mt19937")  # BigDL's generator, bit for bit
    try:
        dropout()
        noise(GaussianDropout, 0.5, 0.5)
        noise(GaussianNoise, 0.2, 0.5, seed=9)
        spatial(SpatialDropout1D, (3, 4, 5), "SpatialDropout1D")
        spatial(SpatialDropout2D, (2, 3, 4, 5), "SpatialDropout2D")
        spatial(SpatialDropout3D, (2, 3, 2, 2, 3), "SpatialDropout3D")
    finally:
        RNG.set_algorithm("philox")


if __name__ == "__main__":
    main()
