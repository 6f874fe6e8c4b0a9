"""Flux ``Kustomization`` and ``HelmRelease`` objects read into targets.

The readers live in :mod:`flux_kustomization` and :mod:`flux_helm`; what they share
(the source an object names, repository paths, ConfigMap and Secret data) in
:mod:`flux_sources`. This module is the entry :mod:`validator.agents.plan` dispatches to.
"""

from __future__ import annotations

from validator.agents.flux_helm import read_helm_release
from validator.agents.flux_kustomization import read_kustomization

__all__ = ["read_helm_release", "read_kustomization"]
