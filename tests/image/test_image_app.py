"""The image runs the webhook app too (``--entrypoint gitops-validator`` with ``serve``):
the app's extras are installed, intake answers on loopback inside the container, a signed
delivery is accepted and a wrongly signed one refused (docs/app.md, docs/container.md)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.image.container import Container

pytestmark = pytest.mark.image

_PROBE = r"""
gitops-validator serve --port 8080 --workers 0 >/tmp/serve.log 2>&1 &
server=$!
/opt/venv/bin/python - <<'PY'
import hashlib, hmac, json, os, time, urllib.error, urllib.request

base = "http://127.0.0.1:8080"
def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None
for _ in range(300):
    if get("/healthz") == 200:
        break
    time.sleep(0.1)
def post(body, signature):
    request = urllib.request.Request(base + "/webhooks/github", data=body, method="POST", headers={
        "X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": signature,
        "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code
body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
good = "sha256=" + hmac.new(os.environ["GITHUB_WEBHOOK_SECRET"].encode(), body, hashlib.sha256).hexdigest()
print(json.dumps({"healthz": get("/healthz"), "readyz": get("/readyz"), "signed": post(body, good),
                  "forged": post(body, "sha256=" + "0" * 64)}))
PY
kill "$server"
"""


def test_image_serves_the_webhook_app(container: Container) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    done = container.run(["-c", _PROBE], entrypoint="/bin/sh", env={
        "GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY": key, "GITHUB_WEBHOOK_SECRET": "image-secret",
        "GITOPS_VALIDATOR_DATA_DIR": "/tmp/data", "GITOPS_VALIDATOR_RECONCILE_SECONDS": "0"})
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers == {"healthz": 200, "readyz": 200, "signed": 202, "forged": 401}, done.stdout
