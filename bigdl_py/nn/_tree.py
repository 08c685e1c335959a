"""The tree of nested modules: ``walk``."""

__all__ = ["walk"]


def walk(module):
    """``module`` and every module nested in it, depth first."""
    yield module
    for child in getattr(module, "modules", ()):
        yield from walk(child)
