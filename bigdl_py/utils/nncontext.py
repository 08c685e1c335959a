"""BigDL's bootstrap calls, doing what they mean here (SPEC §12).

BigDL scripts start with ``init_nncontext()`` / ``create_spark_conf()`` /
``init_engine()`` / ``redire_spark_logs()`` ...; in BigDL they start the JVM side.  Here
there is no JVM engine: the Spark calls build or find a SparkContext (pyspark, the
``[spark]`` extra, imported only when one is asked for), and the engine calls configure
bigdl_py's own threads and loggers.  A script that calls ``init_engine()`` and the log
helpers but trains locally runs without pyspark.

Examples
--------
>>> from bigdl_py.utils.nncontext import get_node_and_core_number, init_engine, to_list
>>> init_engine()
>>> to_list(3), to_list([3])
([3], [3])
>>> nodes, cores = get_node_and_core_number()  # (1, this process's threads) without Spark
>>> nodes
1
"""
import logging
import os
import re
import sys

from .._bigdl_names import DOUBLEMAX, INTMAX, INTMIN  # noqa: F401  (re-exported)
from .._validate import check_int
from ..parallel import get_num_threads, set_num_threads
from .sample import Sample
from .spark import get_spark_context, spark_settings

__all__ = ["create_spark_conf", "get_spark_context", "init_nncontext", "init_spark_on_local",
           "init_engine", "redire_spark_logs", "show_bigdl_info_logs",
           "set_optimizer_version", "get_optimizer_version", "get_node_and_core_number",
           "get_spark_sql_context", "to_list", "to_sample_rdd",
           "DOUBLEMAX", "INTMAX", "INTMIN"]


_OPTIMIZER_VERSIONS = ("optimizerv1", "optimizerv2")
_optimizer_version = "optimizerV1"


def _pyspark():
    try:
        import pyspark
    except ImportError:
        raise ImportError("bigdl_py: this call needs pyspark; install the extra with "
                          "pip install 'bigdl_py[spark]'") from None
    return pyspark


def _active_context():
    """The running SparkContext, or None (without importing pyspark if nobody has)."""
    if "pyspark" not in sys.modules:
        return None
    from pyspark import SparkContext
    return SparkContext._active_spark_context


def create_spark_conf():
    """A ``SparkConf`` holding bigdl_py's settings (web UI and console progress bar off,
    workers importing this process's bigdl_py); the master is left to the caller."""
    conf = _pyspark().SparkConf()
    for key, value in spark_settings().items():
        conf.set(key, str(value))
    return conf


def init_nncontext(conf=None, cluster_mode="spark-submit", spark_log_level="WARN",
                   redirect_spark_log=True, **kwargs):
    """The active SparkContext, or a new one (BigDL's ``init_nncontext``).

    ``conf`` is a SparkConf, an application name, or None (``create_spark_conf()``); a
    conf without a master runs on ``local[*]`` (BigDL expects ``spark-submit`` to set it).
    ``cluster_mode`` "local" and "spark-submit" are supported; the others need cluster
    tooling bigdl_py does not drive (a ValueError says so).  Extra keyword arguments are
    Spark settings (``{"spark.executor.memory": "2g"}`` style keys) or ``cores``.
    """
    mode = str(cluster_mode).lower()
    if mode not in ("local", "spark-submit"):
        raise ValueError(f"init_nncontext: expected cluster_mode 'local' or 'spark-submit', "
                         f"got {cluster_mode!r} (start that cluster with Spark's tools and "
                         "use 'spark-submit')")
    active = _active_context()
    if active is not None:
        return active
    if conf is None or isinstance(conf, str):
        app_name = conf or "bigdl_py"
        conf = create_spark_conf().setAppName(app_name)
    cores = kwargs.pop("cores", "*")
    for key, value in kwargs.items():
        conf.set(key, str(value))
    if not conf.contains("spark.master"):
        conf.setMaster(f"local[{cores}]")
    sc = get_spark_context(conf)
    sc.setLogLevel(spark_log_level)
    if redirect_spark_log:
        redire_spark_logs()
    return sc


def init_spark_on_local(cores=2, conf=None, python_location=None, spark_log_level="WARN",
                        redirect_spark_log=True):
    """A SparkContext on ``local[cores]`` (``cores="*"`` for all); ``conf`` is a dict of
    extra Spark settings; ``python_location`` the workers' Python (default this one)."""
    if cores != "*":
        cores = check_int(cores, "init_spark_on_local", "cores", minimum=1)
    if python_location is not None:
        os.environ["PYSPARK_PYTHON"] = os.fspath(python_location)
    spark_conf = create_spark_conf().setMaster(f"local[{cores}]").setAppName("bigdl_py")
    for key, value in (conf or {}).items():
        spark_conf.set(key, str(value))
    return init_nncontext(spark_conf, "local", spark_log_level, redirect_spark_log)


