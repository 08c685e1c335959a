"""BigDL's module paths and bootstrap calls under bigdl_py (SPEC §12): star imports bring
BigDL's names, names bigdl_py lacks fail on use (never at import), bootstrap calls work
without Spark, constructors accept bigdl_type."""
import importlib
import subprocess
import sys

import numpy as np
import pytest

import bigdl_py
import bigdl_py.nn
import bigdl_py.optim
from bigdl_py._bigdl_paths import Missing

PATHS = ["bigdl_py.nn.layer", "bigdl_py.nn.criterion", "bigdl_py.nn.initialization_method",
         "bigdl_py.optim.optimizer", "bigdl_py.util.common", "bigdl_py.dllib.nn.layer",
         "bigdl_py.dllib.nn.criterion", "bigdl_py.dllib.nn.initialization_method",
         "bigdl_py.dllib.optim.optimizer", "bigdl_py.dllib.utils.common",
         "bigdl_py.dllib.nncontext"]


@pytest.mark.parametrize("path", PATHS)
def test_star_import_brings_bigdl_names_and_leaks(path):
    ns = {}
    exec(f"from {path} import *", ns)
    assert ns["np"] is np and ns["sys"] is sys and "os" in ns
    mod = importlib.import_module(path)
    assert set(mod.__all__) <= set(ns)


def test_paths_resolve_to_the_one_definition():
    from bigdl_py.dllib.nn import layer as l2
    from bigdl_py.nn import layer as l0
    from bigdl_py.dllib.optim import optimizer as o2
    from bigdl_py.dllib.utils import common as c2
    from bigdl_py.util import common as c0
    assert l0.Linear is l2.Linear is bigdl_py.nn.Linear
    assert l0.Layer is bigdl_py.nn.Module
    assert o2.SGD is bigdl_py.optim.SGD and o2.MaxEpoch is bigdl_py.optim.MaxEpoch
    assert o2.Optimizer is bigdl_py.optim.Optimizer
    assert c0.Sample is c2.Sample is bigdl_py.utils.Sample
    assert o2.Sample is c0.Sample  # 0.x's optimizer star-imports util.common
    assert c0.RNG is bigdl_py.RNG
    from bigdl_py.dllib.nn.criterion import AbsCriterion
    assert AbsCriterion is bigdl_py.nn.criterion.AbsCriterion


def test_missing_name_fails_on_use_naming_it():
    from bigdl_py.dllib.nn.layer import BinaryTreeLSTM
    assert isinstance(BinaryTreeLSTM, Missing)
    with pytest.raises(NotImplementedError,
                       match=r"bigdl_py\.dllib\.nn\.layer\.BinaryTreeLSTM \(BigDL's "
                             r"BinaryTreeLSTM\) is not implemented by bigdl_py"):
        BinaryTreeLSTM(3, 4)
    with pytest.raises(NotImplementedError, match="BinaryTreeLSTM"):
        BinaryTreeLSTM.some_static_method
    with pytest.raises(ImportError):
        exec("from bigdl_py.nn.layer import NotABigDLName", {})


def test_bootstrap_calls_without_a_spark_context(tmp_path, restore_loggers):
    from bigdl_py.dllib.nncontext import (get_node_and_core_number, init_engine,
                                          redire_spark_logs, set_optimizer_version,
                                          show_bigdl_info_logs)
    from bigdl_py.dllib.utils.common import get_optimizer_version, to_list
    assert init_engine() is None
    assert get_node_and_core_number() == (1, bigdl_py.get_num_threads())
    show_bigdl_info_logs()
    set_optimizer_version("optimizerv2")
    assert get_optimizer_version() == "optimizerV2"
    set_optimizer_version("optimizerV1")
    with pytest.raises(ValueError, match="set_optimizer_version: expected 'optimizerV1' or "
                                         "'optimizerV2', got 'v3'"):
        set_optimizer_version("v3")
    assert to_list(1) == [1] and to_list([1]) == [1]
    assert redire_spark_logs(log_path=str(tmp_path / "spark.log")) == str(tmp_path / "spark.log")


