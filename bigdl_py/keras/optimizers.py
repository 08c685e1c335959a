"""BigDL's Keras-style optimizer names: the ``bigdl_py.optim`` methods, and the defaults
``compile`` gives each string name (BigDL's Keras defaults).

>>> from bigdl_py.keras.optimizers import by_name
>>> by_name("adadelta", "compile")
Adadelta(decayrate=0.95, epsilon=1e-08)
"""
from ..optim import SGD, Adadelta, Adagrad, Adam, Adamax, OptimMethod, RMSprop

__all__ = ["SGD", "Adam", "Adagrad", "Adadelta", "RMSprop", "Adamax", "by_name"]

# string name -> the method compile() uses (learning rates as BigDL's Keras API sets them)
_NAMES = {"sgd": lambda: SGD(learningrate=0.01),
          "adam": lambda: Adam(),
          "adagrad": lambda: Adagrad(learningrate=0.01),
          "adadelta": lambda: Adadelta(decayrate=0.95, epsilon=1e-8),
          "rmsprop": lambda: RMSprop(learningrate=0.001, decayrate=0.9),
          "adamax": lambda: Adamax(epsilon=1e-8)}


def by_name(optimizer, owner):
    """A new ``OptimMethod`` for a string name, or ``optimizer`` itself if it is one."""
    if isinstance(optimizer, OptimMethod):
        return optimizer
    if not isinstance(optimizer, str):
        raise TypeError(f"{owner}: expected an optimizer name or a bigdl_py.optim "
                        f"OptimMethod, got {type(optimizer).__name__}")
    make = _NAMES.get(optimizer.lower())
    if make is None:
        raise ValueError(f"{owner}: expected optimizer in {sorted(_NAMES)}, got {optimizer!r}")
    return make()

