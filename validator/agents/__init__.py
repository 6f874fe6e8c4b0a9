"""GitOps agent objects read as the agent reads them: Argo CD and Flux objects become targets.

An Argo CD ``Application`` (or the ones an ``ApplicationSet`` generates) or a Flux
``Kustomization`` / ``HelmRelease`` in the repository says which folder or chart a
cluster deploys and with which options. :func:`validator.agents.plan.plan_agents` turns
every such object among the repository's manifests into render targets carrying those
options (:mod:`validator.render.options`), each naming the object that defined it
(:class:`validator.agents.model.AgentObject`); what cannot be rendered (another
repository, a remote chart that is not allowed, Jsonnet) becomes a counted skipped
entry, never silence.
"""
