"""RMSprop, Adagrad, Adadelta, Adamax and the fused update kernels (FRAMEWORK.md §6):
formulas written out in float64, torch as an independent oracle, a fixed full-batch
regression trained through the Optimizer, 1 thread == 2 threads bitwise, persistence,
per-element SGD rates/decays and argument errors."""
import numpy as np
import pytest

import bigdl_py
from bigdl_py import _gradclip, _optim, _testing
from bigdl_py.nn import Linear
from bigdl_py.nn.criterion import MSECriterion
from bigdl_py.optim import (SGD, Adadelta, Adagrad, Adam, Adamax, MaxIteration, OptimMethod,
                            Optimizer, RMSprop)

from helpers import assert_steps_match, optim_problem


@pytest.fixture
def parallel_updates():
    """Run the update kernels on the OpenMP path even for small arrays."""
    old = _testing.optim_parallel_threshold(0)
    yield
    _testing.optim_parallel_threshold(old)


def _reference(name, kw, ws, grads):
    """FRAMEWORK.md §6 in float64, step by step (n = steps taken before)."""
    ws = [w.astype(np.float64).copy() for w in ws]
    st = [dict(a=np.zeros_like(w), b=np.zeros_like(w)) for w in ws]
    for n, gs in enumerate(grads):
        for w, g, s in zip(ws, gs, st):
            g = g.astype(np.float64)
            if name == "RMSprop":
                clr = kw["learningrate"] / (1 + n * kw.get("learningrate_decay", 0.0))
                dr = kw.get("decayrate", 0.99)
                s["a"] = dr * s["a"] + (1 - dr) * g * g
                w -= clr * g / (np.sqrt(s["a"]) + kw.get("epsilon", 1e-8))
            elif name == "Adagrad":
                g = g + kw.get("weightdecay", 0.0) * w
                clr = kw["learningrate"] / (1 + n * kw.get("learningrate_decay", 0.0))
                s["a"] += g * g
                w -= clr * g / (np.sqrt(s["a"]) + 1e-10)
            elif name == "Adadelta":
                rho, eps = kw.get("decayrate", 0.9), kw.get("epsilon", 1e-10)
                s["a"] = rho * s["a"] + (1 - rho) * g * g
                d = np.sqrt(s["b"] + eps) / np.sqrt(s["a"] + eps) * g
                w -= d
                s["b"] = rho * s["b"] + (1 - rho) * d * d
            elif name == "Adamax":
                b1, b2 = kw.get("beta1", 0.9), kw.get("beta2", 0.999)
                s["a"] = b1 * s["a"] + (1 - b1) * g
                s["b"] = np.maximum(b2 * s["b"], np.abs(g) + kw.get("epsilon", 1e-38))
                w -= kw["learningrate"] / (1 - b1 ** (n + 1)) * s["a"] / s["b"]
    return ws


CASES = [("RMSprop", RMSprop, dict(learningrate=0.01)),
         ("RMSprop", RMSprop, dict(learningrate=0.05, learningrate_decay=0.3, decayrate=0.9,
                                   epsilon=1e-3)),
         ("Adagrad", Adagrad, dict(learningrate=0.1)),
         ("Adagrad", Adagrad, dict(learningrate=0.1, learningrate_decay=0.2, weightdecay=0.05)),
         ("Adadelta", Adadelta, dict()),
         ("Adadelta", Adadelta, dict(decayrate=0.5, epsilon=1e-4)),
         ("Adamax", Adamax, dict(learningrate=0.002)),
         ("Adamax", Adamax, dict(learningrate=0.1, beta1=0.5, beta2=0.9, epsilon=1e-6))]


@pytest.mark.parametrize("name, cls, kw", CASES, ids=[f"{c[0]}{c[2]}" for c in CASES])
def test_against_formula(name, cls, kw, dtype):
    ws, grads = optim_problem(dtype)
    expected = _reference(name, kw, ws, grads)
    assert_steps_match(cls(**kw), ws, grads, expected, dtype,
                       2e-5 if dtype == np.float32 else 1e-12)


