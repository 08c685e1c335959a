"""Checks in the style of BigDL's ``test_simple_integration.py``, ported by renaming
``bigdl`` to ``bigdl_py`` in the imports (written for this project).  BigDL's own numbers
are asked for the way bigdl_py offers them: ``RNG.set_algorithm("mt19937")``, BigDL's
generator (bigdl_py's default is the counter-based Philox).
"""
from numpy.testing import assert_allclose, assert_array_equal

from bigdl_py.dllib.nn.layer import *
from bigdl_py.dllib.nn.criterion import *
from bigdl_py.dllib.nn.initialization_method import *
from bigdl_py.dllib.optim.optimizer import *
from bigdl_py.dllib.utils.common import *
from bigdl_py.dllib.nncontext import *

RNG().set_algorithm("mt19937")


def test_set_seed():
    w_init, b_init = Xavier(), Zeros()
    l1 = Linear(10, 20).set_init_method(w_init, b_init).set_name("linear1").set_seed(
        1234).reset()
    l2 = Linear(10, 20).set_init_method(w_init, b_init).set_name("linear2").set_seed(
        1234).reset()
    p1, p2 = l1.parameters(), l2.parameters()
    assert (p1["linear1"]["weight"] == p2["linear2"]["weight"]).all()


def test_forward_backward():
    rng = RNG()
    rng.set_seed(100)
    linear = Linear(4, 5)
    input = rng.uniform(0.0, 1.0, [4])
    output = linear.forward(input)
    assert_allclose(output, np.array([0.41366524, 0.009532653, -0.677581, 0.07945433,
                                      -0.5742568]), atol=1e-6, rtol=0)
    mse = MSECriterion()
    target = rng.uniform(0.0, 1.0, [5])
    loss = mse.forward(output, target)
    print("loss: " + str(loss))
    grad_output = mse.backward(output, rng.uniform(0.0, 1.0, [5]))
    linear.backward(input, grad_output)


def test_forward_multiple():
    rng = RNG()
    rng.set_seed(100)
    input = [rng.uniform(0.0, 0.1, [2]), rng.uniform(0.0, 0.1, [2]) + 0.2]
    grad_output = [rng.uniform(0.0, 0.1, [3]), rng.uniform(0.0, 0.1, [3]) + 0.2]
    module = ParallelTable()
    module.add(Linear(2, 3))
    module.add(Linear(2, 3))
    module.forward(input)
    module.backward(input, grad_output)


def test_init_method():
    initializers = [Zeros(), Ones(), ConstInitMethod(5), RandomUniform(-1, 1),
                    RandomNormal(0, 1), None]
    special = [Xavier(), MsraFiller()]
    for wi in initializers + special:
        for bi in initializers:
            layer = Linear(3, 2)
            if wi is not None and bi is not None:
                layer.set_init_method(wi, bi)
            layer.forward(np.ones((2, 3), "float32"))


def test_predict_local_class():
    X_ = np.random.uniform(-1, 1, (3, 2))
    model = Sequential()
    model.add(Linear(2, 1))
    model.add(Sigmoid())
    model.set_seed(1234).reset()
    assert_array_equal(model.predict_class(X_), np.ones([3]))


def test_local_optimizer_predict():
    feature_num, data_len, batch_size, epoch_num = 2, 1000, 32, 30
    X_ = np.random.uniform(0, 1, (data_len, feature_num))
    y_ = (2 * X_).sum(1) + 0.4
    model = Sequential()
    model.add(Linear(feature_num, 1))
    local_optimizer = Optimizer.create(model=model, training_set=(X_, y_),
                                       criterion=MSECriterion(),
                                       optim_method=SGD(learningrate=1e-1),
                                       end_trigger=MaxEpoch(epoch_num),
                                       batch_size=batch_size)
    trained_model = local_optimizer.optimize()
    w = trained_model.get_weights()
    assert_allclose(w[0], np.array([2, 2]).reshape([1, 2]), rtol=1e-1)
    assert_allclose(w[1], np.array([0.4]), rtol=1e-1)
    predict_result = trained_model.predict_local(X_)
    assert_allclose(y_, predict_result.reshape((data_len,)), rtol=1e-1)


def test_predict(sc):
    np.random.seed(100)
    total_length = 6
    features = np.random.uniform(0, 1, (total_length, 2))
    label = features.sum() + 0.4
    predict_data = sc.parallelize(range(0, total_length)).map(
        lambda i: Sample.from_ndarray(features[i], label))
    model = Linear(2, 1).set_init_method(Xavier(), Zeros()) \
        .set_name("linear1").set_seed(1234).reset()
    p = model.predict(predict_data).take(6)
    ground_label = np.array([[-0.47596836], [-0.37598032], [-0.00492062],
                             [-0.5906958], [-0.12307882], [-0.77907401]], dtype="float32")
    for i in range(0, total_length):
        assert_allclose(p[i], ground_label[i], atol=1e-6, rtol=0)
    p_with_batch = model.predict(predict_data, batch_size=4).take(6)
    for i in range(0, total_length):
        assert_allclose(p_with_batch[i], ground_label[i], atol=1e-6, rtol=0)
    predict_labels = model.predict_class(predict_data).take(6)
    for i in range(0, total_length):
        assert predict_labels[i] == 1


def test_get_node_and_core_num(sc):
    node, core = get_node_and_core_number()
    assert node == 1 and core == 2


if __name__ == "__main__":
    sc = init_spark_on_local(cores=2)
    for name, test in list(globals().items()):
        if name.startswith("test_"):
            test(sc) if test.__code__.co_argcount else test()
            print(name, "ok")
