"""Talking to OPA's REST API: push policies and data, run the one query, clean up.

opa-python-client 3.0 (``OpaClient``) pushes and deletes policies and checks health.
Three calls use the client's own ``requests`` session directly, where the client
lacks what we need: listing modules *with their ASTs* (``get_policies_info`` keeps
only ids and rule URLs, dropping the METADATA annotations), patching the *root*
data document (``patch_data("")`` addresses ``/v1/data/``, which OPA does not treat
as the root), and the evaluation query (``query_rule`` encodes a dict itself, with no
fallback for YAML-only values, and raises without OPA's error body). Every call has a
timeout; OPA's errors become :class:`~validator.errors.PolicyError` naming the
policy file and line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from opa_client import OpaClient
from opa_client.errors import DeletePolicyError, RegoParseError

from validator.errors import EvaluationFailure, PolicyError, PolicyEvaluationError

_LOGGER = logging.getLogger(__name__)


class OpaSession:
    """One run's connection to an OPA server; ``describe_exit`` explains a dead local server."""

    def __init__(self, url: str, *, token: str | None, timeout: float,
                 describe_exit: Callable[[], str | None] = lambda: None,
                 id_prefix: str = "") -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PolicyError(f"invalid OPA URL {url!r}: expected http(s)://host[:port]")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._client = OpaClient(host=parts.hostname, port=port, ssl=parts.scheme == "https",
                                 token=token, retries=0, timeout=timeout)
        # for messages: host and port only, never user:password@ from the URL
        self._base = f"{parts.scheme}://{parts.hostname}:{port}"
        self._timeout = timeout
        self._describe_exit = describe_exit
        self.id_prefix = id_prefix
        """Prefix of every policy id this run pushes (stripped from error messages)."""
        self._names: dict[str, str] = {}

    def policy_id(self, display: str) -> str:
        """The id a policy file of this run is pushed under, remembered for
        :meth:`display_name`: ``<prefix><path>`` without a leading ``/`` (no ``//``:
        OPA would redirect to the cleaned path)."""
        return self.register(self.id_prefix + display.lstrip("/"), display)

    def register(self, policy_id: str, display: str) -> str:
        """Remember that ``policy_id`` (loaded or pushed by this run) is file ``display``."""
        self._names[policy_id] = display
        return policy_id

    def display_name(self, policy_id: str) -> str | None:
        """The file a policy id of this run stands for (None for ids of others)."""
        return self._names.get(policy_id)

    def close(self) -> None:
        self._client.close_connection()

    def push_policy(self, policy_id: str, text: str) -> list[dict[str, Any]]:
        """Upload one module; return OPA's compile errors (empty when accepted)."""
        try:
            self._client.update_policy_from_string(text, quote(policy_id), rego_compat=False)
        except RegoParseError as exc:
            return list(exc.errors or []) or [{"code": exc.expression, "message": exc.message}]
        except (requests.RequestException, ValueError) as exc:
            raise self._unreachable("uploading a policy", exc) from exc
        return []

    def delete_policy(self, policy_id: str) -> None:
        try:
            self._client.delete_policy(quote(policy_id))
        except (DeletePolicyError, requests.RequestException, ValueError) as exc:
            _LOGGER.warning("could not delete policy %s from OPA: %s", policy_id, exc)

    def write_data(self, values: Mapping[str, Any]) -> None:
        """Set ``data.<key>`` to each value (one JSON Patch, so values of any JSON type work)."""
        self._patch_root([{"op": "add", "path": "/" + _pointer(key), "value": value}
                          for key, value in values.items()], "uploading data")

    def delete_data(self, keys: Sequence[str]) -> None:
        """Remove ``data.<key>`` for each key (best effort, for shared servers)."""
        try:
            self._patch_root([{"op": "remove", "path": "/" + _pointer(k)} for k in keys],
                             "removing data")
        except PolicyError as exc:
            _LOGGER.warning("could not delete data from OPA: %s", exc)

    def _patch_root(self, patches: list[dict[str, Any]], doing: str) -> None:
        # OpaClient.patch_data cannot address the root document (``/v1/data/`` is not it).
        if not patches:
            return
        try:
            response = self._client._session.patch(
                f"{self._base}/v1/data", json=patches, timeout=self._timeout,
                headers={"Content-Type": "application/json-patch+json"})
        except requests.RequestException as exc:
            raise self._unreachable(doing, exc) from exc
        if response.status_code != 204:
            raise PolicyError(self.describe_errors(_json_or_error(response), f"{doing} failed"))

    def list_policies(self) -> list[dict[str, Any]]:
        """Every module on the server, with its parsed AST (annotations included)."""
        try:
            response = self._client._session.get(
                f"{self._base}/v1/policies", timeout=self._timeout)
            response.raise_for_status()
            result = _json_or_error(response).get("result", [])
        except requests.RequestException as exc:
            raise self._unreachable("listing policies", exc) from exc
        return result if isinstance(result, list) else []

    def evaluate(self, package_path: Sequence[str], rule: str, body: bytes) -> Any:
        """POST ``body`` (a JSON ``{"input": ...}``) to ``/v1/data/<package>/<rule>``.

        Failures raise :class:`PolicyEvaluationError` saying whether a smaller request
        may succeed (OPA answered with an error) or no request can (the server is gone).
        """
        url = f"{self._base}/v1/data/{'/'.join(quote(p) for p in package_path)}/{rule}"
        try:
            response = self._client._session.post(
                url, data=body, headers={"Content-Type": "application/json"},
                timeout=self._timeout)
        except requests.Timeout as exc:
            raise PolicyEvaluationError(
                f"policy evaluation did not finish within {self._timeout:g}s; a policy is too "
                "slow or loops over too much data (raise the limit with --policy-timeout)",
                failure=EvaluationFailure.TIMEOUT) from exc
        except requests.RequestException as exc:
            gone = self._unreachable("evaluating policies", exc)
            raise PolicyEvaluationError(str(gone), failure=EvaluationFailure.SERVER_GONE) from exc
        try:
            payload = _json_or_error(response)
        except PolicyError as exc:
            raise PolicyEvaluationError(str(exc), failure=EvaluationFailure.REJECTED) from exc
        if response.status_code != 200:
            raise PolicyEvaluationError(self.describe_errors(payload, "policy evaluation failed"),
                                        failure=EvaluationFailure.REJECTED)
        return payload.get("result")

    def describe_errors(self, payload: Mapping[str, Any], what: str) -> str:
        """``policies/x.rego:12: rego_type_error: ...`` for each error in an OPA error body."""
        errors = [e for e in payload.get("errors") or [payload] if isinstance(e, Mapping)]
        return "; ".join(self._format_error(err, what) for err in errors) or what

    def _format_error(self, err: Mapping[str, Any], what: str) -> str:
        loc = err.get("location") or {}
        file = self._strip(str(loc.get("file") or ""))
        where = f"{file}:{loc.get('row', 0)}: " if file else f"{what}: "
        message = self._strip(str(err.get("message", "")))
        return f"{where}{err.get('code', 'error')}: {message}"

    def _strip(self, text: str) -> str:
        for policy_id, display in sorted(self._names.items(), key=lambda i: -len(i[0])):
            if policy_id != display:  # ids are paths without a leading / (or with a prefix)
                text = re.sub(rf"(?<![\w./-]){re.escape(policy_id)}",
                              display.replace("\\", "\\\\"), text)
        return text.replace(self.id_prefix, "") if self.id_prefix else text

    def _unreachable(self, doing: str, exc: Exception) -> PolicyError:
        reason = self._describe_exit()
        if reason:
            return PolicyError(f"OPA server died while {doing}: {reason}")
        if isinstance(exc, requests.ConnectionError):
            root = exc.__context__ or exc
            while root.__context__ is not None:  # urllib3 wraps the socket error several times
                root = root.__context__
            why = root.strerror if isinstance(root, OSError) and root.strerror else "no connection"
            return PolicyError(f"cannot reach the OPA server at {self._base} while {doing}: {why}")
        return PolicyError(f"OPA server at {self._base} failed while {doing}: {exc}")


def _json_or_error(response: requests.Response) -> dict[str, Any]:
    # Not response.json(): without a charset in the Content-Type, requests would first
    # guess the encoding of the whole body, which costs more than parsing it.
    try:
        payload = json.loads(response.content)
    except ValueError as exc:
        raise PolicyError(
            f"OPA answered HTTP {response.status_code} with a body that is not JSON") from exc
    return payload if isinstance(payload, dict) else {"result": payload}


def _pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
