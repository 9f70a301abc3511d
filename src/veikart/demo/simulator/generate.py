"""Run the whole simulation and write its files: HR export, usage reports, ground truth."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from veikart.demo.simulator.behaviour import BehaviourParams, simulate
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.organisation import (
    OrganisationParams,
    generate_population,
    write_hr_export,
)
from veikart.demo.simulator.programme import write_roadmap, write_systems, write_training
from veikart.demo.simulator.reports import write_org_counts, write_period_reports

Progress = Callable[[str], None]


@dataclass(frozen=True)
class GenerateResult:
    out: Path
    people: int
    periods: int
    hr_files: list[Path]
    usage_files: list[Path]
    programme_files: list[Path]
    truth_file: Path


def generate(
    config: SimulationConfig,
    out: Path,
    *,
    organisation: OrganisationParams | None = None,
    behaviour: BehaviourParams | None = None,
    progress: Progress | None = None,
) -> GenerateResult:
    """Simulate ``config`` and write everything under ``out`` (created if missing)."""
    say = progress or (lambda _message: None)
    out.mkdir(parents=True, exist_ok=True)
    say("organisation")
    population = generate_population(config, organisation or OrganisationParams())
    hr_files = write_hr_export(population, config, out)
    say("behaviour")
    params = behaviour or BehaviourParams()
    panel, truth = simulate(population, config, params)
    say("usage reports")
    usage_files = write_period_reports(panel, population, config, out)
    usage_files += write_org_counts(panel, population, config, out)
    say("training, systems and roadmap")
    programme_files = write_training(population, panel, config, out, params=params)
    programme_files += write_systems(config, out)
    programme_files += write_roadmap(config, out, params=params)
    say("ground truth")
    truth_file = out / "truth.json"
    document: dict[str, Any] = {
        "config": _jsonable(asdict(config)),
        "organisation": _jsonable(asdict(organisation or OrganisationParams())),
        **truth,
    }
    truth_file.write_text(
        json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return GenerateResult(
        out,
        len(population),
        len(panel.period_end),
        hr_files,
        usage_files,
        programme_files,
        truth_file,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # dates and other scalars
