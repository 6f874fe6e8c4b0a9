"""The values ``--set`` parameters give a chart, asked from helm itself.

``helm template`` runs with ``--skip-schema-validation`` and the values schema is
checked in process (:mod:`validator.render.helm_values_schema`), which merges the
values files and inline values itself. ``--set`` parameters (Argo CD ``parameters``
and ``fileParameters``, a Flux ``targetPath`` passed as ``--set``) are parsed by
helm's own ``strvals`` parser, with its typing (``2`` is an integer, ``--set-string``
keeps a string) and its list indexes: rather than a second parser, the same values
files and parameters are given to a probe chart of our own whose one template prints
``.Values`` as JSON. Its output is the user-supplied values exactly as helm merges
them; the chart's defaults are coalesced with them as before. A chart with no values
schema (none in its folder, no packed subchart that might hold one) is not probed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from validator.render.helm_subcharts import SCHEMA_FILE
from validator.render.walk import walk

PROBE_CHART = "apiVersion: v2\nname: values-probe\nversion: 0.0.0\n"
PROBE_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: values
data:
  values: {{ toJson .Values | quote }}
"""


def write_probe_chart(folder: Path) -> Path:
    """Write the probe chart under ``folder``; returns its folder."""
    chart = folder / "values-probe"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(PROBE_CHART, encoding="utf-8")
    (chart / "templates" / "values.yaml").write_text(PROBE_TEMPLATE, encoding="utf-8")
    return chart


def probed_values(output: bytes) -> dict[str, Any] | None:
    """The values the probe chart printed (None when the output is not the probe's)."""
    try:
        document = yaml.load(output, Loader=yaml.CSafeLoader)
        values = json.loads(document["data"]["values"])
    except (yaml.YAMLError, ValueError, KeyError, TypeError):
        return None
    return values if isinstance(values, dict) else None


def may_have_values_schema(chart: Path) -> bool:
    """Whether the chart folder holds a values schema, or a packed subchart that may."""
    for _current, _dirs, files in walk(chart):
        if any(name == SCHEMA_FILE or name.endswith((".tgz", ".tar.gz")) for name in files):
            return True
    return False
