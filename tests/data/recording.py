"""Write a fixture of recorded runs with the facts every recording states (shared by the record_* scripts)."""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gapdoctor.bench.scenario import ScenarioData


CORPUS_CASES = Path(__file__).parent / "corpus"
"""Recorded inputs of single corpus runs, one ``.npz`` each (``history__<curve>`` arrays hold the curves)."""


def corpus_inputs(name: str) -> dict[str, Any]:
    """The :func:`gapdoctor.diagnose` keyword arguments recorded in ``CORPUS_CASES / f"{name}.npz"``."""
    import numpy as np

    with np.load(CORPUS_CASES / f"{name}.npz", allow_pickle=False) as arrays:
        kwargs: dict[str, Any] = {k: arrays[k] for k in arrays.files if not k.startswith("history__")}
        curves = [k for k in arrays.files if k.startswith("history__")]
        if curves:
            kwargs["history"] = {k.removeprefix("history__"): arrays[k].tolist() for k in curves}
    return kwargs


def write_recorded_runs(fixture: Path, recorded_by: str, runs: dict[str, Any], **facts: Any) -> None:
    """Write ``runs`` to ``fixture`` with who recorded them, when, on what machine, and ``facts`` (versions...)."""
    recorded = {
        "recorded_by": recorded_by,
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        **facts,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "runs": runs,
    }
    fixture.write_text(json.dumps(recorded, indent=1) + "\n")
    print(f"wrote {fixture} ({', '.join(runs)})")


def record_corpus_curves(
    fixture: Path, recorded_by: str, seeds: Sequence[int], extra: Callable[[ScenarioData], dict[str, Any]]
) -> None:
    """Record corpus seeds' loss and metric curves, and what ``extra(data)`` adds per run, into ``fixture``.

    The command line of every such recorder: ``--cache DIR``, the corpus cache (default: beside the
    bench's). Each run is keyed ``corpus-seed<N>`` and holds its description, metric and curves
    (``train_loss``, ``val_loss``, ``val_<metric>``, 8 decimals).
    """
    from threadpoolctl import threadpool_limits

    from gapdoctor.bench.corpus.generate import draw_scenario

    parser = argparse.ArgumentParser(description=f"record {fixture.name}")
    parser.add_argument("--cache", type=Path, default=None, help="the corpus cache (default: beside the bench's)")
    cache = parser.parse_args().cache
    runs = {}
    with threadpool_limits(limits=1):
        for seed in seeds:
            scenario = draw_scenario(seed, cache=cache)
            data = scenario.data
            keep = ("train_loss", "val_loss", f"val_{data.metric}")
            runs[f"corpus-seed{seed}"] = {
                "description": f"corpus seed {seed}: {scenario.params['model']} on {scenario.params['dataset']}",
                "metric": data.metric,
                "history": {k: [round(float(v), 8) for v in data.history[k]] for k in keep},
                **extra(data),
            }
    write_recorded_runs(fixture, recorded_by, runs)


def record_corpus_arrays(fixtures: dict[int, Path], arrays_of: Callable[[ScenarioData], dict[str, Any]]) -> None:
    """Save ``arrays_of(data)`` of each corpus seed to its ``.npz`` fixture (``--cache DIR``: the corpus cache)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from gapdoctor.bench.corpus.generate import draw_scenario

    parser = argparse.ArgumentParser(description=f"record {', '.join(f.name for f in fixtures.values())}")
    parser.add_argument("--cache", type=Path, default=None, help="the corpus cache (default: beside the bench's)")
    cache = parser.parse_args().cache
    for seed, fixture in fixtures.items():
        with threadpool_limits(limits=1):
            data = draw_scenario(seed, cache=cache).data
        np.savez_compressed(fixture, **arrays_of(data))
        print(f"corpus seed {seed} -> {fixture}")


def val_size(data: ScenarioData) -> dict[str, Any]:
    """The ``extra`` of a recorder that keeps only the validation size beside the curves."""
    return {"val_size": len(data.arrays["y_val"])}
