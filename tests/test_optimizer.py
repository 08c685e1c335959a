import logging

import numpy as np
import pytest

import bigdl_py
from bigdl_py.nn import Linear, LogSoftMax, Model, Module, ReLU, Sequential
from bigdl_py.nn.criterion import ClassNLLCriterion, CrossEntropyCriterion, MSECriterion
from bigdl_py.optim import (SGD, Adam, EveryEpoch, Loss, MaxEpoch, MaxIteration, MaxScore,
                            OptimMethod, Optimizer, SeveralIteration, Top1Accuracy)

from helpers import assert_fires_at_iterations_3_and_6


def _blobs(n=240, seed=0):
    """Three well separated Gaussian classes in 4-D; labels 1..3."""
    rng = np.random.default_rng(seed)
    centres = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=np.float32)
    y = rng.integers(1, 4, n)
    X = centres[y - 1] + 0.5 * rng.standard_normal((n, 4)).astype(np.float32)
    return X, y


def _mlp():
    return Sequential(Linear(4, 16), ReLU(), Linear(16, 3), LogSoftMax())


def _weights(model):
    return [w.copy() for w in model.get_weights()]


class ModeSpy(Module):
    """Identity that records the mode of every forward."""

    def __init__(self):
        super().__init__()
        self.modes = []

    def update_output(self, x):
        self.modes.append(self.is_training())
        return x.copy()

    def update_grad_input(self, x, g):
        return g.copy()


def test_trains_synthetic_problem_to_stated_accuracy():
    X, y = _blobs()
    Xv, yv = _blobs(120, seed=1)
    model = _mlp()
    opt = Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxEpoch(15), 16,
                           SGD(0.1, momentum=0.9, dampening=0.0))
    opt.set_validation(50, Xv, yv, EveryEpoch(), [Top1Accuracy(), Loss()])
    assert opt.optimize() is model
    acc = np.mean(model.predict_class(Xv) == yv)
    assert acc >= 0.95  # the classes are 4 sigma apart: >= 95% held out
    h = opt.history
    assert [e["epoch"] for e in h] == list(range(1, 16))
    assert [e["iteration"] for e in h] == [15 * k for k in range(1, 16)]  # ceil(240/16) = 15
    assert h[-1]["loss"] < h[0]["loss"]
    assert h[-1]["validation"]["Top1Accuracy"] == pytest.approx(acc)
    assert set(h[-1]["validation"]) == {"Top1Accuracy", "Loss"}
    assert opt.optim_method.state["epoch"] == 16 and opt.optim_method.state["neval"] == 226


def test_adam_and_cross_entropy_train():
    X, y = _blobs()
    model = Sequential(Linear(4, 3))
    Optimizer.create(model, (X, y), CrossEntropyCriterion(), MaxEpoch(10), 32,
                     Adam(0.05)).optimize()
    assert np.mean(model.predict_class(X) == y) >= 0.95


def test_regression_with_mse():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.25
    model = Linear(3, 1, dtype="float64")
    Optimizer.create(model, (X, Y), MSECriterion(), MaxEpoch(40), 20, SGD(0.1)).optimize()
    np.testing.assert_allclose(model.weight, [[1.0, -2.0, 0.5]], atol=1e-3)
    np.testing.assert_allclose(model.bias, [0.25], atol=1e-3)


def _assert_same_training(X, y, batch, make_model, setups):
    """Train a fresh model after each setup call: the weights agree bit for bit."""
    runs = []
    for setup in setups:
        setup()
        model = make_model()
        Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxEpoch(2), batch,
                         SGD(0.1, momentum=0.9)).optimize()
        runs.append(_weights(model))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("algorithm", ["philox", "mt19937"])
def test_a_seed_reproduces_the_run(algorithm):
    X, y = _blobs()

    def setup():
        bigdl_py.RNG.set_algorithm(algorithm)
        bigdl_py.RNG.set_seed(11)
    _assert_same_training(X, y, 32, _mlp, [setup, setup])


def test_one_thread_equals_two_threads():
    from bigdl_py.nn import Dropout
    X, y = _blobs(300)

    def setup(n):
        bigdl_py.set_num_threads(n)
        bigdl_py.RNG.set_seed(21)
    _assert_same_training(
        X, y, 64, lambda: Sequential(Linear(4, 16), ReLU(), Dropout(0.2), Linear(16, 3),
                                     LogSoftMax()),
        [lambda: setup(1), lambda: setup(2)])


