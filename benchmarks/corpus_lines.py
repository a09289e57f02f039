"""The corpus scenarios behind a ``python -m gapdoctor.bench.corpus diagnose`` output, with features.

Shared by the probes that re-read corpus scenarios (``leakage_association.py``,
``leakage_in_sample.py``, ``leakage_label_means.py``, ``leakage_neighbour_means.py``,
``pseudo_label_agreement.py``, ``pseudo_label_disagreement.py``, ``pseudo_label_reference.py``):
one BLAS thread, the corpus's deliberate pipeline-bug warnings (and the probes' judges'
convergence warnings) silenced, only diagnosed scenarios whose training features and validation
labels exist; and the pseudo-label probes' null controls (:func:`with_trusted_rows`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from gapdoctor.bench.corpus.generate import CorpusScenario, draw_scenario
from gapdoctor.inputs.evidence import Evidence, build_evidence
from gapdoctor.stats.splits import splits_of


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


NULL_TRUSTED_ROWS = (30, 161)
"""Trusted rows of a null control, drawn like the corpus's pseudo-labelled recipes' human rows."""


def with_trusted_rows(line: dict[str, Any], kw: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Whether ``line`` injected pseudo-label noise, and its inputs with label sources.

    A pseudo-labelled scenario keeps its own ``sources_train``; any other one is a null control:
    all its labels are right, a random ``NULL_TRUSTED_ROWS`` of them (at most half, drawn from the
    seed) are called "human" and the rest "pseudo".
    """
    pseudo = "pseudo_label_noise" in line.get("causes", [])
    kw = dict(kw)
    if not pseudo:
        n = len(kw["y_train"])
        rng = np.random.default_rng(line["seed"])
        n_trusted = min(int(rng.integers(*NULL_TRUSTED_ROWS)), n // 2)
        sources = np.full(n, "pseudo", dtype="<U6")
        sources[rng.choice(n, n_trusted, replace=False)] = "human"
        kw["sources_train"] = sources
    return pseudo, kw


def scenarios_with_label_loss(
    lines: Path, cache: Path
) -> Iterator[tuple[dict[str, Any], CorpusScenario, Evidence, Any]]:
    """(line, scenario, evidence, label loss) of every scenario of :func:`scenarios_with_features`.

    The label loss is what ``preprocessing_leakage`` measures first: each feature's label
    association in training against validation (``check._label_loss``), on the splits as the
    check reads them (``splits_of``).
    """
    from gapdoctor.causes.preprocessing_leakage.check import _label_loss  # the probes read the check's own figure

    for line, scenario, kw in scenarios_with_features(lines, cache):
        evidence = build_evidence(
            X_train=kw["X_train"],
            y_train=kw["y_train"],
            X_val=kw["X_val"],
            y_val=kw["y_val"],
            sources_train=kw.get("sources_train"),
        )
        X_train, X_val = splits_of(evidence)
        yield line, scenario, evidence, _label_loss(evidence, X_train, X_val, evidence.n_classes)
