"""GitHub publishing: the only code that imports PyGithub or talks to the GitHub API.

:mod:`.payloads` builds every request body as a pure function of an
:class:`~validator.scm.outcome.Outcome`; :mod:`.client` opens a session with bounded retries
and timeouts; :mod:`.publisher` sends the check run, the review and the summary comment.
"""