def test_script_without_pyspark_trains_locally(tmp_path):
    """A BigDL-style script that calls the bootstrap helpers but trains on arrays runs
    with pyspark unavailable; asking for a SparkContext names the extra."""
    script = tmp_path / "script.py"
    script.write_text(
        "import sys\n"
        "sys.modules['pyspark'] = None  # pyspark not installed\n"
        "from bigdl_py.nn.layer import *\n"
        "from bigdl_py.nn.criterion import *\n"
        "from bigdl_py.optim.optimizer import *\n"
        "from bigdl_py.util.common import *\n"
        "init_engine()\n"
        "show_bigdl_info_logs()\n"
        "X = np.random.default_rng(0).standard_normal((64, 3)).astype('float32')\n"
        "y = X @ np.float32([1, -2, 0.5])\n"
        "model = Sequential().add(Linear(3, 1))\n"
        "opt = Optimizer.create(model, (X, y.reshape(-1, 1)), MSECriterion(), MaxEpoch(2), 16,"
        " SGD(0.1))\n"
        "opt.optimize()\n"
        "try:\n"
        "    create_spark_conf()\n"
        "except ImportError as e:\n"
        "    print('IMPORTERROR', e)\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "IMPORTERROR" in out.stdout and "bigdl_py[spark]" in out.stdout


def test_bigdl_type_on_layers():
    from bigdl_py.nn.layer import Dropout, Linear
    assert Linear(3, 2, bigdl_type="double").weight.dtype == np.float64
    assert Linear(3, 2, bigdl_type="float").weight.dtype == np.float32
    assert Linear(3, 2, True, bigdl_type="double").bias.dtype == np.float64
    assert Dropout(0.3, bigdl_type="double").get_p() == pytest.approx(0.3)
    with pytest.raises(ValueError, match="Linear: expected bigdl_type 'float' or 'double', "
                                         "got 'int'"):
        Linear(3, 2, bigdl_type="int")


def test_size_one_axes_leniency_for_weights():
    from bigdl_py.nn import Linear
    m = Linear(4, 2, init_bias=np.ones((1, 2)))
    np.testing.assert_array_equal(m.bias, [1, 1])
    m.set_weights([np.ones((1, 2, 4)), np.zeros((2, 1))])
    np.testing.assert_array_equal(m.weight, np.ones((2, 4)))
    assert m.bias.shape == (2,)
    with pytest.raises(ValueError, match=r"Linear: expected weights of shape \(2, 4\), got "
                                         r"\(4, 2\)"):
        m.set_weights([np.ones((4, 2)), np.zeros(2)])  # a transpose stays an error
    np.testing.assert_array_equal(m.weight, np.ones((2, 4)))  # unchanged


def test_bigdl_0x_optimizer_constructor_and_setters(tmp_path):
    from bigdl_py.nn.criterion import MSECriterion
    from bigdl_py.nn.layer import Linear, Sequential
    from bigdl_py.optim.optimizer import (SGD, EveryEpoch, LocalOptimizer, MaxEpoch,
                                          Optimizer)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3)).astype(np.float32)
    y = (X @ np.float32([1, 2, 3]))[:, None]
    model = Sequential().add(Linear(3, 1))
    opt = Optimizer(model=model, training_set=(X, y), criterion=MSECriterion(),
                    optim_method=SGD(0.05), end_trigger=MaxEpoch(2), batch_size=8)
    assert isinstance(opt, LocalOptimizer)
    opt.set_checkpoint(EveryEpoch(), str(tmp_path), isOverWrite=False)
    before = bigdl_py.get_num_threads()
    opt2 = Optimizer.create(model, (X, y), MSECriterion(), MaxEpoch(1), 8, SGD(0.05), cores=1)
    opt2.set_model(Sequential().add(Linear(3, 1))).set_criterion(MSECriterion())
    opt2.set_traindata((X[:16], y[:16]), 4)
    assert opt2.batch_size == 4 and len(opt2.X) == 16
    opt2.optimize()
    assert bigdl_py.get_num_threads() == before
    opt.optimize()
    # BigDL's order (trigger, path): one checkpoint per epoch of 4 iterations, named by
    # the next iteration's number as in BigDL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.5", "model.9", "optim.5",
                                                           "optim.9"]
    with pytest.raises(TypeError, match="Optimizer: expected one of training_rdd= or "
                                        "training_set=, got neither"):
        Optimizer(model=model, criterion=MSECriterion())
    with pytest.raises(ValueError, match="Optimizer: expected cores >= 1, got 0"):
        Optimizer.create(model, (X, y), MSECriterion(), cores=0)


