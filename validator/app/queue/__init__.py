"""The job queues: embedded (SQLite, ``sqlite.py``) and distributed (Redis + Dramatiq, ``redis.py``)."""
