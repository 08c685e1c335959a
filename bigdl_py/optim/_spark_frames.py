"""Spark DataFrames as numpy blocks, through Arrow (SPEC §8, ``[spark]`` extra).

A DataFrame training, validation or test set has a features column (``array<float>``,
``array<double>``, any numeric array, or a Spark ML ``Vector``) and a label column (a
number, or an array of numbers).  Vectors become arrays in the JVM
(``pyspark.ml.functions.vector_to_array``); each Arrow batch
(``spark.sql.execution.arrow.maxRecordsPerBatch`` records) is turned into two numpy
arrays by flattening the list column's values, never through per-row Python objects.

Library code because Spark workers must import it.
"""
import functools
import io

import numpy as np

from ._spark_data import Chunk

__all__ = ["dataframe_chunks", "array_column", "label_column", "arrow_matrix"]


def _field(df, name, owner):
    for f in df.schema.fields:
        if f.name == name:
            return f
    raise ValueError(f"{owner}: expected a column {name!r}, got columns {df.columns}")


def array_column(df, name, dtype, owner):
    """The column ``name`` as an array column of ``dtype`` (float32/float64): ML vectors
    converted in the JVM, numeric arrays cast; anything else is a TypeError."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.ml.linalg import VectorUDT
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, DoubleType, FloatType, NumericType
    field = _field(df, name, owner)
    kind = np.dtype(dtype)
    if isinstance(field.dataType, VectorUDT):
        return vector_to_array(F.col(name), "float32" if kind == np.float32 else "float64")
    if isinstance(field.dataType, ArrayType) and \
            isinstance(field.dataType.elementType, NumericType):
        target = FloatType() if kind == np.float32 else DoubleType()
        return F.col(name).cast(ArrayType(target))
    raise TypeError(f"{owner}: expected column {name!r} to hold ML vectors or arrays of "
                    f"numbers, got {field.dataType.simpleString()}")


def label_column(df, name, owner):
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, NumericType
    t = _field(df, name, owner).dataType
    if isinstance(t, NumericType) or (isinstance(t, ArrayType)
                                      and isinstance(t.elementType, NumericType)):
        return F.col(name)
    raise TypeError(f"{owner}: expected column {name!r} to hold numbers or arrays of "
                    f"numbers (labels), got {t.simpleString()}")


def arrow_matrix(column, dtype=None):
    """An Arrow column of equal-length lists (or of numbers) -> an (n, d) (or (n,)) numpy
    array, through the flattened values; ValueError for nulls or ragged rows."""
    import pyarrow as pa
    if column.null_count:
        raise ValueError(f"bigdl_py: expected no missing values, got {column.null_count}")
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not pa.types.is_list(column.type) and not pa.types.is_large_list(column.type):
        out = column.to_numpy(zero_copy_only=False)
        return out if dtype is None else out.astype(dtype, copy=False)
    n = len(column)
    values = column.flatten()
    if values.null_count:
        raise ValueError("bigdl_py: expected no missing values inside the arrays")
    values = values.to_numpy(zero_copy_only=False)
    d = len(values) // n if n else 0
    lengths = np.diff(column.offsets.to_numpy(zero_copy_only=False))
    if n and (lengths != d).any():
        raise ValueError(f"bigdl_py: expected arrays of one length, got lengths "
                         f"{sorted(set(lengths.tolist()))[:5]}")
    out = values.reshape(n, d)
    return out if dtype is None else out.astype(dtype, copy=False)


def _encode(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def batches_to_chunks(dtype, shape, batches):
    """mapInArrow: each Arrow batch of (features, label) -> one row holding the two numpy
    arrays (an .npz, no pickle); features reshaped to ``(n, *shape)`` when given."""
    import pyarrow as pa
    for b in batches:
        if not b.num_rows:
            continue
        X = arrow_matrix(b.column(0), np.dtype(dtype))
        if shape is not None:
            X = X.reshape((len(X),) + tuple(shape))
        y = arrow_matrix(b.column(1))
        yield pa.RecordBatch.from_pydict({"chunk": [_encode(X=X, y=y)]},
                                         schema=pa.schema([("chunk", pa.binary())]))


def row_to_chunk(row):
    with np.load(io.BytesIO(row[0]), allow_pickle=False) as f:
        return Chunk(f["X"], f["y"])


def dataframe_chunks(df, features_col, label_col, dtype, owner, feature_shape=None):
    """An RDD of ``Chunk`` (one per Arrow batch) from ``df``'s features and label
    columns, for the same caching as an RDD of Samples."""
    sel = df.select(array_column(df, features_col, dtype, owner).alias("f"),
                    label_column(df, label_col, owner).alias("y"))
    shape = None if feature_shape is None else tuple(int(d) for d in feature_shape)
    out = sel.mapInArrow(functools.partial(batches_to_chunks, np.dtype(dtype).str, shape),
                         "chunk binary")
    return out.rdd.map(row_to_chunk)
