"""Defaults every way in (CLI, GitHub Action, webhook app) and every stage share.

One place, so that the renderer, the schema validator and the command line cannot
disagree on them (they once did on the Kubernetes version: helm rendered for 1.31
while schemas were checked for 1.35).
"""

from __future__ import annotations

#: The Kubernetes version helm renders for and whose schemas apply (``--kubernetes-version``).
DEFAULT_KUBERNETES_VERSION = "1.35"
