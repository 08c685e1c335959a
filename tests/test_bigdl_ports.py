"""Runs each script of examples/bigdl_ports/ -- BigDL examples ported by renaming ``bigdl``
to ``bigdl_py`` in their imports -- in this process, on the shared local[2] SparkContext.
Each script asserts its own results (accuracy, BigDL's known numbers)."""
import os
import runpy

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("sklearn")

PORTS = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "bigdl_ports")


@pytest.mark.parametrize("script", ["linear_regression.py", "mlp_classifier_rdd.py",
                                    "autoencoder.py", "simple_integration.py", "lenet_local.py"])
def test_port_runs(script, sc, restore_loggers, tmp_path, monkeypatch):
    """As ``python <script>``: run_name "__main__" also lets Spark pickle the script's
    functions by value, as it does for a script run from the shell."""
    monkeypatch.chdir(tmp_path)  # the log helpers write ./bigdl.log
    runpy.run_path(os.path.join(PORTS, script), run_name="__main__")
