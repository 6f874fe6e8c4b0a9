"""gitops-validator: render, schema-check and policy-check the Kubernetes manifests a change affects."""

__version__ = "0.1.0"
