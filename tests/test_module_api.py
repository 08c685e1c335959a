"""Module API for training scripts (SPEC §11, FRAMEWORK.md §9): set_seed, freeze/unfreeze,
evaluate() and evaluate(data, ...); 1-D regression labels; set_validation((X, y))."""
import numpy as np
import pytest

import bigdl_py
from bigdl_py.nn import Linear, LogSoftMax, ReLU, Sequential
from bigdl_py.nn.criterion import ClassNLLCriterion, MSECriterion
from bigdl_py.optim import (SGD, Loss, MaxEpoch, MaxIteration, Optimizer, SeveralIteration,
                            Top1Accuracy, Top5Accuracy)
from bigdl_py.optim.evaluator import EvaluatedResult


def _net(seed=5):
    bigdl_py.RNG.set_seed(seed)
    return Sequential(Linear(4, 6).set_name("fc1"), ReLU(), Linear(6, 3).set_name("fc2"),
                      LogSoftMax())


def _data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)).astype(np.float32), rng.integers(1, 4, n)


# ---- set_seed ------------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["philox", "mt19937"])
def test_set_seed_is_global_and_returns_self(algorithm):
    bigdl_py.RNG.set_algorithm(algorithm)
    m = Linear(2, 2)
    assert m.set_seed(7) is m
    a = Linear(4, 3).get_weights()
    bigdl_py.RNG.set_seed(7)
    b = Linear(4, 3).get_weights()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    Linear(1, 1).set_seed()  # BigDL's default seed
    assert bigdl_py.RNG.get_seed() == 123


# ---- freeze / unfreeze ----------------------------------------------------------------------

def test_frozen_layer_accumulates_no_gradient_but_passes_grad_input():
    model, (X, _) = _net(), _data(8)
    ref = _net()
    assert model.freeze("fc1") is model
    assert model.modules[0].is_frozen() and not model.modules[2].is_frozen()
    g = np.ones((8, 3), np.float32)
    for m in (model, ref):
        m.zero_grad_parameters()
        m.forward(X)
        m.backward(X, g)
    np.testing.assert_array_equal(model.modules[0].grad_weight, 0)
    np.testing.assert_array_equal(model.modules[0].grad_bias, 0)
    np.testing.assert_array_equal(model.modules[2].grad_weight, ref.modules[2].grad_weight)
    np.testing.assert_array_equal(model.grad_input, ref.grad_input)  # gradInput flows
    assert model.unfreeze("fc1") is model and not model.modules[0].is_frozen()
    model.zero_grad_parameters()
    model.forward(X)
    model.backward(X, g)
    np.testing.assert_array_equal(model.modules[0].grad_weight, ref.modules[0].grad_weight)


def test_freeze_all_and_by_list():
    model = _net()
    model.freeze()
    assert all(m.is_frozen() for m in model.modules)
    model.unfreeze()
    assert not any(m.is_frozen() for m in model.modules)
    model.freeze(["fc1", "fc2"])
    assert model.modules[0].is_frozen() and model.modules[2].is_frozen()
    model.unfreeze(["fc2"])
    assert model.modules[0].is_frozen() and not model.modules[2].is_frozen()
    assert model.modules[0]._scale_w == 0.0 and model.modules[2]._scale_w == 1.0


def test_freeze_survives_save_and_load(tmp_path):
    from bigdl_py.nn import Model
    model = _net().freeze("fc1")
    model.save_model(str(tmp_path / "m"))
    again = Model.load_model(str(tmp_path / "m"))
    assert again.modules[0].is_frozen() and not again.modules[2].is_frozen()
    again.unfreeze()
    assert again.modules[0]._scale_w == 1.0 and again.modules[0]._scale_b == 1.0


def test_freeze_errors_change_nothing():
    model = _net()
    with pytest.raises(ValueError, match="Sequential.freeze: .*got 'nope' \\(cannot match "
                                         "module named nope\\)"):
        model.freeze(["fc1", "nope"])
    assert not model.modules[0].is_frozen()
    with pytest.raises(TypeError, match="Sequential.unfreeze: expected a name or a list of "
                                        "names, got 3"):
        model.unfreeze(3)


@pytest.mark.parametrize("method", [SGD(0.1, weightdecay=0.1, momentum=0.9),
                                    SGD(0.1)], ids=["wd+momentum", "plain"])
