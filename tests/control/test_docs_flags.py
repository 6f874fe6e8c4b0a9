"""The README and docs name only flags the CLI has (``--output``, never ``--format``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click

from validator.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "examples" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: Flags of the other tools the docs describe (helm, opa, git), named there on purpose.
OTHER_TOOLS = {"--include-crds", "--kube-version", "--server", "--skip-version-check",
               "--skip-schema-validation", "--load-restrictor", "--capabilities", "--current",
               "--v0-compatible", "--coverage"}
#: helm's flags for an agent object's Helm options (docs/helm.md), and helm's and git's flags in
#: docs/agents.md (what an Argo CD Application's fields become).
OTHER_TOOLS |= {"--values", "--set", "--set-string", "--set-file", "--api-versions",
                "--post-renderer", "--local", "--get-regexp"}
#: git's flags in docs/change.md (how the change is read from git).
OTHER_TOOLS |= {"--batch", "--cached", "--detach", "--exclude-standard", "--no-ext-diff", "--no-relative",
                "--no-textconv", "--numstat", "--others", "--raw", "--unshallow", "--verify"}
#: docker, podman and debootstrap flags in docs/container.md (building and running the image).
OTHER_TOOLS |= {"--build-arg", "--cgroup-manager", "--entrypoint", "--include", "--isolation", "--mount",
                "--network", "--rm", "--runtime", "--user", "--variant"}

#: gunicorn's and git's flags and the webhook benchmark's options in docs/app.md (running the
#: app in production, the mirrors' per-job clones, benchmarks/bench_webhook.py).
OTHER_TOOLS |= {"--bind", "--shared", "--intake", "--intake-only"}
#: git's flags in docs/gitlab.md and docs/testing.md (the GitLab CI job's ``safe.directory``,
#: fetching the compared commits into a shallow clone).
OTHER_TOOLS |= {"--add", "--global", "--depth"}

_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _commands(sub)


def _real_flags() -> set[str]:
    flags = {"--help"}
    for command in _commands(main):
        for param in command.params:
            for name in (*param.opts, *param.secondary_opts):
                flags.add(name)
    return flags


def test_docs_name_only_real_flags() -> None:
    real = _real_flags() | OTHER_TOOLS
    wrong = [f"{doc.relative_to(ROOT)}: {flag}" for doc in DOCS
             for flag in sorted(set(_FLAG.findall(doc.read_text()))) if flag not in real]
    assert wrong == []


def test_the_flag_table_is_not_empty() -> None:
    assert {"--output", "--namespace", "--fail-on"} <= _real_flags()
