"""Policies get no network builtins unless the run allows them, and OPA's memory is bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.listener import loopback_listener
from validator.errors import PolicyError
from validator.load import load_file
from validator.policy import PolicySettings, evaluate_policies
from validator.policy.capabilities import NETWORK_BUILTINS, capabilities_json

SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"

FETCHING = """\
package main

deny contains msg if {{
	response := http.send({{"method": "GET", "url": "{url}/policy", "raise_error": false}})
	msg := sprintf("fetched %v", [response.status_code])
}}
"""

HUNGRY = """\
package main

deny contains msg if {
	count([x | some x in numbers.range(1, 400000000)]) > 0
	msg := "never"
}
"""


def _repo(tmp_path: Path, policy: str) -> tuple[Path, list]:  # type: ignore[type-arg]
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "fetch.rego").write_text(policy)
    (tmp_path / "service.yaml").write_text(SERVICE)
    docs = list(load_file(tmp_path / "service.yaml", display_path="service.yaml").documents)
    return tmp_path, docs


def test_http_send_is_a_compile_error_naming_file_and_line(tmp_path: Path) -> None:
    with loopback_listener() as listener:
        root, docs = _repo(tmp_path, FETCHING.format(url=listener.url))
        with pytest.raises(PolicyError, match=r"fetch\.rego:4: .*http\.send") as caught:
            evaluate_policies(docs, PolicySettings(policy_dirs=(root / "policy",)), root=root)
        assert "--policy-network" in str(caught.value)
        assert listener.connections == []


def test_the_setting_restores_http_send(tmp_path: Path) -> None:
    with loopback_listener() as listener:
        root, docs = _repo(tmp_path, FETCHING.format(url=listener.url))
        result = evaluate_policies(docs, PolicySettings(policy_dirs=(root / "policy",),
                                                        allow_network=True), root=root)
        assert [f.message for f in result.findings] == ["fetched 200"]
        assert len(listener.connections) == 1


def test_the_default_capabilities_have_no_network_builtin() -> None:
    import json  # noqa: PLC0415

    names = {b["name"] for b in json.loads(capabilities_json(allow_network=False))["builtins"]}
    assert {"http.send", "net.lookup_ip_addr"} <= NETWORK_BUILTINS
    assert names.isdisjoint(NETWORK_BUILTINS)
    assert "count" in names
    allowed = {b["name"] for b in json.loads(capabilities_json(allow_network=True))["builtins"]}
    assert allowed >= NETWORK_BUILTINS


def test_a_runaway_policy_hits_the_memory_limit(tmp_path: Path) -> None:
    root, docs = _repo(tmp_path, HUNGRY)
    settings = PolicySettings(policy_dirs=(root / "policy",), memory_limit=256 * 1024**2)
    result = evaluate_policies(docs, settings, root=root)  # the objects are not evaluated
    [finding] = [f for f in result.findings if f.rule_id == "policy/not-evaluated"]
    assert "OPA used more than 256 MiB" in finding.message
    log = Path(finding.message.rsplit("log: ", 1)[1].split(")", 1)[0])
    assert "fatal error: runtime:" in log.read_text()  # kept for the user, named in the error
    log.unlink()
