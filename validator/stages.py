"""The stages of a run, their progress labels and how long each took.

The pipeline wraps each stage in :func:`timed_stage`; the CLI shows a progress bar per
stage (labels from :class:`Stage`) and ``-v`` prints the timings, which are logged at
INFO level by :func:`log_timings`. Timings never reach a report: reports stay the same
bytes for the same input.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import assert_never

_LOGGER = logging.getLogger(__name__)

#: Progress callback: (stage label, items done, items in all).
Progress = Callable[[str, int, int], None]


class Stage(enum.StrEnum):
    """One stage of a check run, in the order they run."""

    RENDER = "render and load"
    """Kustomize and Helm targets rendered, plain files loaded (in parallel)."""
    SCHEMA = "schema"
    """Every resource against its JSON schema."""
    POLICY = "policy"
    """Every resource against the Rego policies."""

    @property
    def label(self) -> str:
        """The progress bar's label."""
        match self:
            case Stage.RENDER:
                return "Rendering and loading"
            case Stage.SCHEMA:
                return "Schema-checking"
            case Stage.POLICY:
                return "Policy-checking"
            case _:
                assert_never(self)


@dataclass(frozen=True, kw_only=True)
class StageTiming:
    """How long one stage took, and over how many items."""

    stage: Stage
    """Which stage."""
    seconds: float
    """Wall-clock seconds."""
    items: int
    """How many items the stage worked on."""
    unit: str
    """What the items are, singular (``target``, ``resource``)."""

    def __str__(self) -> str:
        unit = self.unit if self.items == 1 else f"{self.unit}s"
        return f"stage {self.stage.value}: {self.items} {unit} in {self.seconds:.2f} s"


def stage_progress(progress: Progress | None, stage: Stage) -> Callable[[int, int], None] | None:
    """``progress`` bound to one stage's label (None stays None)."""
    if progress is None:
        return None
    return lambda done, total: progress(stage.label, done, total)


@contextmanager
def timed_stage(stage: Stage, *, items: int, unit: str, timings: list[StageTiming],
                progress: Progress | None = None) -> Iterator[None]:
    """Time the block as ``stage``; with ``progress``, report 0 of ``items`` before and all after.

    Stages that report finer progress themselves call ``progress`` in between.
    """
    report = stage_progress(progress, stage)
    if report is not None:
        report(0, items)
    start = time.perf_counter()
    yield
    timings.append(StageTiming(stage=stage, seconds=time.perf_counter() - start, items=items,
                               unit=unit))
    if report is not None:
        report(items, items)


def log_timings(timings: list[StageTiming]) -> None:
    """One INFO line per stage and the total (shown with ``-v``)."""
    for timing in timings:
        _LOGGER.info("%s", timing)
    _LOGGER.info("stages total: %.2f s", sum(t.seconds for t in timings))
