"""bigdl_py.utils: training records (``Sample``) and Spark helpers.

Importing this package never imports pyspark; ``get_spark_context`` imports it when called.
"""
from .sample import JTensor, Sample
from .spark import get_spark_context, is_dataframe, is_rdd

__all__ = ["Sample", "JTensor", "get_spark_context", "is_rdd", "is_dataframe"]
