"""Options an agent object applies when it renders a folder or chart (carried on a Target).

A target discovered on its own terms has none of these. A target an Argo CD
``Application`` or a Flux ``Kustomization``/``HelmRelease`` defines carries what that
object says: Kustomize overrides (applied in the build's wrapper kustomization, as the
agents' own ``kustomize edit`` / generated kustomization do), Helm options, the files of
a plain directory, and Flux's post-build substitution. Every inline value keeps where it
was written (:class:`ValueSource`), so a finding it causes lands on the agent
object's line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: A field path inside a YAML document: keys and list indexes.
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, kw_only=True)
class ValueSource:
    """Where an inline value was written: a field of a document in a repository file."""

    path: str
    """Repository-relative file (the Application, HelmRelease, Kustomization or ConfigMap)."""
    index: int
    """Index of the document in that file."""
    field: FieldPath
    """Field path of the value (or of the mapping holding the values) in that document."""


@dataclass(frozen=True, kw_only=True)
class InlineValues:
    """Helm values given inline (``helm.values``, ``valuesObject``, Flux ``spec.values``,
    ``valuesFrom`` a ConfigMap key): merged after the values files, in order."""

    values: Mapping[str, Any]
    """The values, as a mapping (a ``values`` string is parsed by the reader)."""
    source: ValueSource
    """Where ``values`` was written; a key ``k`` of ``values`` sits at ``source.field + (k,)``
    (for a string block the reader gives the field of the string and the line offset)."""
    target_path: str = ""
    """Flux ``valuesFrom[].targetPath``: the dotted path the value is set at, when it is one
    value rather than a mapping."""


@dataclass(frozen=True, kw_only=True)
class HelmParameter:
    """``--set`` / ``--set-string`` / ``--set-file`` (Argo CD ``parameters``, ``fileParameters``)."""

    name: str
    value: str
    force_string: bool = False
    from_file: bool = False
    """``value`` is a repository-relative file (``--set-file``)."""
    source: ValueSource | None = None


@dataclass(frozen=True, kw_only=True)
class HelmOptions:
    """How an agent object templates a chart (the Target gives chart path, release name,
    namespace and values files)."""

    inline_values: tuple[InlineValues, ...] = ()
    parameters: tuple[HelmParameter, ...] = ()
    include_crds: bool = True
    """False for Argo CD ``skipCrds`` and Flux ``install.crds: Skip``."""
    kube_version: str = ""
    """``--kube-version`` (empty: the run's Kubernetes version)."""
    api_versions: tuple[str, ...] = ()
    """``--api-versions``, each."""
    missing_values_files: tuple[str, ...] = ()
    """Values files the object names that do not exist and ``ignoreMissingValueFiles`` lets
    pass (reported as a note, not as an error)."""
    chart_root: str = ""
    """Absolute folder of a chart fetched from a Helm or OCI repository (outside the
    checked repository, in the content-addressed chart cache); empty for a chart in it."""
    chart_copy: bool = False
    """``chart_root`` is a copy of the repository's chart ``Target.path`` with fetched
    dependencies added (an umbrella chart): its files map back to the repository."""


@dataclass(frozen=True, kw_only=True)
class KustomizeOptions:
    """Overrides applied on top of the kustomization the target builds (Argo CD
    ``source.kustomize``, Flux ``Kustomization`` spec fields)."""

    name_prefix: str = ""
    name_suffix: str = ""
    namespace: str = ""
    """Argo CD ``kustomize.namespace``, Flux ``targetNamespace``: every namespaced object."""
    images: tuple[str, ...] = ()
    """``kustomize edit set image`` forms: ``nginx=nginx:1.27``, ``nginx:1.27``,
    ``nginx@sha256:...``, ``old=new:tag``."""
    image_entries: tuple[Mapping[str, Any], ...] = ()
    """Flux ``images`` entries (``name``, ``newName``, ``newTag``, ``digest``)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Argo CD ``commonLabels`` (selectors too, as kustomize's ``commonLabels``)."""
    labels_without_selector: bool = False
    """Argo CD ``labelWithoutSelector``."""
    annotations: Mapping[str, str] = field(default_factory=dict)
    """Argo CD ``commonAnnotations``."""
    common_metadata: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Flux ``commonMetadata``: ``labels`` and ``annotations`` on every object (no selectors)."""
    replicas: tuple[Mapping[str, Any], ...] = ()
    """``name`` and ``count`` entries."""
    patches: tuple[Mapping[str, Any], ...] = ()
    """Kustomize ``patches`` entries (``patch`` inline, ``target``), as the object wrote them."""
    components: tuple[str, ...] = ()
    """Repository-relative component folders."""
    generate: bool = False
    """Flux: the folder has no kustomization file; build one listing every manifest under
    it (as kustomize-controller does)."""
    source: ValueSource | None = None
    """Where these overrides were written (the object's kustomize / spec mapping)."""


@dataclass(frozen=True, kw_only=True)
class DirectoryOptions:
    """An Argo CD directory source: the YAML and JSON files of a folder, applied as they are."""

    recurse: bool = False
    include: str = ""
    """Glob (or ``{a,b}`` list) of file paths relative to the folder; empty: all."""
    exclude: str = ""
    files: tuple[str, ...] = ()
    """Repository-relative files chosen by the reader with the rules above."""
    namespace: str = ""
    """``destination.namespace``: set on namespaced objects that name none."""


@dataclass(frozen=True, kw_only=True)
class Substitution:
    """Flux ``postBuild``: variables substituted in the built objects."""

    variables: Mapping[str, str] = field(default_factory=dict)
    """Name -> value, ``substitute`` over ``substituteFrom`` as Flux orders them."""
    sources: Mapping[str, ValueSource] = field(default_factory=dict)
    """Name -> where its value was written (the Kustomization's ``substitute`` entry or the
    ConfigMap / Secret data key)."""
    strict: bool = False
    """Flux ``--feature-gates=StrictPostBuildSubstitutions``: an unset variable without a
    default is an error."""