def test_persistence_aliases(tmp_path):
    from bigdl_py.nn.layer import Linear, Model
    m = Linear(3, 2).set_name("fc")
    m.saveModel(str(tmp_path / "a.bigdl"))
    m.save(str(tmp_path / "b.bigdl"))
    for loaded in (Model.loadModel(str(tmp_path / "a.bigdl")),
                   Model.load(str(tmp_path / "b.bigdl"))):
        assert str(loaded) == str(m)
        np.testing.assert_array_equal(loaded.weight, m.weight)
    with pytest.raises(FileExistsError):
        m.saveModel(str(tmp_path / "a.bigdl"))
    m.saveModel(str(tmp_path / "a.bigdl"), over_write=True)
    with pytest.raises(ValueError, match="Linear.saveModel: expected weightPath=None"):
        m.saveModel(str(tmp_path / "c.bigdl"), str(tmp_path / "c.bin"))


def test_sgd_dampening_doublemax_means_momentum():
    from bigdl_py.optim import DOUBLEMAX, SGD
    from bigdl_py.util.common import DOUBLEMAX as common_max
    assert DOUBLEMAX == common_max == 1.7976931348623157e308
    w = np.ones(3, np.float32)
    g = np.full(3, 0.5, np.float32)
    ref = w.copy()
    a, b = SGD(0.1, momentum=0.9, dampening=DOUBLEMAX), SGD(0.1, momentum=0.9)
    for _ in range(3):
        a.optimize([(w, g.copy())])
        b.optimize([(ref, g.copy())])
    assert np.all(np.isfinite(w))
    np.testing.assert_array_equal(w, ref)


def test_sample_fields_behave_like_bigdl_jtensors():
    from bigdl_py.util.common import JTensor, Sample
    s = Sample.from_ndarray(np.arange(6).reshape(2, 3), np.array([3]))
    assert isinstance(s.features, list) and len(s.features) == 1
    f = s.features[0].to_ndarray()
    assert type(f) is np.ndarray and f.dtype == np.float32 and f.shape == (2, 3)
    assert s.label.to_ndarray().tolist() == [3] and s.labels[0].tolist() == [3]
    same = Sample.from_ndarray([np.ones(3)], 1.0)  # BigDL's one-array list
    assert same.feature.shape == (3,) and same.inputs.shape == (3,)
    two = Sample.from_ndarray([np.ones(3), np.ones(2)], 1.0)  # a two-input graph's record
    assert [f.to_ndarray().shape for f in two.features] == [(3,), (2,)]
    t = JTensor.from_ndarray(np.ones(2))
    assert isinstance(t, np.ndarray) and type(t.to_ndarray()) is np.ndarray
    assert JTensor.from_ndarray(None) is None
    import pickle
    back = pickle.loads(pickle.dumps(s))
    np.testing.assert_array_equal(back.feature, s.feature)


def test_distri_set_traindata_switches_the_training_set(sc):
    from bigdl_py.nn.criterion import MSECriterion
    from bigdl_py.nn.layer import Linear
    from bigdl_py.optim.optimizer import SGD, MaxEpoch, Optimizer
    from bigdl_py.util.common import Sample
    rng = np.random.default_rng(1)
    X = rng.standard_normal((16, 2)).astype(np.float32)
    rdd = sc.parallelize([Sample.from_ndarray(x, [x.sum()]) for x in X], 2)
    opt = Optimizer(model=Linear(2, 1), training_rdd=rdd, criterion=MSECriterion(),
                    optim_method=SGD(0.1), end_trigger=MaxEpoch(1), batch_size=8)
    opt.set_traindata(sc.parallelize([Sample.from_ndarray(x, [x.sum()]) for x in X[:4]], 2), 4)
    assert opt.batch_size == 4 and opt._num_records() == 4
    with pytest.raises(ValueError, match="DistriOptimizer.set_traindata: expected batch_size "
                                         "to be a multiple"):
        opt.set_traindata(rdd, 3)
    opt.optimize()
    assert opt.history[-1]["iteration"] == 1  # one epoch of 4 records at batch 4
