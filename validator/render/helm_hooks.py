"""Helm test hooks: rendered by ``helm template``, applied by no GitOps agent by default.

A chart's tests are objects annotated ``helm.sh/hook: test`` (or the Helm 2 names
``test-success`` / ``test-failure``); only ``helm test`` creates them. Argo CD maps
no Argo CD hook to them and ignores them ("Unsupported hooks are ignored"), and
Flux's helm-controller runs them only with ``spec.test.enable: true``. So they are
left out of the check by default and listed as skipped; ``--include-helm-tests``
(``include_helm_tests`` in the configuration file) checks them too. An object whose
hook annotation also names another hook (``test,post-install``) or that carries an
Argo CD hook annotation is applied by the agent, so it is checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from validator.load import Document
from validator.model import Skipped

_TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})
_HELM_HOOK = "helm.sh/hook"
_ARGO_HOOK = "argocd.argoproj.io/hook"


def helm_test_hook(body: Mapping[str, object]) -> str | None:
    """The ``helm.sh/hook`` value when the object is only a Helm test hook, else None."""
    metadata = body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if not isinstance(annotations, Mapping) or _ARGO_HOOK in annotations:
        return None
    hook = annotations.get(_HELM_HOOK)
    if not isinstance(hook, str):
        return None
    kinds = {part.strip() for part in hook.split(",") if part.strip()}
    return hook if kinds and kinds <= _TEST_HOOKS else None


def without_test_hooks(documents: Sequence[Document], *, target: str
                       ) -> tuple[tuple[Document, ...], tuple[Skipped, ...]]:
    """``documents`` without Helm test hooks, and a skipped entry for each one left out."""
    kept: list[Document] = []
    skipped: list[Skipped] = []
    for document in documents:
        hook = helm_test_hook(document.body)
        if hook is None:
            kept.append(document)
            continue
        skipped.append(Skipped(path=document.path, reason=(
            f"{document.resource} of {target}: Helm test hook ({_HELM_HOOK}: {hook}), created "
            "only by `helm test`; Argo CD and Flux do not apply it by default "
            "(--include-helm-tests checks it)"), unit="resource", group="not checked: Helm test hook"))
    return tuple(kept), tuple(skipped)
