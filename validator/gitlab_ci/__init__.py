"""GitLab CI mode (``gitops-validator gitlab-ci``): a CI job reports on its merge request.

``env.py`` reads the job's ``CI_*`` variables and the command's options; ``run.py`` runs the
service and publishes through :mod:`validator.scm.gitlab`, then writes the Code Quality and
JUnit report files.
"""
