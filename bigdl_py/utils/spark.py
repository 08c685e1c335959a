"""Spark helpers.  pyspark (the ``[spark]`` extra) is imported only inside functions.

>>> from bigdl_py.utils import is_rdd
>>> is_rdd([1.0, 2.0])
False
"""
import os
import sys

__all__ = ["get_spark_context", "is_rdd", "is_dataframe"]


def get_spark_context(master="local[*]", app_name="bigdl_py", conf=None):
    """The active SparkContext, or a new one for ``master`` when none is running.

    BigDL's form ``get_spark_context(spark_conf)`` works too: a ``SparkConf`` as the
    first argument is used as it is (plus the settings below where it has none).

    Before creating a context this sets, when unset, ``PYSPARK_PYTHON`` and
    ``PYSPARK_DRIVER_PYTHON`` to this interpreter (so workers can import bigdl_py) and
    ``SPARK_LOCAL_IP=127.0.0.1``; the new context has the web UI and the console progress
    bar off, and its Python workers import the bigdl_py this process imported: its folder
    goes on their ``PYTHONPATH``, and when the current directory holds another
    ``bigdl_py`` (a source tree), ``PYTHONSAFEPATH=1`` keeps the workers from putting the
    current directory first on ``sys.path`` (Python >= 3.11).  bigdl_py never starts a
    context unless this function is called.

    Parameters
    ----------
    master : str
        Spark master URL, e.g. ``"local[2]"`` or ``"local[2,4]"`` (2 threads, a task may
        fail 4 times).  Ignored when a context is already running.
    app_name : str
        Application name of a new context.
    conf : dict, optional
        Extra Spark settings for a new context (they override the defaults above).
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark import SparkConf, SparkContext

    active = SparkContext._active_spark_context
    if active is not None:
        return active
    if isinstance(master, SparkConf):  # BigDL's get_spark_context(conf)
        spark_conf = master
        for key, value in spark_settings().items():
            spark_conf.setIfMissing(key, str(value))
        spark_conf.setIfMissing("spark.master", "local[*]")
        spark_conf.setIfMissing("spark.app.name", app_name)
        return SparkContext.getOrCreate(spark_conf)
    settings = spark_settings()
    settings.update(conf or {})
    spark_conf = SparkConf().setMaster(master).setAppName(app_name)
    for key, value in settings.items():
        spark_conf.set(key, str(value))
    return SparkContext.getOrCreate(spark_conf)


def spark_settings():
    """The Spark settings bigdl_py gives a context it creates: web UI and console
    progress bar off, and ``worker_env()``."""
    settings = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
    settings.update(worker_env())
    return settings


def worker_env():
    """``spark.executorEnv`` settings that make Spark's Python workers import the bigdl_py
    this process imported (see ``get_spark_context``)."""
    home = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {"spark.executorEnv.PYTHONPATH": home}
    cwd = os.path.abspath(os.getcwd())
    if cwd != home and os.path.exists(os.path.join(cwd, "bigdl_py", "__init__.py")):
        env["spark.executorEnv.PYTHONSAFEPATH"] = "1"
    return env


def is_rdd(obj):
    """True when ``obj`` is a pyspark RDD (without importing pyspark if nobody has)."""
    if "pyspark" not in sys.modules:
        return False
    from pyspark import RDD
    return isinstance(obj, RDD)


def is_dataframe(obj):
    """True when ``obj`` is a pyspark DataFrame (without importing pyspark if nobody
    has)."""
    if "pyspark" not in sys.modules:
        return False
    from pyspark.sql import DataFrame
    return isinstance(obj, DataFrame)