TORCH = [(RMSprop, dict(learningrate=0.01, decayrate=0.9), "RMSprop",
          dict(lr=0.01, alpha=0.9, eps=1e-8)),
         (Adagrad, dict(learningrate=0.1, learningrate_decay=0.2, weightdecay=0.05), "Adagrad",
          dict(lr=0.1, lr_decay=0.2, weight_decay=0.05, eps=1e-10)),
         (Adadelta, dict(decayrate=0.8, epsilon=1e-6), "Adadelta",
          dict(lr=1.0, rho=0.8, eps=1e-6)),
         (Adamax, dict(learningrate=0.05, epsilon=1e-8), "Adamax", dict(lr=0.05, eps=1e-8))]


@pytest.mark.parametrize("cls, kw, tname, tkw", TORCH, ids=[t[2] for t in TORCH])
def test_against_torch(cls, kw, tname, tkw):
    torch = pytest.importorskip("torch")
    ws, grads = optim_problem(np.float64, steps=5)
    tw = [torch.tensor(w.copy(), requires_grad=True) for w in ws]
    opt = getattr(torch.optim, tname)(tw, **tkw)
    m = cls(**kw)
    for gs in grads:
        for t, g in zip(tw, gs):
            t.grad = torch.tensor(g)
        opt.step()
        m.optimize(list(zip(ws, gs)))
    for w, t in zip(ws, tw):
        np.testing.assert_allclose(w, t.detach().numpy(), rtol=1e-10, atol=1e-12)


def _regression():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((12, 3))
    return X, X @ np.array([0.5, -1.0, 2.0]) + 0.25


@pytest.mark.parametrize("method", [RMSprop(0.05), Adagrad(0.1), Adadelta(0.9, 1e-6),
                                    Adamax(0.05), Adam(0.05), SGD(0.1, momentum=0.9)],
                         ids=lambda m: type(m).__name__)
def test_full_batch_regression_through_the_optimizer(method):
    """Three full-batch iterations equal the same method applied by hand to the mean-squared
    error gradient of ``X w + b`` (1-D labels, MSECriterion)."""
    X, y = _regression()
    model = Linear(3, 1, dtype="float64").set_weights([np.zeros((1, 3)), np.zeros(1)])
    ref = type(method)._from_config(method._saved_config(), method._config_arrays())
    Optimizer.create(model, (X, y), MSECriterion(), MaxIteration(3), 12, method).optimize()
    w, b = np.zeros((1, 3)), np.zeros(1)
    for _ in range(3):
        r = (X @ w[0] + b[0] - y) * (2.0 / len(y))
        ref.optimize([(w, (r @ X)[None, :]), (b, np.array([r.sum()]))])
    got = model.get_weights()
    np.testing.assert_allclose(got[0], w, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got[1], b, rtol=1e-6, atol=1e-9)
    assert not np.allclose(w, 0)


@pytest.mark.parametrize("make", [lambda: SGD(0.1, 0.1, 0.05, 0.9, 0.1, False),
                                  lambda: SGD(0.1, momentum=0.9, dampening=0.0, nesterov=True),
                                  lambda: Adam(0.01), lambda: RMSprop(0.01), lambda: Adagrad(),
                                  lambda: Adadelta(), lambda: Adamax()],
                         ids=["SGD", "Nesterov", "Adam", "RMSprop", "Adagrad", "Adadelta",
                              "Adamax"])
def test_one_thread_equals_two_bitwise(make, dtype, parallel_updates):
    runs = []
    for n in (1, 2):
        bigdl_py.set_num_threads(n)
        ws, grads = optim_problem(dtype, seed=3)
        ws = [np.repeat(w, 50, axis=0) for w in ws]  # a few thousand elements
        grads = [[np.repeat(g, 50, axis=0) for g in gs] for gs in grads]
        m = make()
        for gs in grads:
            m.optimize(list(zip(ws, gs)))
        runs.append(ws)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [
    lambda: SGD(0.1, momentum=0.9, dampening=0.1, weightdecay=1e-3),
    lambda: Adam(0.01, beta1=0.8), lambda: RMSprop(0.01), lambda: Adagrad(0.1, 0.1, 0.01),
    lambda: Adadelta(0.8), lambda: Adamax(0.01)],
    ids=["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax"])
