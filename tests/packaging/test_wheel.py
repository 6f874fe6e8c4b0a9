"""A wheel installed the ordinary way (``pip install gitops-validator``) works like the checkout.

The package once found its bundled policy library (``policies: [builtin]``) and
``tools.lock`` beside its source folder, so only a checkout or an editable install had
them: a wheel had neither. These tests build the wheel from a copy of the source files
(the build then writes nothing into the checkout), install it with pip into a folder of
its own, and run that copy (``python -m validator``, the dependencies from this
environment) from folders outside the checkout, next to the checkout's own runs.

The build is ``pip wheel --no-build-isolation``: setuptools and wheel come from the dev
extras, so no package index is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: What a source distribution of the project holds (pyproject.toml names README.md).
SOURCES = ("pyproject.toml", "README.md", "tools.lock", "validator", "policies", "schemas")


def run(args: list[str], *, cwd: Path, pythonpath: Path,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` with only ``pythonpath`` ahead of this environment's packages; the tools
    are the checkout's (an installed copy looks for them on PATH or in the tools folder named
    by ``GITOPS_VALIDATOR_TOOLS_DIR``, as a user's install does)."""
    tools = os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR", str(ROOT / ".tools" / "bin"))
    environ = {**os.environ, "PYTHONPATH": str(pythonpath), "GITOPS_VALIDATOR_TOOLS_DIR": tools,
               **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=environ, capture_output=True,
                          text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's source files, links kept as links."""
    folder = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, folder / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, folder / name)
    return folder


