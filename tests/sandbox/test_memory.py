"""Every subprocess has bounded memory; hitting the bound is a finding on the target."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.sandbox.support import HUNGRY_TEMPLATE, run_cli, write, write_chart
from validator.cli import main
from validator.errors import CommandMemoryError, UsageError
from validator.process import Command, run
from validator.sandbox import format_size, out_of_memory, parse_size
from validator.tools import Tool, require_tool


def test_the_issue_template_is_a_finding_on_the_chart(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write_chart(root, "charts/hungry", HUNGRY_TEMPLATE)
    write_chart(root, "charts/fine", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n")
    code, report, stderr = run_cli(root, tmp_path / "tmp", "--no-policy",
                                   "--render-memory-limit", "512MiB")
    assert code == 1, stderr
    findings = report["findings"]
    assert isinstance(findings, list)
    hungry = [f for f in findings if f["rule_id"] == "render/memory-limit"]
    assert len(hungry) == 1, findings
    assert hungry[0]["path"] == "charts/hungry/Chart.yaml"
    assert "helm template (charts/hungry) used more than 512 MiB" in hungry[0]["message"]
    assert "--render-memory-limit" in hungry[0]["message"]
    assert report["summary"]["resources"] == 1, report  # the other chart still rendered


def test_a_memory_limit_stops_a_go_tool_that_allocates_past_it(tmp_path: Path) -> None:
    write_chart(tmp_path, "c", HUNGRY_TEMPLATE)
    command = Command(args=(str(require_tool(Tool.HELM)), "template", "r", str(tmp_path / "c")),
                      memory_limit=256 * 1024**2, env={"HOME": str(tmp_path)})
    with pytest.raises(CommandMemoryError, match="used more than 256 MiB"):
        run(command)


def test_normal_renders_fit_the_default_limit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write_chart(root, "charts/fine", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n")
    write(root, "k/kustomization.yaml", "resources: [cm.yaml]\n")
    write(root, "k/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\n")
    code, report, stderr = run_cli(root, tmp_path / "tmp", "--no-policy",
                                   "--schema-engine", "kubeconform")
    assert code == 0, (stderr, report)
    assert report["summary"]["resources"] == 2


@pytest.mark.parametrize(("text", "size"), [
    ("1.5GiB", 1536 * 1024**2), ("512MiB", 512 * 1024**2), ("2G", 2 * 1000**3),
    ("268435456", 256 * 1024**2), ("256 mib", 256 * 1024**2)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1GiB", "1.5XB", "1KiB"])
def test_bad_sizes_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="memory limit"):
        parse_size(text)


def test_sizes_are_shown_the_way_they_are_written() -> None:
    assert format_size(1536 * 1024**2) == "1.5 GiB"
    assert format_size(512 * 1024**2) == "512 MiB"


def test_the_limits_come_from_flags_and_environment(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write_chart(tmp_path, "charts/hungry", HUNGRY_TEMPLATE)
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(tmp_path), "-o", "json", "--no-policy"],
                           env={"GITOPS_VALIDATOR_RENDER_MEMORY_LIMIT": "300MiB"})
    assert result.exit_code == 1, result.output
    assert "used more than 300 MiB" in result.output
    result = runner.invoke(main, ["check", str(tmp_path), "--render-memory-limit", "lots"])
    assert result.exit_code == 2
    assert "memory limit 'lots'" in result.output


def test_a_lower_limit_inherited_from_the_caller_is_kept_not_an_error(tmp_path: Path) -> None:
    """A CI job already under ``ulimit -v`` below ours: the child gets the lower bound."""
    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))\n"
              "from validator.process import Command, run\n"
              "out = run(Command(args=('sh', '-c', 'ulimit -v; ulimit -d'),"
              f" memory_limit={1536 * 1024**2})).stdout.decode().split()\n"
              "print(*out)\n")
    result = run(Command(args=(sys.executable, "-c", script), env={"PYTHONPATH": os.pathsep.join(sys.path)}))
    assert result.stdout.decode().split() == [str(3 * 1024**2), str(1536 * 1024)]


#: How OPA (Go 1.26) died once in CI under a 256 MiB data limit: an allocation failed inside
#: the garbage collector, which faulted instead of printing "out of memory".
GC_FAULT = """\
SIGSEGV: segmentation violation
PC=0x437c7d m=3 sigcode=1 addr=0x0

goroutine 0 gp=0x27674ec05a40 m=3 mp=0x27674ec20008 [idle]:
runtime.(*spanQueue).tryDrain(0x276700000800?, 0x438586?, 0x4f074000?)
\truntime/mgcmark_greenteagc.go:520 +0x5d fp=0x27674ec43df0 sp=0x27674ec43dd0 pc=0x437c7d
runtime.gcDrain(0x27674ec21260, 0x7)
\truntime/mgcmark.go:1340 +0x2a6 fp=0x27674ec43f78 sp=0x27674ec43f08 pc=0x435f86
"""
#: A fault in the program's own code is not a memory limit.
OWN_FAULT = """\
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x8c1d2a]

goroutine 1 [running]:
github.com/open-policy-agent/opa/v1/topdown.evalTerm(...)
\tgithub.com/open-policy-agent/opa/v1/topdown/eval.go:120 +0x2a
"""


def test_a_go_runtime_fault_in_its_memory_manager_counts_as_out_of_memory() -> None:
    assert out_of_memory("fatal error: runtime: out of memory")
    assert out_of_memory(GC_FAULT)
    assert not out_of_memory(OWN_FAULT)
