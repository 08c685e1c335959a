"""Adaptive optim methods with BigDL's signatures and update formulas (FRAMEWORK.md §6):
``Adam``, ``Adamax``, ``RMSprop``, ``Adagrad``, ``Adadelta``.  None takes a schedule; each
step is one fused pass per parameter (``_core/_optim.pyx``).  ``n`` is ``evalCounter``, the
steps taken before this one."""
import math

from .. import _optim
from .optim_method import OptimMethod, _number

__all__ = ["Adam", "Adamax", "RMSprop", "Adagrad", "Adadelta"]


class Adam(OptimMethod):
    """Adam (Kingma and Ba) as in BigDL: at step ``t = evalCounter + 1``,

    - ``clr = learningrate / (1 + (t - 1) * learningrate_decay)``
    - ``s = beta1 * s + (1 - beta1) * g``;  ``r = beta2 * r + (1 - beta2) * g**2``
    - ``x = x - clr * sqrt(1 - beta2**t) / (1 - beta1**t) * s / (sqrt(r) + epsilon)``

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> _ = Adam(learningrate=0.1).optimize([(w, np.array([3.0]))])
    >>> w.round(6)  # the first step moves by about learningrate
    array([0.9])
    """

    _buffer_names = ("s", "r")

    def __init__(self, learningrate=1e-3, learningrate_decay=0.0, beta1=0.9, beta2=0.999,
                 epsilon=1e-8):
        super().__init__()
        o = "Adam"
        self.learningrate = _number(learningrate, o, "learningrate")
        self.learningrate_decay = _number(learningrate_decay, o, "learningrate_decay")
        self.beta1 = _number(beta1, o, "beta1", 0.0, 1.0, high_open=True)
        self.beta2 = _number(beta2, o, "beta2", 0.0, 1.0, high_open=True)
        self.epsilon = _number(epsilon, o, "epsilon")

    def _config(self):
        return {"learningrate": self.learningrate,
                "learningrate_decay": self.learningrate_decay,
                "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}

    def _step(self, pairs, buffers):
        n = self.state["evalCounter"]
        clr = self.learningrate / (1 + n * self.learningrate_decay)
        t = n + 1
        step = clr * math.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
        for (x, g), buf in zip(pairs, buffers):
            bufs = [self._buffer(buf, "s", x), self._buffer(buf, "r", x)]
            self._fused(_optim.adam, x, g, bufs, step, self.beta1, self.beta2, self.epsilon,
                        False)


class Adamax(OptimMethod):
    """Adamax (Kingma and Ba, the infinity-norm Adam) as in BigDL: at step ``t = n + 1``,
    ``m = beta1 m + (1 - beta1) g``; ``u = max(beta2 u, |g| + epsilon)``;
    ``x = x - learningrate / (1 - beta1**t) * m / u``.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> _ = Adamax(learningrate=0.1).optimize([(w, np.array([-3.0]))])
    >>> w.round(6)
    array([1.1])
    """

    _buffer_names = ("m", "u")

    def __init__(self, learningrate=0.002, beta1=0.9, beta2=0.999, epsilon=1e-38):
        super().__init__()
        o = "Adamax"
        self.learningrate = _number(learningrate, o, "learningrate")
        self.beta1 = _number(beta1, o, "beta1", 0.0, 1.0, high_open=True)
        self.beta2 = _number(beta2, o, "beta2", 0.0, 1.0, high_open=True)
        self.epsilon = _number(epsilon, o, "epsilon")

    def _config(self):
        return {"learningrate": self.learningrate, "beta1": self.beta1, "beta2": self.beta2,
                "epsilon": self.epsilon}

    def _step(self, pairs, buffers):
        step = self.learningrate / (1 - self.beta1 ** (self.state["evalCounter"] + 1))
        for (x, g), buf in zip(pairs, buffers):
            bufs = [self._buffer(buf, "m", x), self._buffer(buf, "u", x)]
            self._fused(_optim.adam, x, g, bufs, step, self.beta1, self.beta2, self.epsilon,
                        True)


class RMSprop(OptimMethod):
    """RMSprop (Tieleman and Hinton) as in BigDL: ``clr = learningrate / (1 + n *
    learningrate_decay)``; ``s = decayrate s + (1 - decayrate) g**2``;
    ``x = x - clr g / (sqrt(s) + epsilon)``.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> _ = RMSprop(learningrate=0.1, decayrate=0.75).optimize([(w, np.array([2.0]))])
    >>> w.round(6)  # s = 0.25 * 4 = 1: the step is clr * g / 1
    array([0.8])
    """

    _buffer_names = ("s",)

    def __init__(self, learningrate=1e-2, learningrate_decay=0.0, decayrate=0.99,
                 epsilon=1e-8):
        super().__init__()
        o = "RMSprop"
        self.learningrate = _number(learningrate, o, "learningrate")
        self.learningrate_decay = _number(learningrate_decay, o, "learningrate_decay")
        self.decayrate = _number(decayrate, o, "decayrate", 0.0, 1.0)
        self.epsilon = _number(epsilon, o, "epsilon")

    def _config(self):
        return {"learningrate": self.learningrate,
                "learningrate_decay": self.learningrate_decay, "decayrate": self.decayrate,
                "epsilon": self.epsilon}

    def _step(self, pairs, buffers):
        clr = self.learningrate / (1 + self.state["evalCounter"] * self.learningrate_decay)
        for (x, g), buf in zip(pairs, buffers):
            self._fused(_optim.rmsprop, x, g, [self._buffer(buf, "s", x)], clr, self.decayrate,
                        self.epsilon)


class Adagrad(OptimMethod):
    """Adagrad (Duchi et al.) as in BigDL: ``g = g + weightdecay x``; ``clr = learningrate /
    (1 + n learningrate_decay)``; ``v = v + g**2``; ``x = x - clr g / (sqrt(v) + 1e-10)``.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> _ = Adagrad(learningrate=0.1).optimize([(w, np.array([4.0]))])
    >>> w.round(6)  # the first step moves by learningrate whatever g
    array([0.9])
    """

    _buffer_names = ("v",)

    def __init__(self, learningrate=1e-3, learningrate_decay=0.0, weightdecay=0.0):
        super().__init__()
        o = "Adagrad"
        self.learningrate = _number(learningrate, o, "learningrate")
        self.learningrate_decay = _number(learningrate_decay, o, "learningrate_decay")
        self.weightdecay = _number(weightdecay, o, "weightdecay")

    def _config(self):
        return {"learningrate": self.learningrate,
                "learningrate_decay": self.learningrate_decay,
                "weightdecay": self.weightdecay}

    def _step(self, pairs, buffers):
        clr = self.learningrate / (1 + self.state["evalCounter"] * self.learningrate_decay)
        for (x, g), buf in zip(pairs, buffers):
            self._fused(_optim.adagrad, x, g, [self._buffer(buf, "v", x)], clr,
                        self.weightdecay)


class Adadelta(OptimMethod):
    """Adadelta (Zeiler) as in BigDL: ``v = decayrate v + (1 - decayrate) g**2``;
    ``d = sqrt(a + epsilon) / sqrt(v + epsilon) g``; ``x = x - d``;
    ``a = decayrate a + (1 - decayrate) d**2``.  No learning rate (BigDL's
    ``getLearningRate`` is 0).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0])
    >>> _ = Adadelta(decayrate=0.5, epsilon=1e-2).optimize([(w, np.array([0.2]))])
    >>> w.round(6)  # d = sqrt(0.01) / sqrt(0.02 + 0.01) * 0.2
    array([0.88453])
    """

    _buffer_names = ("v", "a")

    def __init__(self, decayrate=0.9, epsilon=1e-10):
        super().__init__()
        self.decayrate = _number(decayrate, "Adadelta", "decayrate", 0.0, 1.0)
        self.epsilon = _number(epsilon, "Adadelta", "epsilon")

    def _config(self):
        return {"decayrate": self.decayrate, "epsilon": self.epsilon}

    def get_learning_rate(self):
        return 0.0

    def _step(self, pairs, buffers):
        for (x, g), buf in zip(pairs, buffers):
            bufs = [self._buffer(buf, "v", x), self._buffer(buf, "a", x)]
            self._fused(_optim.adadelta, x, g, bufs, self.decayrate, self.epsilon)