def test_save_load_continues_identically(make, tmp_path, dtype):
    method = make()  # a fresh one per dtype (buffers follow it)
    ws, grads = optim_problem(dtype, steps=6, seed=2)
    for gs in grads[:3]:
        method.optimize(list(zip(ws, gs)))
    assert method.state["evalCounter"] == 3
    method.state["epoch"], method.state["neval"] = 3, 17
    path = tmp_path / "optim.17"
    method.save(path)
    loaded = OptimMethod.load(path)
    assert type(loaded) is type(method) and repr(loaded) == repr(method)
    assert loaded.state == method.state
    mid = [w.copy() for w in ws]
    for gs in grads[3:]:
        method.optimize(list(zip(ws, gs)))
        loaded.optimize(list(zip(mid, gs)))
    for a, b in zip(ws, mid):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(FileExistsError, match="exists; pass over_write=True"):
        method.save(path)
    method.save(path, over_write=True)


def test_learning_rates_reported_as_bigdl():
    assert Adam(0.01, learningrate_decay=0.5).get_learning_rate() == 0.01
    assert RMSprop(0.02).get_learning_rate() == 0.02
    assert Adadelta().get_learning_rate() == 0.0
    w = np.zeros(1)
    sgd = SGD(0.2, learningrate_decay=1.0)
    assert sgd.get_learning_rate() == 0.2
    sgd.optimize([(w, w.copy())]).optimize([(w, w.copy())])
    assert sgd.get_learning_rate() == 0.1  # the last step's rate, positive


def test_sgd_per_element_learningrates_and_weightdecays(tmp_path):
    w1, w2 = np.array([[1.0, 2.0]]), np.array([3.0])
    g1, g2 = np.array([[0.5, 0.5]]), np.array([1.0])
    sgd = SGD(0.1, learningrates=[1.0, 0.0, 2.0], weightdecays=[0.0, 1.0, 0.5])
    sgd.save(tmp_path / "sgd")
    sgd.optimize([(w1, g1), (w2, g2)])
    np.testing.assert_allclose(w1, [[1 - 0.1 * 0.5, 2.0]])
    np.testing.assert_allclose(w2, [3 - 0.1 * 2 * (1 + 0.5 * 3)])
    again = OptimMethod.load(tmp_path / "sgd")
    np.testing.assert_array_equal(again.learningrates, [1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="SGD: expected learningrates with one value per "
                                         "parameter element \\(3\\), got 2"):
        SGD(0.1, learningrates=[1.0, 2.0]).optimize([(w1, g1), (w2, g2)])


@pytest.mark.parametrize("make, exc, match", [
    (lambda: RMSprop(decayrate=1.5), ValueError, "RMSprop: expected decayrate in"),
    (lambda: RMSprop(learningrate=-1), ValueError, "RMSprop: expected learningrate in"),
    (lambda: Adagrad(weightdecay="0"), TypeError, "Adagrad: expected weightdecay to be a"),
    (lambda: Adadelta(epsilon=float("nan")), ValueError, "Adadelta: expected epsilon in"),
    (lambda: Adamax(beta1=1.0), ValueError, "Adamax: expected beta1 in"),
    (lambda: SGD(learningrates=[1.0, float("inf")]), ValueError, "SGD: expected finite"),
])
def test_argument_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_kernel_length_errors():
    x = np.zeros(3)
    with pytest.raises(ValueError, match="_optim.rmsprop: expected s of length 3, got 2"):
        _optim.rmsprop(x, x, np.zeros(2), 0.1, 0.9, 1e-8, 1)
    with pytest.raises(ValueError, match="_gradclip.clip: expected lo <= hi"):
        _gradclip.clip(x, 1.0, -1.0, 1)
