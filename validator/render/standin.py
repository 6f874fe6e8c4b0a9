"""Deterministic stand-ins for scalars that differ between two renders of one chart.

Sprig's random functions (``randAlphaNum``, ``uuidv4``, ``genCA``...) have no seed, so
a value they produce differs on every ``helm template``. Given the value from two
renders, a stand-in keeps what both renders agree on and replaces the rest with
characters derived from a *seed* (target, template, object, field path), never from
the random values themselves, so every run prints the same stand-in:

- a string of one length is cut at the separators both renders agree on (``-``, ``.``,
  ``:``, ``=``, newlines...; not ``+``/``/``, which base64 uses); each piece that
  differs is replaced by as many characters: digits only when both renders used
  digits only, lower-case hexadecimal for long hex values (UUIDs, digests), else
  digits and lower-case letters, and upper-case letters when a render used one. The
  alphabet is inferred from two samples, so a short mixed-case value whose two
  renders happen to show no upper-case letter gets a lower-case stand-in (for n
  random characters the chance is (36/62)^(2n): 4% for 3, 0.4% for 5, under 0.02%
  from 8): such a run prints other bytes;
- a string whose length differs, or that is longer than ``_EXACT_MAX`` (keys and
  certificates from ``genCA`` and the like, whose length varies by a few characters
  and only sometimes matches between two renders) keeps the common prefix and suffix
  (up to a separator; base64 padding ``=`` is not one) and replaces the middle with
  one of the longer render's length rounded up to a power of two: a length copied
  from the renders would change between runs, the next power of two almost never does;
- an integer becomes one with as many digits; differing booleans become ``false``.
"""

from __future__ import annotations

import hashlib
import string

_DIGITS = string.digits
_HEX = string.digits + "abcdef"
#: Characters that may be part of a random piece (base64 uses ``+`` and ``/``).
_PIECE = frozenset(string.ascii_letters + string.digits + "+/")
#: Characters of a varying-length random middle (base64 padding varies with the length).
_MIDDLE = _PIECE | {"="}
#: Longer strings are taken to vary in length even when the two renders agree on it.
_EXACT_MAX = 256
#: Hexadecimal values at least this long (both renders together) keep a hex stand-in.
_HEX_MIN_CHARS = 32

Memo = dict[tuple[str, str], str]
"""Stand-ins already chosen, by the pair of rendered pieces, so a random value used in
several places gets one stand-in everywhere."""


def standin_text(first: str, second: str, *, seed: str, memo: Memo) -> str:
    """A stand-in for a string rendered as ``first`` and then as ``second``."""
    if len(first) != len(second) or len(first) > _EXACT_MAX:
        return _standin_middle(first, second, seed=seed, memo=memo)
    pieces = _pieces(first, second)
    changed = [(s, e) for s, e in pieces if first[s:e] != second[s:e]]
    seen = "".join(first[s:e] + second[s:e] for s, e in changed)
    hexadecimal = len(seen) >= _HEX_MIN_CHARS and all(c in _HEX for c in seen)
    out, last = [], 0
    for number, (start, end) in enumerate(changed):
        out.append(first[last:start])
        out.append(_piece(first[start:end], second[start:end], hexadecimal=hexadecimal,
                          seed=f"{seed}\x1f{number}", memo=memo))
        last = end
    out.append(first[last:])
    return "".join(out)


def standin_int(first: int, second: int, *, seed: str) -> int:
    """A stand-in for an integer rendered as ``first`` and then as ``second``: as many digits."""
    digits = len(str(max(abs(first), abs(second))))
    stream = _stream(seed, digits)
    value = int(str(1 + stream[0] % 9) + "".join(_DIGITS[b % 10] for b in stream[1:]))
    if digits == 1:
        value = stream[0] % 10
    return -value if first < 0 and second < 0 else value


def _pieces(first: str, second: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the runs between separators both strings share at the same place."""
    pieces, start = [], 0
    for i, (a, b) in enumerate(zip(first, second, strict=True)):
        if a == b and a not in _PIECE:
            if i > start:
                pieces.append((start, i))
            start = i + 1
    if start < len(first):
        pieces.append((start, len(first)))
    return pieces


def _standin_middle(first: str, second: str, *, seed: str, memo: Memo) -> str:
    prefix = 0
    while prefix < min(len(first), len(second)) and first[prefix] == second[prefix]:
        prefix += 1
    while prefix and first[prefix - 1] in _MIDDLE:
        prefix -= 1
    suffix = 0
    limit = min(len(first), len(second)) - prefix
    while suffix < limit and first[-1 - suffix] == second[-1 - suffix]:
        suffix += 1
    while suffix and first[len(first) - suffix] in _MIDDLE:
        suffix -= 1
    middle = _piece(first[prefix:len(first) - suffix], second[prefix:len(second) - suffix],
                    hexadecimal=False, seed=seed, memo=memo, exact=False)
    return first[:prefix] + middle + first[len(first) - suffix:]


def _piece(first: str, second: str, *, hexadecimal: bool, seed: str, memo: Memo,
           exact: bool = True) -> str:
    key = (first, second)
    if key not in memo:
        length = max(len(first), len(second))
        memo[key] = _generate(first + second, length if exact else 1 << (length - 1).bit_length(),
                              hexadecimal=hexadecimal, seed=seed)
    return memo[key]


def _generate(seen: str, length: int, *, hexadecimal: bool, seed: str) -> str:
    if hexadecimal:
        alphabet = _HEX
    else:
        alphabet = _DIGITS
        if any(c.isalpha() for c in seen):
            alphabet += string.ascii_lowercase
        if any(c.isupper() for c in seen):
            alphabet += string.ascii_uppercase
    return "".join(alphabet[b % len(alphabet)] for b in _stream(seed, length))


def _stream(seed: str, length: int) -> bytes:
    return hashlib.shake_256(seed.encode("utf-8", "surrogatepass")).digest(max(length, 1))
