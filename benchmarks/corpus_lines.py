"""The corpus scenarios behind a ``python -m gapdoctor.bench.corpus diagnose`` output, with features.

Shared by the probes that re-read corpus scenarios (``leakage_association.py``,
``leakage_in_sample.py``): one BLAS thread, the corpus's deliberate pipeline-bug warnings
silenced, only diagnosed scenarios whose training features and validation labels exist.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from gapdoctor.bench.corpus.generate import CorpusScenario, draw_scenario


def scenarios_with_features(
    lines: Path, cache: Path
) -> Iterator[tuple[dict[str, Any], CorpusScenario, dict[str, Any]]]:
    """(line, scenario, diagnose keyword arguments) of every diagnosed scenario with ``X_train`` and ``y_val``."""
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the corpus's own pipeline-bug transforms warn on purpose
        for line in map(json.loads, lines.open()):
            if line.get("status") != "diagnosed":
                continue
            scenario = draw_scenario(line["seed"], cache=cache)
            kw = scenario.data.diagnose_kwargs()
            if kw.get("X_train") is None or kw.get("y_val") is None:
                continue
            yield line, scenario, kw
