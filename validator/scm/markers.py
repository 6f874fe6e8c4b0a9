"""Hidden HTML-comment markers a run writes into what it posts, so the next run finds them.

Shared by every publisher: a review comment carries its finding's fingerprint, the summary
comment carries the check name, a reply saying a finding is fixed carries its
fingerprint too, and all three are read back from comment bodies on the next push.
Markers are HTML comments, which GitHub and GitLab render as nothing.

Only the markers that end a body, each on its own line, are read (:func:`_tail`): every
writer puts them there, after all other text, and that text quotes repository content a
change's author controls (a file name or a field path in inline code, which is not
entity-escaped so that it stays readable). A marker quoted that way is text, not ours: read
anywhere, it would make a finding's discussion pass for the summary note, a note pass for
another finding's thread, or replace the summary's record of closed threads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_FINDING_RE = re.compile(r"<!-- gitops-validator:finding fingerprint=([0-9A-Za-z_.:-]+)(?: check=(.+?))? -->")
#: The check name a run reports under unless told otherwise; its finding markers name no
#: check (as they did before check names could be chosen).
DEFAULT_CHECK = "gitops-validator"
_SUMMARY_RE = re.compile(r"<!-- gitops-validator:summary check=(.+?) -->")
_FIXED_RE = re.compile(r"<!-- gitops-validator:fixed fingerprint=([0-9A-Za-z_.:-]+) -->")
_CLOSED_RE = re.compile(r"<!-- gitops-validator:closed fingerprints=([0-9A-Za-z_.:,-]*) -->")
_FINGERPRINT_RE = re.compile(r"[0-9A-Za-z_.:-]{1,128}")
#: Most fingerprints a closed marker records (about 17 KB of a 64 KB comment; beyond it a
#: finding brought back is not commented again, as before the record existed).
MAX_CLOSED = 1_000


def finding_marker(fingerprint: str, check_name: str = DEFAULT_CHECK) -> str:
    """The marker a review comment about the finding with this fingerprint carries; the check
    name (when not the default) keeps two checks of one pull request apart: neither takes
    the other's comments as its own, nor resolves them as fixed."""
    name = _one_line(check_name)
    scope = "" if name == DEFAULT_CHECK else f" check={name}"
    return f"<!-- gitops-validator:finding fingerprint={fingerprint}{scope} -->"


def fixed_marker(fingerprint: str) -> str:
    """The marker of a reply saying a commented finding is fixed (where a thread cannot be
    resolved), so that the next run does not say it again."""
    return f"<!-- gitops-validator:fixed fingerprint={fingerprint} -->"


def summary_marker(check_name: str) -> str:
    """The marker of the one summary comment a check posts on a pull request."""
    return f"<!-- gitops-validator:summary check={_one_line(check_name)} -->"


def closed_marker(fingerprints: Iterable[str]) -> str:
    """The marker (kept in the summary comment) of the findings whose comment threads a run
    closed as fixed: when one comes back, its old thread is no reason to stay quiet."""
    kept = sorted(f for f in set(fingerprints) if _FINGERPRINT_RE.fullmatch(f))[:MAX_CLOSED]
    return f"<!-- gitops-validator:closed fingerprints={','.join(kept)} -->"


def closed_fingerprints(body: str) -> set[str]:
    """The fingerprints in a body's closed marker (empty when it has none)."""
    match = next((m for line in _tail(body) if (m := _CLOSED_RE.fullmatch(line))), None)
    return {f for f in match[1].split(",") if f} if match else set()


def finding_fingerprint(body: str, check_name: str | None = None) -> str | None:
    """The fingerprint in a comment body's finding marker, or None when it has none (or,
    given ``check_name``, none of that check)."""
    for line in _tail(body):
        match = _FINDING_RE.fullmatch(line)
        if match and (check_name is None or (match[2] or DEFAULT_CHECK) == _one_line(check_name)):
            return match[1]
    return None


def fixed_fingerprint(body: str) -> str | None:
    """The fingerprint in a "fixed" reply's marker, or None when it has none."""
    match = next((m for line in _tail(body) if (m := _FIXED_RE.fullmatch(line))), None)
    return match[1] if match else None


def is_summary(body: str, check_name: str) -> bool:
    """True when the body is the summary comment of this check name."""
    return any((m := _SUMMARY_RE.fullmatch(line)) and m[1] == _one_line(check_name) for line in _tail(body))


def _tail(body: str) -> list[str]:
    """The marker lines that end ``body`` (whole lines, blank lines between them allowed),
    in order: the only place a writer of this module's markers puts them."""
    tail: list[str] = []
    for line in reversed(body.split("\n")):  # the writers' "\n" only: not U+2028 inside quoted text
        text = line.strip()
        if not text:
            continue
        if not (text.startswith("<!-- gitops-validator:") and text.endswith(" -->")):
            break
        tail.append(text)
    return tail[::-1]


def _one_line(text: str) -> str:
    """A check name made safe inside an HTML comment (no line breaks, no ``-->``)."""
    return " ".join(text.split()).replace("--", "- -")
