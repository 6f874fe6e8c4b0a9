"""Hidden HTML-comment markers a run writes into what it posts, so the next run finds them.

Shared by every publisher: a review comment carries its finding's fingerprint, the summary
comment carries the check name, a reply saying a finding is fixed carries its
fingerprint too, and all three are read back from comment bodies on the next push.
Markers are HTML comments, which GitHub and GitLab render as nothing.
"""

from __future__ import annotations

import re

_FINDING_RE = re.compile(r"<!-- gitops-validator:finding fingerprint=([0-9A-Za-z_.:-]+) -->")
_SUMMARY_RE = re.compile(r"<!-- gitops-validator:summary check=(.+?) -->")
_FIXED_RE = re.compile(r"<!-- gitops-validator:fixed fingerprint=([0-9A-Za-z_.:-]+) -->")


def finding_marker(fingerprint: str) -> str:
    """The marker a review comment about the finding with this fingerprint carries."""
    return f"<!-- gitops-validator:finding fingerprint={fingerprint} -->"


def fixed_marker(fingerprint: str) -> str:
    """The marker of a reply saying a commented finding is fixed (where a thread cannot be
    resolved), so that the next run does not say it again."""
    return f"<!-- gitops-validator:fixed fingerprint={fingerprint} -->"


def summary_marker(check_name: str) -> str:
    """The marker of the one summary comment a check posts on a pull request."""
    return f"<!-- gitops-validator:summary check={_one_line(check_name)} -->"


def finding_fingerprint(body: str) -> str | None:
    """The fingerprint in a comment body's finding marker, or None when it has none."""
    match = _FINDING_RE.search(body)
    return match[1] if match else None


def fixed_fingerprint(body: str) -> str | None:
    """The fingerprint in a "fixed" reply's marker, or None when it has none."""
    match = _FIXED_RE.search(body)
    return match[1] if match else None


def is_summary(body: str, check_name: str) -> bool:
    """True when the body is the summary comment of this check name."""
    return any(m[1] == _one_line(check_name) for m in _SUMMARY_RE.finditer(body))


def _one_line(text: str) -> str:
    """A check name made safe inside an HTML comment (no line breaks, no ``-->``)."""
    return " ".join(text.split()).replace("--", "- -")
