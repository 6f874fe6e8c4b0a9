"""How a resource's ``apiVersion`` and ``kind`` become a schema file name, exactly as kubeconform does.

Both engines find schemas through :class:`SchemaLocation` values: a root folder plus
a kubeconform path template. :meth:`SchemaLocation.path_for` reproduces
kubeconform's ``schemaPath`` (``pkg/registry/registry.go``), and
:meth:`SchemaLocation.template` is the ``-schema-location`` argument handed to the
binary, so the in-process engine and kubeconform open the very same file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from validator.errors import SchemaError

#: The layout of kubeconform's own catalog (and of our cache of Kubernetes schemas).
STANDALONE_TEMPLATE = (
    "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/"
    "{{ .ResourceKind }}{{ .KindSuffix }}.json"
)
#: The CRDs-catalog layout, keyed by the full API group (no collisions between groups).
GROUP_TEMPLATE = "crds{{ .StrictSuffix }}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")
_FIELD_RE = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")


def normalize_version(text: str) -> str:
    """``1.35``, ``v1.35`` or ``v1.35.0`` -> ``1.35`` (major.minor)."""
    match = _VERSION_RE.match(text.strip())
    if match is None:
        raise SchemaError(f"invalid Kubernetes version {text!r}: use MAJOR.MINOR such as 1.35")
    return f"{int(match.group(1))}.{int(match.group(2))}"


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    group, _, version = api_version.rpartition("/")
    return group, version


@dataclass(frozen=True, kw_only=True)
class SchemaLocation:
    """One place schemas are looked up: a root folder and a kubeconform path template."""

    root: Path
    """Folder the template is relative to."""
    layout: str = STANDALONE_TEMPLATE
    """kubeconform template of the file path below ``root``."""

    def template(self) -> str:
        """The ``-schema-location`` argument for kubeconform."""
        return f"{self.root.as_posix().rstrip('/')}/{self.layout}"

    def path_for(self, kind: str, api_version: str, kubernetes_version: str,
                 strict: bool) -> Path:
        """The file kubeconform would open for this resource (kubeconform's ``schemaPath``)."""
        group_parts = api_version.split("/")
        kind_suffix = "-" + group_parts[0].split(".")[0].lower()
        if len(group_parts) > 1:
            kind_suffix += "-" + group_parts[1].lower()
        values = {
            "NormalizedKubernetesVersion": f"v{normalize_version(kubernetes_version)}.0",
            "StrictSuffix": "-strict" if strict else "",
            "ResourceKind": kind.lower(),
            "ResourceAPIVersion": group_parts[-1],
            "Group": group_parts[0],
            "KindSuffix": kind_suffix,
        }
        return Path(_FIELD_RE.sub(lambda m: values[m.group(1)], self.template()))


_KIND_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,252}$")
_API_VERSION_RE = re.compile(r"^(?:[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?/)?[A-Za-z0-9]{1,63}$")


def is_safe_identity(kind: str, api_version: str) -> bool:
    """Whether ``kind`` and ``apiVersion`` are plain names (no ``/``, ``..``): safe in file paths."""
    return bool(_KIND_RE.match(kind) and _API_VERSION_RE.match(api_version)
                and ".." not in api_version)
