"""Publishing a run's outcome where the change is reviewed (GitHub now, GitLab later).

The only package besides the OPA client that opens network connections: :mod:`.outcome`
is the value every publisher receives, :mod:`.markers` the hidden markers that let a re-run
find what an earlier run posted, and :mod:`.github` the one place that talks to GitHub.
"""
