"""The self-hosted webhook app: a GitHub App that validates every pull request it is installed on.

Intake (``web.py``, ``intake.py``) verifies, de-duplicates and enqueues deliveries; workers
(``worker.py`` on the embedded SQLite queue, ``queue/redis.py`` on Redis) run one job function
(``job.py``) that fetches base and head into a cached mirror (``mirror.py``), runs the same
``run_diff`` as the CLI and publishes through ``validator.scm.github``. See docs/app.md.
"""
