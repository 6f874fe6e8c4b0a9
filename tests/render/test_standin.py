"""Stand-ins depend on the seed and the form of a random value, never on its draw;
differences a stand-in cannot cover are warnings."""

from __future__ import annotations

import base64
import random
import string
import uuid
from datetime import UTC, datetime

from validator.load import Document, load_bytes
from validator.model import Severity
from validator.render.helm_random import stabilise
from validator.render.helm_time import fixed_times
from validator.render.standin import Memo, standin_int, standin_text


def _standins(draw: object, count: int = 200) -> set[str]:
    """The stand-ins chosen for ``count`` pairs of renders of one random template value."""
    rng = random.Random(20261126)  # noqa: S311 - reproducible draws, not secrets
    results = set()
    for _ in range(count):
        memo: Memo = {}
        first, second = draw(rng), draw(rng)  # type: ignore[operator]
        results.add(standin_text(first, second, seed="target\x1fpath", memo=memo))
    return results


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def test_fixed_length_values_get_one_stand_in_of_their_form() -> None:
    [name] = _standins(lambda rng: "web-" + _alnum(rng, 6).lower() + ".svc")
    assert name.startswith("web-")
    assert name.endswith(".svc")
    assert len(name) == 14
    assert name == name.lower()
    [password] = _standins(lambda rng: _alnum(rng, 16))
    assert len(password) == 16
    assert password.isalnum()
    assert password != password.lower()
    [digits] = _standins(lambda rng: "".join(rng.choice(string.digits) for _ in range(6)))
    assert len(digits) == 6
    assert digits.isdigit()
    [uid] = _standins(lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    assert [len(p) for p in uid.split("-")] == [8, 4, 4, 4, 12]
    assert set(uid) <= set("0123456789abcdef-")
    [token] = _standins(lambda rng: base64.b64encode(_alnum(rng, 12).encode()).decode())
    assert len(token) == 16


def test_varying_length_values_get_one_stand_in() -> None:
    def blob(rng: random.Random) -> str:
        data = rng.randbytes(rng.randint(1180, 1190))
        return base64.b64encode(b"-----BEGIN CERTIFICATE-----\n" + data).decode()

    [cert] = _standins(blob)
    assert len(cert) == 2048
    assert len(cert) % 4 == 0


def test_one_random_value_in_several_places_gets_one_stand_in() -> None:
    memo: Memo = {}
    name = standin_text("app-x8k2p", "app-q7m1z", seed="a", memo=memo)
    url = standin_text("http://app-x8k2p.ns:80", "http://app-q7m1z.ns:80", seed="b", memo=memo)
    assert url == f"http://{name}.ns:80"


def test_integers_keep_their_digit_count() -> None:
    values = {standin_int(a, b, seed="s") for a, b in [(1234, 9876), (5555, 1000), (9999, 1001)]}
    assert len(values) == 1
    assert 1000 <= values.pop() <= 9999


def _loaded(text: str) -> list[Document]:
    return list(load_bytes(text.encode(), display_path="c/templates/x.yaml").documents)


def test_a_difference_in_structure_is_a_warning_and_the_first_render_is_checked() -> None:
    first = _loaded("kind: ConfigMap\nmetadata:\n  name: a-x1y2z\ndata:\n  k1: v\n")
    second = _loaded("kind: ConfigMap\nmetadata:\n  name: a-q9w8e\ndata:\n  k2: v\n")
    result = stabilise(first, second, target="c", chart_file="c/Chart.yaml")
    [finding] = result.findings
    assert (finding.rule_id, finding.severity) == ("render/helm-not-repeatable", Severity.WARNING)
    assert (finding.location.path, finding.location.line) == ("c/templates/x.yaml", 4)
    assert "data differs in structure between two renders of c" in finding.message
    body = result.documents[0].body
    assert body["data"] == {"k1": "v"}
    assert body["metadata"]["name"].startswith("a-")
    assert body["metadata"]["name"] not in ("a-x1y2z", "a-q9w8e")
    other = stabilise(first, first + second, target="c", chart_file="c/Chart.yaml")
    assert [f.location.path for f in other.findings] == ["c/Chart.yaml"]
    assert other.documents == tuple(first)


def test_only_times_near_the_clock_are_fixed() -> None:
    clock = datetime(2026, 11, 26, 11, 18, 23, tzinfo=UTC)
    body = {"a": "2026-11-26T11:18:23.5Z", "b": "2019-05-04", "c": [1795605503, "1795605503"],
            "d": 42, "e": "built 2026-11-25 23:59:59 +0000 UTC m=+0.0123 by ci", "f": True}
    assert fixed_times(body, clock=clock) == {
        "a": "2000-01-01T00:00:00.000000000Z", "b": "2019-05-04", "c": [946684800, "946684800"],
        "d": 42, "e": "built 2000-01-01 00:00:00 +0000 UTC m=+0.000000000 by ci", "f": True}
    untouched = {"b": "2019-05-04", "d": [42]}
    assert fixed_times(untouched, clock=clock) is untouched
