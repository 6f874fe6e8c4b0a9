"""Queue backends of the webhook app: ``sqlite.py`` (embedded, the default) and ``redis.py``
(distributed). ``validator.app.backends`` picks one from the settings."""