def test_shuffle_depends_on_seed_and_epoch():
    X, y = _blobs(50)
    opt = Optimizer.create(_mlp(), (X, y), ClassNLLCriterion())
    p1, p2 = opt._permutation(1), opt._permutation(2)
    assert sorted(p1) == list(range(50)) and not np.array_equal(p1, p2)
    np.testing.assert_array_equal(p1, opt._permutation(1))
    bigdl_py.RNG.set_seed(99)
    assert not np.array_equal(p1, opt._permutation(1))


def test_state_survives_across_optimize_calls():
    X, y = _blobs()
    bigdl_py.RNG.set_seed(5)
    once = _mlp()
    Optimizer.create(once, (X, y), ClassNLLCriterion(), MaxEpoch(4), 32,
                     SGD(0.1, momentum=0.9)).optimize()
    bigdl_py.RNG.set_seed(5)
    twice = _mlp()
    method = SGD(0.1, momentum=0.9)
    opt = Optimizer.create(twice, (X, y), ClassNLLCriterion(), MaxEpoch(2), 32, method)
    opt.optimize()
    assert method.state["epoch"] == 3 and method.state["evalCounter"] == 16
    opt.set_end_when(MaxEpoch(4)).optimize()
    for a, b in zip(_weights(once), _weights(twice)):
        np.testing.assert_array_equal(a, b)


def _full_and_resumed(folder, make, X, y, end, stop, trigger, suffix, between=None):
    """Seed 8: ``make()`` trained until ``end()`` in one run, and again stopped at
    ``stop`` with checkpoints to ``folder`` (``between()`` then runs, e.g. to disturb the
    RNG), then ``model.<suffix>`` / ``optim.<suffix>`` loaded and trained until ``end()``.
    Returns (the full run's model, the resumed model, the loaded method's neval)."""
    bigdl_py.RNG.set_seed(8)
    full = make()
    Optimizer.create(full, (X, y), ClassNLLCriterion(), end(), 32,
                     SGD(0.1, momentum=0.9)).optimize()
    bigdl_py.RNG.set_seed(8)
    opt = Optimizer.create(make(), (X, y), ClassNLLCriterion(), stop, 32,
                           SGD(0.1, momentum=0.9))
    opt.set_checkpoint(str(folder), trigger)
    opt.optimize()
    if between is not None:
        between()
    model = Model.load_model(folder / f"model.{suffix}")
    method = OptimMethod.load(folder / f"optim.{suffix}")
    neval = method.state["neval"]
    Optimizer.create(model, (X, y), ClassNLLCriterion(), end(), 32, method).optimize()
    return full, model, neval


@pytest.mark.parametrize("trigger,resume_at", [(EveryEpoch(), "model.17"),
                                               (SeveralIteration(5), "model.10")])
def test_checkpoint_and_resume_reach_the_same_weights(tmp_path, trigger, resume_at):
    X, y = _blobs(250)  # 8 iterations per epoch, the last one partial
    suffix = resume_at.split(".")[1]
    full, model, neval = _full_and_resumed(tmp_path / "ckpt", _mlp, X, y, lambda: MaxEpoch(4),
                                           MaxIteration(18), trigger, suffix)
    files = sorted((tmp_path / "ckpt").iterdir())
    assert (tmp_path / "ckpt" / resume_at).exists()
    assert {f.name.split(".")[0] for f in files} == {"model", "optim"}
    assert neval == int(suffix)
    for a, b in zip(_weights(full), _weights(model)):
        np.testing.assert_array_equal(a, b)


def test_triggers_fire_on_bigdl_counts(tmp_path):
    X, y = _blobs(64)
    opt = Optimizer.create(_mlp(), (X, y), ClassNLLCriterion(), MaxIteration(7), 8)
    assert_fires_at_iterations_3_and_6(opt, tmp_path,
                                       lambda trigger: opt.set_validation(32, X, y, trigger))


@pytest.mark.parametrize("algorithm", ["philox", "mt19937"])
def test_a_checkpoint_holds_the_rng_state(tmp_path, algorithm):
    """Dropout and mid-epoch resume: the checkpoint restores the RNG's seed, algorithm and
    stream position (and in mt19937 mode the stream before the epoch's shuffle), so the
    resumed run needs no seed set by hand."""
    from bigdl_py.nn import Dropout

    def mlp():
        return Sequential(Linear(4, 16), ReLU(), Dropout(0.3), Linear(16, 3), LogSoftMax())

    def another_process():
        bigdl_py.RNG.set_algorithm("philox")
        bigdl_py.RNG.set_seed(12345)

    X, y = _blobs(100)
    bigdl_py.RNG.set_algorithm(algorithm)
    # neval 6: mid epoch 2
    full, model, _ = _full_and_resumed(tmp_path, mlp, X, y, lambda: MaxIteration(10),
                                       MaxIteration(6), SeveralIteration(6), 6, another_process)
    assert bigdl_py.RNG.algorithm() == algorithm
    for a, b in zip(_weights(full), _weights(model)):
        np.testing.assert_array_equal(a, b)
    bigdl_py.RNG.set_algorithm("philox")


