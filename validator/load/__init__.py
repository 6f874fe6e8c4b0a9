"""Loading YAML and JSON manifests safely, with the way back to each field's source line.

``load_file`` / ``load_bytes`` turn one file (or one render output) into
:class:`Document` values plus load findings (syntax errors, limits, duplicate keys,
objects without ``apiVersion``/``kind``). Nothing here raises for bad input.
"""

from validator.load.document import Document, Locator
from validator.load.loader import LoadLimits, LoadOptions, LoadResult, load_bytes, load_file

__all__ = [
    "Document",
    "LoadLimits",
    "LoadOptions",
    "LoadResult",
    "Locator",
    "load_bytes",
    "load_file",
]