def pip_wheel(what: Path, dist: Path) -> Path:
    """The wheel ``pip wheel`` builds from a source folder or a source distribution."""
    tools = run(["-c", "import setuptools, wheel; print(int(setuptools.__version__.split('.')[0]) >= 69)"],
                cwd=dist, pythonpath=dist)
    assert tools.stdout.strip() == "True", (
        "building the wheel needs the dev extras setuptools>=69 and wheel (`make setup` installs "
        f"them): {tools.stdout}{tools.stderr}")
    done = run(["-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                "--quiet", "-w", str(dist), str(what)], cwd=dist, pythonpath=dist)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = dist.glob("gitops_validator-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from the source files."""
    return pip_wheel(source, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed by pip (not editable) into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    done = run(["-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target", str(target),
                str(wheel)], cwd=target, pythonpath=target)
    assert done.returncode == 0, done.stdout + done.stderr
    imported = run(["-c", "import validator; print(validator.__file__)"], cwd=target, pythonpath=target)
    assert imported.stdout.strip() == str(target / "validator" / "__init__.py"), imported.stderr
    return target


def check_json(root: Path, pythonpath: Path) -> tuple[int, dict[str, Any]]:
    """``gitops-validator check . -o json`` in ``root`` with the copy of the package on ``pythonpath``."""
    done = run(["-m", "validator", "check", ".", "-o", "json"], cwd=root, pythonpath=pythonpath)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_the_wheel_holds_every_package_file_as_a_regular_file(wheel: Path) -> None:
    """Every file of validator/ (links followed), the whole policy library, tools.lock and the
    bundled CRD schemas."""
    with zipfile.ZipFile(wheel) as archive:
        entries = {info.filename: info for info in archive.infolist()}
        expected = {f"validator/{path.relative_to(ROOT / 'validator').as_posix()}": path
                    for path in (ROOT / "validator").rglob("*")
                    if path.is_file() and "__pycache__" not in path.parts}
        expected |= {f"validator/data/policies/{path.relative_to(ROOT / 'policies').as_posix()}": path
                     for path in (ROOT / "policies").rglob("*") if path.is_file()}
        expected["validator/data/tools.lock"] = ROOT / "tools.lock"
        for folder in ("crds", "crds-strict"):  # the bundled CRD schemas (schemas/crds/SOURCES.md)
            top = ROOT / "schemas" / folder
            bundled = {f"validator/data/{folder}/{path.relative_to(top).as_posix()}": path
                       for path in top.rglob("*") if path.is_file()}
            assert any(name.endswith(".json") for name in bundled), folder
            expected |= bundled
        assert sorted(set(expected) - set(entries)) == []
        for name, path in expected.items():
            assert not stat.S_ISLNK(entries[name].external_attr >> 16), name
            assert archive.read(name) == path.read_bytes(), name


def test_a_wheel_built_from_the_source_distribution_holds_the_same_files(
        source: Path, wheel: Path, tmp_path: Path) -> None:
    """A package index may serve the sdist: the links must become files there too."""
    done = run(["-c", "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])",
                str(tmp_path / "sdist")], cwd=source, pythonpath=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (sdist,) = (tmp_path / "sdist").glob("gitops_validator-*.tar.gz")
    (tmp_path / "dist").mkdir()
    rebuilt = pip_wheel(sdist, tmp_path / "dist")
    with zipfile.ZipFile(wheel) as direct, zipfile.ZipFile(rebuilt) as via_sdist:
        assert sorted(via_sdist.namelist()) == sorted(direct.namelist())
        for name in direct.namelist():
            if ".dist-info/" not in name:
                assert via_sdist.read(name) == direct.read(name), name


def test_installed_check_of_the_example_finds_what_the_checkout_finds(installed: Path,
                                                                        tmp_path: Path) -> None:
    """The example's configuration selects the bundled library by name (``policies: [builtin]``)."""
    repo = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", repo, symlinks=True)
    checkout_code, checkout = check_json(repo, ROOT)
    code, report = check_json(repo, installed)
    assert code == checkout_code == 1
    assert report["summary"] == checkout["summary"]
    assert report["findings"] == checkout["findings"]
    assert report["skipped"] == checkout["skipped"]
    assert {f["rule_id"] for f in report["findings"]} >= {"K8S-001", "K8S-009"}  # library rules


@pytest.mark.parametrize("copy", ["installed", "checkout"])
def test_policy_test_builtin_runs_the_library_tests(copy: str, installed: Path, tmp_path: Path) -> None:
    """``policy test builtin`` works wherever the package is, like ``policy test policies/`` here."""
    reference = run(["-m", "validator", "policy", "test", "policies", "--coverage-threshold", "100"],
                    cwd=ROOT, pythonpath=ROOT)
    assert reference.returncode == 0, reference.stdout + reference.stderr
    done = run(["-m", "validator", "policy", "test", "builtin", "--coverage-threshold", "100"],
               cwd=tmp_path, pythonpath=installed if copy == "installed" else ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == reference.stdout.splitlines()[-1]  # "83 passed, 0 failed, ..."


def test_installed_copy_names_the_pinned_version_of_a_missing_tool(installed: Path, tmp_path: Path) -> None:
    """The pins of tools.lock travel with the package: the hint for a missing tool names one."""
    pins = {fields[0]: fields[2] for fields in map(str.split, (ROOT / "tools.lock").read_text().splitlines())
            if len(fields) == 3 and not fields[0].startswith("#")}
    done = run(["-m", "validator", "policy", "test", "builtin"], cwd=tmp_path, pythonpath=installed,
               env={"GITOPS_VALIDATOR_OPA": str(tmp_path / "no-opa")})
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"the pinned version is {pins['opa']}" in done.stderr


def test_installed_copy_checks_custom_resources_against_the_bundled_schemas(installed: Path,
                                                                           tmp_path: Path) -> None:
    """A Certificate with a wrong field is a schema finding in the installed copy too, not "no schema"."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "certificate.yaml").write_text(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web}\n"
        "spec:\n  secretName: web-tls\n  issuerRef: {name: ca}\n  dnsNames: web.example.com\n")
    code, report = check_json(repo, installed)
    assert code == 1
    assert [(f["rule_id"], f["path"], f["line"]) for f in report["findings"]
            if f["rule_id"].startswith("schema/")] == [("schema/type", "certificate.yaml", 7)]