@pytest.mark.parametrize("edit, match", [
    (lambda s: "{", r"Expecting"),
    (lambda s: s.replace('"seed"', '"sed"'), r"'seed'"),
    (lambda s: s.replace('"mt_pos": ', '"mt_pos": 700, "x": '), r"pos in \[0, 624\], got 700"),
    (lambda s: s.replace('"mt_key": [', '"mt_key": [4294967296, '), r"bad MT19937 key"),
    (lambda s: s.replace('"algorithm": "philox"', '"algorithm": "pcg"'), r"'pcg'"),
])
def test_a_damaged_checkpointed_rng_state_changes_nothing(edit, match):
    from bigdl_py.optim import _checkpoint
    bigdl_py.RNG.set_seed(4)
    text = _checkpoint.rng_state()
    bigdl_py.RNG.set_seed(5)
    state = _checkpoint.rng_state()
    with pytest.raises(ValueError, match=r"Optimizer: expected a checkpointed RNG state, got "
                                         r"a damaged one \(.*" + match):
        _checkpoint.set_rng_state(edit(text))
    assert _checkpoint.rng_state() == state
    _checkpoint.set_rng_state(text)
    assert bigdl_py.RNG.get_seed() == 4


def test_checkpoint_without_over_write(tmp_path):
    X, y = _blobs(64)
    opt = Optimizer.create(_mlp(), (X, y), ClassNLLCriterion(), MaxEpoch(1), 32)
    opt.set_checkpoint(tmp_path, EveryEpoch(), over_write=False)
    opt.optimize()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.3", "optim.3"]
    opt2 = Optimizer.create(_mlp(), (X, y), ClassNLLCriterion(), MaxEpoch(1), 32)
    opt2.set_checkpoint(EveryEpoch(), str(tmp_path), False)  # BigDL Python's order works too
    with pytest.raises(FileExistsError, match="model.3 exists"):  # the model is written first
        opt2.optimize()


def test_modes_training_for_steps_evaluation_for_validation():
    X, y = _blobs(64)
    spy = ModeSpy()
    model = Sequential(spy, Linear(4, 3), LogSoftMax()).evaluate()
    opt = Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxEpoch(2), 32)
    opt.set_validation(64, X, y, EveryEpoch())
    opt.optimize()
    # shape check (eval), then per epoch 2 training steps and 1 validation batch
    assert spy.modes == [False, True, True, False, True, True, False]
    assert not model.is_training()  # the mode it had before optimize()


def test_max_score_ends_training():
    X, y = _blobs()
    opt = Optimizer.create(_mlp(), (X, y), ClassNLLCriterion(), MaxScore(0.9), 16,
                           SGD(0.1, momentum=0.9, dampening=0.0))
    opt.set_validation(100, X, y, EveryEpoch())
    opt.optimize()
    assert opt.history[-1]["validation"]["Top1Accuracy"] > 0.9
    assert all(h["validation"]["Top1Accuracy"] <= 0.9 for h in opt.history[:-1])


def test_epoch_line_on_stderr_and_logger(capsys, caplog):
    X, y = _blobs(64)
    opt = Optimizer.create(_mlp(), (X, y), ClassNLLCriterion(), MaxEpoch(2), 32)
    opt.set_validation(64, X, y)
    opt.optimize()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].startswith("epoch 1/2  iterations 2  loss ")
    assert "records/s  Top1Accuracy " in err[0] and err[1].startswith("epoch 2/2  iterations 4")
    with caplog.at_level(logging.INFO, logger="bigdl_py.optim"):
        opt.set_end_when(MaxIteration(6)).optimize()
    assert [r.name for r in caplog.records] == ["bigdl_py.optim"]
    assert caplog.records[0].getMessage().startswith("epoch 3  iterations 6  loss")
    assert capsys.readouterr().err == ""  # handled by logging: not printed twice