def test_frozen_weights_stay_during_training(method):
    """BigDL's weight decay still moves frozen weights; bigdl_py keeps them bit-identical."""
    model, (X, y) = _net(), _data()
    model.freeze("fc1")
    before = [w.copy() for w in model.get_weights()]
    Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxIteration(5), 10, method).optimize()
    after = model.get_weights()
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])
    assert not np.array_equal(after[2], before[2])
    model.unfreeze()  # then it trains normally
    Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxIteration(7), 10,
                     SGD(0.1)).optimize()
    assert not np.array_equal(model.get_weights()[0], before[0])


# ---- evaluate ------------------------------------------------------------------------------

def test_evaluate_without_arguments_sets_evaluation_mode():
    model = _net()
    assert model.evaluate() is model and not model.is_training()
    assert not model.modules[0].is_training()


@pytest.mark.parametrize("was_training", [True, False])
def test_evaluate_on_arrays(was_training):
    model, (X, y) = _net(), _data(25)
    model.training() if was_training else model.evaluate()
    res = model.evaluate(X, y, 10, [Top1Accuracy(), Top5Accuracy(), Loss()])
    assert model.is_training() == was_training  # restored (BigDL leaves evaluation mode)
    assert all(isinstance(r, EvaluatedResult) for r in res)
    assert [r.method for r in res] == ["Top1Accuracy", "Top5Accuracy", "Loss"]
    assert [r.total_num for r in res] == [25, 25, 25]
    out = model.evaluate().forward(X)
    assert res[0].result == pytest.approx(np.mean(np.argmax(out, 1) + 1 == y))
    assert res[1].result == 1.0
    assert res[2].result == pytest.approx(ClassNLLCriterion().forward(out, y), rel=1e-5)
    assert str(res[0]) == (f"Evaluated result: {res[0].result}, total_num: 25, "
                           "method: Top1Accuracy")
    assert model.evaluate(X, y)[0].result == res[0].result  # default [Top1Accuracy()], bs 32


def test_evaluate_errors():
    model, (X, y) = _net(), _data(5)
    with pytest.raises(ValueError, match="Sequential.evaluate: expected batch_size >= 1, got 0"):
        model.evaluate(X, y, 0)
    with pytest.raises(TypeError, match="Sequential.evaluate: expected batch_size to be an int, "
                                        "got 2.0"):
        model.evaluate(X, y, 2.0)
    with pytest.raises(TypeError, match="Sequential.evaluate: expected a list of validation "
                                        "methods"):
        model.evaluate(X, y, 2, ["Top1"])
    with pytest.raises(ValueError, match=r"Sequential.evaluate: expected a non-empty list of "
                                         r"validation methods, got \[\]"):
        model.evaluate(X, y, 2, [])
    with pytest.raises(ValueError, match="Sequential.evaluate: expected as many test labels"):
        model.evaluate(X, y[:3])
    assert model.is_training()


# ---- 1-D regression labels, set_validation tuple, create defaults ------------------------------