def init_engine(bigdl_type="float"):
    """BigDL starts its JVM engine here; bigdl_py's engine is its thread budget, already
    set from ``OMP_NUM_THREADS`` (else the CPU count), so this re-applies it and returns
    None.  Call ``bigdl_py.set_num_threads(n)`` to change it."""
    set_num_threads(get_num_threads())


def redire_spark_logs(bigdl_type="float", log_path=None):
    """Send the Python-side Spark loggers (``py4j``, ``pyspark``) to ``log_path`` (default
    ``./bigdl.log``) instead of the console, as BigDL does with Spark's log; returns the
    path.  The JVM's own log level is set by ``SparkContext.setLogLevel``."""
    path = os.path.abspath(log_path or os.path.join(os.getcwd(), "bigdl.log"))
    for name in ("py4j", "pyspark"):
        logger = logging.getLogger(name)
        if not any(getattr(h, "baseFilename", None) == path for h in logger.handlers):
            logger.addHandler(logging.FileHandler(path, delay=True))
        logger.propagate = False
    return path


def show_bigdl_info_logs(bigdl_type="float"):
    """Show bigdl_py's INFO messages (the per-epoch lines of the ``bigdl_py.optim``
    logger, ...) on stderr."""
    logger = logging.getLogger("bigdl_py")
    logger.setLevel(logging.INFO)
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())


def set_optimizer_version(optimizerVersion, bigdl_type="float"):
    """Record BigDL's optimizer version ("optimizerV1" or "optimizerV2", any case).  Both
    of BigDL's versions are synchronous data-parallel SGD, which is what bigdl_py's
    distributed optimizer does, so the choice changes no result."""
    if not isinstance(optimizerVersion, str):
        raise TypeError(f"set_optimizer_version: expected a str, got {optimizerVersion!r}")
    if optimizerVersion.lower() not in _OPTIMIZER_VERSIONS:
        raise ValueError(f"set_optimizer_version: expected 'optimizerV1' or 'optimizerV2', "
                         f"got {optimizerVersion!r}")
    global _optimizer_version
    _optimizer_version = "optimizerV" + optimizerVersion[-1]


def get_optimizer_version(bigdl_type="float"):
    return _optimizer_version


_LOCAL = re.compile(r"local\[(\*|\d+)(?:,\s*\d+)?\]\Z")
_CLUSTER = re.compile(r"local-cluster\[(\d+),\s*(\d+),\s*\d+\]\Z")


def get_node_and_core_number(bigdl_type="float"):
    """``(nodes, cores per node)``: from the running SparkContext's master (``local[n]``
    gives ``(1, n)``, ``local-cluster[N, C, M]`` gives ``(N, C)``, a cluster its executor
    settings), else ``(1, bigdl_py.get_num_threads())``."""
    sc = _active_context()
    if sc is None:
        return 1, get_num_threads()
    master = sc.master
    m = _LOCAL.match(master)
    if m:
        return 1, os.cpu_count() if m.group(1) == "*" else int(m.group(1))
    if master == "local":
        return 1, 1
    m = _CLUSTER.match(master)
    if m:
        return int(m.group(1)), int(m.group(2))
    conf = sc.getConf()
    cores = int(conf.get("spark.executor.cores", "1"))
    nodes = conf.get("spark.executor.instances")
    nodes = int(nodes) if nodes else max(1, sc.defaultParallelism // cores)
    return nodes, cores


def get_spark_sql_context(sc):
    """The SparkSession for ``sc`` (BigDL returns an SQLContext; a SparkSession answers
    the same calls)."""
    return _pyspark().sql.SparkSession(sc).builder.getOrCreate()


def to_list(a):
    """``a`` if it is a list, else ``[a]`` (BigDL's helper)."""
    return a if type(a) is list else [a]


def to_sample_rdd(x, y, numSlices=None):
    """An RDD of ``Sample``s from arrays ``x`` and ``y`` (first axis = records)."""
    sc = get_spark_context()
    pairs = sc.parallelize(list(zip(x, y)), numSlices)
    return pairs.map(lambda p: Sample.from_ndarray(p[0], p[1]))