def test_bad_input_fails_before_training():
    X, y = _blobs(64)
    model = _mlp()
    before = _weights(model)
    with pytest.raises(ValueError, match="Optimizer: expected as many training labels as "
                                         "samples, got 63 labels for 64 samples"):
        Optimizer.create(model, (X, y[:-1]), ClassNLLCriterion())
    with pytest.raises(ValueError, match="Optimizer: expected batch_size >= 1, "
                                         "got 0"):
        Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxEpoch(1), 0)
    with pytest.raises(ValueError, match="Optimizer: expected training samples along the "
                                         "first axis"):
        Optimizer.create(model, (X[:0], y[:0]), ClassNLLCriterion())
    with pytest.raises(ValueError, match="Optimizer.set_validation: expected as many "
                                         "validation labels as samples"):
        Optimizer.create(model, (X, y), ClassNLLCriterion()).set_validation(8, X, y[:3])
    with pytest.raises(TypeError, match="Optimizer.create: expected training_set=\\(X, y\\)"):
        Optimizer.create(model, [X, y], ClassNLLCriterion())
    with pytest.raises(TypeError, match="Optimizer: expected a bigdl_py criterion"):
        Optimizer.create(model, (X, y), "nll")
    with pytest.raises(TypeError, match="Optimizer: expected a Trigger as end_trigger"):
        Optimizer.create(model, (X, y), ClassNLLCriterion(), 5)
    with pytest.raises(TypeError, match="Optimizer.set_end_when: expected end_trigger to be a "
                                        "Trigger, got int"):
        Optimizer.create(model, (X, y), ClassNLLCriterion()).set_end_when(5)
    wrong = Optimizer.create(model, (X[:, :3], y), ClassNLLCriterion())
    with pytest.raises(ValueError, match="Sequential: module 1 .* failed in forward: Linear"):
        wrong.optimize()
    labels = Optimizer.create(model, (X, y + 5), ClassNLLCriterion())
    with pytest.raises(ValueError, match="ClassNLLCriterion: expected class labels in 1..3"):
        labels.optimize()
    for a, b in zip(before, _weights(model)):
        np.testing.assert_array_equal(a, b)
    assert model.is_training()


def test_parameters_are_checked_once_per_optimize(monkeypatch):
    """The per-model bookkeeping (parameter list, checks, buffers) runs once per
    ``optimize()``; the weights equal a plain loop that checks every step."""
    from bigdl_py.nn import Dropout
    X, y = _blobs(96)
    calls = []
    real = SGD._prepare_step
    monkeypatch.setattr(SGD, "_prepare_step", lambda self, p: calls.append(1) or real(self, p))
    bigdl_py.RNG.set_seed(8)
    model = Sequential(Linear(4, 16), ReLU(), Dropout(0.2), Linear(16, 3), LogSoftMax())
    Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxIteration(7), 32,
                     SGD(0.1, momentum=0.9)).optimize()
    assert len(calls) == 1
    bigdl_py.RNG.set_seed(8)
    plain = Sequential(Linear(4, 16), ReLU(), Dropout(0.2), Linear(16, 3), LogSoftMax())
    opt = Optimizer.create(plain, (X, y), ClassNLLCriterion(), MaxIteration(7), 32,
                           SGD(0.1, momentum=0.9))
    opt._prepare()
    crit, sgd = ClassNLLCriterion(), SGD(0.1, momentum=0.9)
    for it in range(7):  # three iterations per epoch
        if it % 3 == 0:
            opt._begin_epoch(it // 3 + 1)
        idx = opt._perm[it % 3 * 32:it % 3 * 32 + 32]
        out = plain.forward(X[idx])
        g = crit.backward(out, y[idx])
        plain.zero_grad_parameters()
        plain.backward(X[idx], g)
        sgd.optimize(plain._param_pairs())
    assert len(calls) == 8
    for a, b in zip(_weights(model), _weights(plain)):
        np.testing.assert_array_equal(a, b)


def test_training_loop_runs_without_snapshots_and_restores_them(monkeypatch):
    """Inside the loop the containers take no snapshots (a failure stops training
    anyway); before it (the first batch's check) and after it they do."""
    from bigdl_py.nn import Container
    X, y = _blobs(64)
    inner = Sequential(Linear(16, 3), LogSoftMax())
    model = Sequential(Linear(4, 16), ReLU(), inner)
    seen = []
    real = Container._all_or_nothing
    monkeypatch.setattr(Container, "_all_or_nothing",
                        lambda self, run, *a: seen.append(self._guarded) or real(self, run, *a))
    Optimizer.create(model, (X, y), ClassNLLCriterion(), MaxIteration(3), 32).optimize()
    assert seen[:2] == [True, True] and seen[2:] == [False] * 6
    assert model._guarded and inner._guarded and "_guarded" not in vars(model)
