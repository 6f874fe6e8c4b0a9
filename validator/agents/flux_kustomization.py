"""A Flux ``Kustomization`` (kustomize.toolkit.fluxcd.io/v1) read into the target it builds.

kustomize-controller builds ``spec.path`` of the source (a folder without a
kustomization file gets one listing every manifest under it), applies the object's
overrides (``targetNamespace``, ``namePrefix``/``nameSuffix``, ``patches``, ``images``,
``components`` relative to ``spec.path``, ``commonMetadata``), then substitutes
``postBuild`` variables: ``substituteFrom`` ConfigMaps and Secrets in order (a later one
overrides an earlier one), then ``substitute`` over all of them. The ConfigMaps and
Secrets are looked up in the repository; what the object names and the repository
lacks is a finding on the line that names it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from validator.agents.flux_sources import (
    depends_on,
    entries,
    files_of_tree,
    finding,
    mapping,
    not_rendered,
    own_source,
    referenced_data,
    repo_path,
)
from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead
from validator.agents.substitute import VARIABLE_NAME
from validator.model import Finding, Severity
from validator.render.options import FieldPath, KustomizeOptions, Substitution, ValueSource
from validator.render.paths import inside_root
from validator.render.targets import Target, TargetKind

UNIT = "Flux Kustomization path"
_GENERATED = (".yaml", ".yml")


def read_kustomization(found: FoundObject, context: AgentContext) -> AgentRead:
    """The target ``found`` (a Flux Kustomization) defines."""
    spec = mapping(found.body.get("spec"))
    raw_path = spec.get("path") or "./"
    not_own = own_source(found, spec.get("sourceRef"), context)
    if not_own is not None:
        return AgentRead(skipped=(not_rendered(found, UNIT, not_own.group, f"path {raw_path}",
                                               not_own.why),))
    folder = repo_path(raw_path)
    if folder is None or not inside_root(context.root, context.root / folder):
        return AgentRead(findings=(finding(found, ("spec", "path"), "path-outside",
                                           f"path {raw_path} leaves the repository; not rendered"),))
    if not (context.root / folder).is_dir():
        return AgentRead(findings=(finding(found, ("spec", "path"), "path-missing",
                                           f"path {raw_path} is not a folder of the repository "
                                           "(kustomize-controller fails: path not found)"),))
    findings: list[Finding] = []
    generate = not context.kustomize_tree(folder)
    inputs = [found.path, *(generated_inputs(context, folder) if generate
                            else files_of_tree(context, folder))]
    components = []
    listed = spec.get("components")  # not a list (a string, read letter by letter): the schema's
    for index, raw in enumerate(listed if isinstance(listed, list) else ()):
        component = repo_path(raw, folder)
        if component is None or not inside_root(context.root, context.root / component):
            findings.append(finding(found, ("spec", "components", index), "path-outside",
                                    f"component {raw} leaves the repository; not applied"))
            continue
        components.append(component)
        inputs += files_of_tree(context, component)
    substitution, read, problems = post_build(found, spec, context)
    agent = found.agent_object()
    target = Target(
        kind=TargetKind.KUSTOMIZE, path=folder, name=str(agent), agent=agent,
        reason=f"{agent} ({agent.where}){depends_on(found, spec)}",
        inputs=tuple(dict.fromkeys([*inputs, *read])),
        kustomize=_options(found, spec, components, generate=generate),
        substitution=substitution)
    return AgentRead(targets=(target,), findings=(*findings, *problems))


def _options(found: FoundObject, spec: Mapping[str, Any], components: list[str], *,
             generate: bool) -> KustomizeOptions:
    metadata = mapping(spec.get("commonMetadata"))
    common = {key: {str(k): str(v) for k, v in mapping(metadata.get(key)).items()}
              for key in ("labels", "annotations") if key in metadata}
    return KustomizeOptions(
        name_prefix=str(spec.get("namePrefix") or ""), name_suffix=str(spec.get("nameSuffix") or ""),
        namespace=str(spec.get("targetNamespace") or ""),
        image_entries=tuple(entries(spec.get("images"))), common_metadata=common,
        patches=tuple(entries(spec.get("patches"))), components=tuple(components),
        generate=generate, source=ValueSource(path=found.path, index=found.index, field=("spec",)))


def generated_inputs(context: AgentContext, folder: str) -> list[str]:
    """What Flux's generated kustomization reads: every YAML manifest under ``folder``, a
    sub-folder with a kustomization of its own as that kustomization's files."""
    prefix = "" if folder == "." else folder + "/"
    inputs: list[str] = []
    for path in context.manifests:
        if not path.startswith(prefix) or not path.endswith(_GENERATED):
            continue
        built = _built_folder(context, folder, posixpath.dirname(path))
        inputs += files_of_tree(context, built) if built else [path]
    return list(dict.fromkeys(inputs))


