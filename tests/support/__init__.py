"""Helpers shared by several test packages (loopback listeners, hostile repositories)."""
