"""X-Hub-Signature-256 on the raw body: what GitHub signs, nothing else passes."""

from __future__ import annotations

from tests.support.github_events import sign
from validator.app.signature import verify

BODY = b'{"zen": "Keep it logically awesome."}'


def test_githubs_documented_example() -> None:
    # the worked example of GitHub's "Validating webhook deliveries" page
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert verify("It's a Secret to Everybody", b"Hello, World!", header)


def test_a_signed_body_passes_and_anything_else_fails() -> None:
    header = sign("secret", BODY)
    assert verify("secret", BODY, header)
    assert not verify("other", BODY, header)
    assert not verify("secret", BODY + b" ", header)
    assert not verify("secret", BODY, None)
    assert not verify("secret", BODY, "")
    assert not verify("secret", BODY, header.removeprefix("sha256="))
    assert not verify("secret", BODY, "sha1=" + header.removeprefix("sha256="))
    assert not verify("secret", BODY, header.upper())
    assert not verify("secret", BODY, "sha256=zz\u00e9")
