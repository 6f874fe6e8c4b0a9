"""Hostile repositories: each case beside a good and a known-bad manifest (see gallery.py)."""
