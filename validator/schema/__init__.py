"""Schema validation: Kubernetes and CRD JSON schemas, checked in process or by kubeconform.

``validate_schemas(documents, SchemaSettings(...))`` is the entry point; both engines
read the same standalone schema files (see :mod:`validator.schema.catalog`) and give
the same verdicts.
"""

from validator.schema.builtin import available_versions
from validator.schema.catalog import SchemaCatalog, default_cache_dir
from validator.schema.settings import SchemaEngineName, SchemaResult, SchemaSettings
from validator.schema.validate import validate_schemas, validate_with_catalog

__all__ = [
    "SchemaCatalog",
    "SchemaEngineName",
    "SchemaResult",
    "SchemaSettings",
    "available_versions",
    "default_cache_dir",
    "validate_schemas",
    "validate_with_catalog",
]