def _built_folder(context: AgentContext, folder: str, directory: str) -> str:
    """The topmost folder between ``folder`` (excluded) and ``directory`` with a
    kustomization (empty when none): Flux lists it as a resource and does not look inside."""
    parts = directory.split("/") if directory else []
    start = 0 if folder == "." else len(folder.split("/"))
    for depth in range(start + 1, len(parts) + 1):
        candidate = "/".join(parts[:depth])
        if context.kustomize_tree(candidate):
            return candidate
    return ""


def post_build(found: FoundObject, spec: Mapping[str, Any], context: AgentContext
               ) -> tuple[Substitution | None, list[str], list[Finding]]:
    """The object's ``postBuild`` variables (None when it has none), the ConfigMap and
    Secret files read for them, and what is wrong with them."""
    post = mapping(spec.get("postBuild"))
    if not post.get("substitute") and not post.get("substituteFrom"):
        return None, [], []
    variables: dict[str, str] = {}
    sources: dict[str, ValueSource] = {}
    places: dict[str, tuple[FoundObject, FieldPath]] = {}
    read: list[str] = []
    problems: list[Finding] = []
    for index, entry in enumerate(entries(post.get("substituteFrom"))):
        where = ("spec", "postBuild", "substituteFrom", index)
        kind, name = str(entry.get("kind", "")), str(entry.get("name", ""))
        data = referenced_data(found, context, entry, where, field_name="substituteFrom",
                               controller="kustomize-controller", problems=problems, read=read)
        if data is None:
            continue
        problems += [finding(found, where, "substitute-from-invalid",
                             f"{kind} {name} data key {key} is not base64; not used")
                     for key in data.problems]
        if data.encrypted:
            problems.append(finding(found, where, "substitute-from-encrypted",
                                    f"{kind} {name} is SOPS-encrypted: its values are not known "
                                    "before the cluster decrypts it; not used", Severity.WARNING))
            continue
        for key, (value, field) in data.values.items():
            variables[key] = value.replace("\n", "")
            sources[key] = data.source(key)
            places[key] = (data.found, field)
    for key, raw in mapping(post.get("substitute")).items():
        field = ("spec", "postBuild", "substitute", str(key))
        if not isinstance(raw, str):
            problems.append(finding(found, field, "substitute-not-string",
                                    f"substitute {key} is not a string (kustomize-controller "
                                    "fails: quote it)"))
        value = str(raw).lower() if isinstance(raw, bool) else str(raw)
        variables[str(key)] = value.replace("\n", "")
        sources[str(key)] = ValueSource(path=found.path, index=found.index, field=field)
        places[str(key)] = (found, field)
    for key in [k for k in variables if not VARIABLE_NAME.match(k)]:
        holder, field = places[key]
        problems.append(finding(holder, field, "substitute-invalid-name",
                                f"variable name {key!r} is invalid (it must match "
                                f"{VARIABLE_NAME.pattern}; kustomize-controller fails)"))
        del variables[key], sources[key]
    return Substitution(variables=variables, sources=sources), read, problems