def test_one_dimensional_regression_labels_train():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((8, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3  # shape (8,)
    bigdl_py.RNG.set_seed(1)
    model = Linear(3, 1).set_weights([np.zeros((1, 3)), np.zeros(1)])
    model2 = Linear(3, 1).set_weights([np.zeros((1, 3)), np.zeros(1)])
    Optimizer.create(model, (X, y), MSECriterion(), MaxIteration(3), 8, SGD(0.1)).optimize()
    Optimizer.create(model2, (X, y[:, None]), MSECriterion(), MaxIteration(3), 8,
                     SGD(0.1)).optimize()
    np.testing.assert_array_equal(model.get_weights()[0], model2.get_weights()[0])
    assert np.abs(model.get_weights()[0]).sum() > 0
    with pytest.raises(ValueError, match="MSECriterion: expected target of shape \\(8, 1\\)"):
        MSECriterion().forward(np.zeros((8, 1)), np.zeros(7))


def test_set_validation_accepts_one_tuple():
    X, y = _data()
    runs = []
    for args in [(10, X, y, SeveralIteration(2), [Loss()]),
                 (10, (X, y), SeveralIteration(2), [Loss()])]:
        model = _net()
        opt = Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxEpoch(1), 10, SGD(0.1))
        opt.set_validation(*args)
        opt.optimize()
        runs.append(opt.optim_method.state["score"])
    assert runs[0] == runs[1]
    opt.set_validation(10, (X, y), val_method=[Loss()])  # keywords after the tuple
    with pytest.raises(TypeError, match="Optimizer.set_validation: expected Y_val"):
        opt.set_validation(10, X)


def test_create_defaults_are_bigdl_s():
    X, y = _data()
    opt = Optimizer.create(_net(), (X, y), ClassNLLCriterion())
    assert isinstance(opt.end_trigger, MaxEpoch) and opt.end_trigger.max_epoch == 1
    assert isinstance(opt.optim_method, SGD) and opt.optim_method.learningrate == 1e-3
    assert opt.batch_size == 32


# ---- get_parameters: BigDL's getParameters ---------------------------------------------------
def _mlp(dtype):
    return Sequential(Linear(3, 4, dtype=dtype), ReLU(), Linear(4, 2, dtype=dtype))


def test_get_parameters_flattens_and_binds_every_parameter(dtype):
    model = _mlp(dtype)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(dtype)
    before = [w.copy() for w, _ in model._param_pairs()]
    out = model.forward(x).copy()
    model.backward(x, np.ones_like(out))
    grads = [g.copy() for _, g in model._param_pairs()]
    W, G = model.get_parameters()
    assert W.dtype == G.dtype == dtype and W.shape == G.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    assert W.tolist() == np.concatenate([w.ravel() for w in before]).tolist()
    assert G.tolist() == np.concatenate([g.ravel() for g in grads]).tolist()
    np.testing.assert_array_equal(model.forward(x), out)  # same values, new storage
    for w, g in model._param_pairs():
        assert w.base is W and g.base is G
    W *= 0  # the layers compute with the flat vector
    assert not model.forward(x).any()
    model.zero_grad_parameters()
    assert not G.any()
    model.backward(x, np.ones_like(out))  # gradients accumulate into the flat vector
    assert G.tolist() == np.concatenate([g.ravel() for _, g in model._param_pairs()]).tolist()
    assert G[-2:].tolist() == [5.0, 5.0]  # the last bias: the batch's summed ones


def test_get_parameters_again_returns_the_same_storage(dtype):
    model = _mlp(dtype)
    W, G = model.get_parameters()
    model.set_weights([np.ones_like(w) for w, _ in model._param_pairs()])
    W2, G2 = model.get_parameters()
    assert W2 is W and G2 is G and (W == 1).all()
    model.modules[0].weight = model.modules[0].weight.copy()  # a layer no longer a view
    W3, _ = model.get_parameters()
    assert W3 is not W and model.modules[0].weight.base is W3 and (W3 == 1).all()


def test_get_parameters_of_a_layer_and_of_no_parameters():
    lin = Linear(2, 2)
    W, G = lin.get_parameters()
    assert W.shape == (6,) and lin.weight.base is W and lin.bias.base is W
    W, G = ReLU().get_parameters()
    assert W.shape == G.shape == (0,) and W.dtype == np.float32


def test_sgd_steps_on_the_flat_vectors_match_steps_on_the_layers():
    X = np.random.default_rng(1).standard_normal((16, 3)).astype(np.float32)
    y = np.random.default_rng(2).integers(1, 3, 16).astype(np.float32)
    runs = []
    for flat in (False, True):
        bigdl_py.RNG.set_seed(7)
        model = Sequential(Linear(3, 4), ReLU(), Linear(4, 2), LogSoftMax())
        if flat:
            model.get_parameters()
        Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxIteration(3), 8,
                         SGD(0.1, momentum=0.9)).optimize()
        runs.append(np.concatenate([w.ravel() for w, _ in model._param_pairs()]))
    assert runs[0].tolist() == runs[1].tolist()


def test_get_parameters_errors_change_nothing():
    mixed = Sequential(Linear(2, 2, dtype=np.float32), Linear(2, 2, dtype=np.float64))
    pairs = mixed._param_pairs()
    with pytest.raises(ValueError, match=r"Sequential.get_parameters: expected parameters and "
                                         r"gradients of one dtype, got float32, float64"):
        mixed.get_parameters()
    assert all(a is b for p, q in zip(pairs, mixed._param_pairs()) for a, b in zip(p, q))
    shared = Linear(2, 2)
    twice = Sequential().add(shared).add(shared)
    weight = shared.weight
    with pytest.raises(ValueError, match=r"expected each parameter once, got one listed twice"):
        twice.get_parameters()
    assert shared.weight is weight
