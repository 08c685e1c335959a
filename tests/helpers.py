"""Helpers shared by the tests: the bitwise comparison and the statistical bound."""
import numpy as np

Z = 6.0  # every statistical bound: 6 standard errors (fixed seeds, so a failure is a bug)


def bitwise(a, b):
    """Same shape, dtype and bytes: -0.0 differs from +0.0, NaN payloads count."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def within_z(observed, expected, std_error, z=Z):
    """``|observed - expected| <= z`` standard errors."""
    return abs(observed - expected) <= z * std_error
