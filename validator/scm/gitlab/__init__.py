"""Publishing to GitLab with python-gitlab: a commit status, merge request discussions, a summary note.

``client.py`` is the one place that talks HTTP (timeouts, ``Retry-After``, errors);
``position.py`` and ``payloads.py`` are pure; ``publisher.py`` syncs one merge request.
"""
