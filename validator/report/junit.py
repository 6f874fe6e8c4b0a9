"""The JUnit XML report, for CI systems that display test results.

``testsuites`` > one ``testsuite`` per file with findings > one ``testcase`` per
resource in that file (or one named after the file for findings about no resource).
A testcase with errors gets one ``failure`` listing them; warnings and infos go to
its ``system-out`` and never fail it. Skipped files are ``skipped`` testcases. A clean
run is one passing testcase, so CI shows that the check ran. In a compared report
(``diff``) each line starts with ``[new]`` or ``[existing]``; fixed findings are only
counted in the summary (they are not in the head to be tested).
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

from validator.model import Finding, Report, ResourceRef, Severity
from validator.report.common import (
    context_text,
    findings_by_file,
    location_text,
    plural,
    sorted_skipped,
    summary_line,
)
from validator.report.options import RenderOptions

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Make text safe for XML 1.0: forbidden characters become ``\\xNN``."""
    return _NOT_XML_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _line(finding: Finding) -> str:
    context = context_text(finding)
    suffix = f" [{context}]" if context else ""
    label = finding.severity.label
    status = f"[{finding.status.value}] " if finding.status is not None else ""
    return f"{status}{location_text(finding)}: {label} {finding.rule_id} {finding.message}{suffix}"


def _testcase(suite: ET.Element, *, path: str, name: str, findings: list[Finding]) -> bool:
    """Add one testcase; True when it failed."""
    case = ET.SubElement(suite, "testcase", classname=xml_text(path), name=xml_text(name))
    errors = [f for f in findings if f.severity is Severity.ERROR]
    others = [f for f in findings if f.severity is not Severity.ERROR]
    if errors:
        message = errors[0].message if len(errors) == 1 else plural(len(errors), "error")
        failure = ET.SubElement(
            case, "failure", message=xml_text(message), type=xml_text(errors[0].rule_id)
        )
        failure.text = xml_text("\n".join(_line(f) for f in errors))
    if others:
        ET.SubElement(case, "system-out").text = xml_text("\n".join(_line(f) for f in others))
    return bool(errors)


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=xml_text(name))


def _set_counts(element: ET.Element, tests: int, failures: int, skipped: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")
    element.set("skipped", str(skipped))


def render_junit(report: Report, options: RenderOptions) -> str:
    """Render the report as JUnit XML."""
    root = ET.Element("testsuites", name=xml_text(options.tool_name))
    total_tests = total_failures = 0
    for path, findings in findings_by_file(report):
        suite = _suite(root, path)
        tests = failures = 0
        by_resource = itertools.groupby(
            sorted(findings, key=lambda f: (f.resource is not None, f.resource or ResourceRef())),
            key=lambda f: f.resource,
        )
        for resource, group in by_resource:
            name = path if resource is None else str(resource)
            failures += _testcase(suite, path=path, name=name, findings=list(group))
            tests += 1
        _set_counts(suite, tests, failures, 0)
        total_tests += tests
        total_failures += failures
    skipped = sorted_skipped(report)
    if skipped:
        suite = _suite(root, "skipped")
        for item in skipped:
            case = ET.SubElement(suite, "testcase", classname=xml_text(item.path),
                                 name=xml_text(item.path))
            ET.SubElement(case, "skipped", message=xml_text(item.reason))
        _set_counts(suite, len(skipped), 0, len(skipped))
        total_tests += len(skipped)
    if not report.findings:
        suite = _suite(root, options.tool_name)
        ET.SubElement(suite, "testcase", classname=xml_text(options.tool_name),
                      name=xml_text(summary_line(report)))
        _set_counts(suite, 1, 0, 0)
        total_tests += 1
    _set_counts(root, total_tests, total_failures, len(skipped))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
