"""The cause folders are found, not listed: every built-in cause is one folder with a spec and checks."""

from __future__ import annotations

import importlib

import gapdoctor
from gapdoctor.causes.folders import cause_folders, import_each, load_causes
from gapdoctor.causes.registry import REGISTRY
from gapdoctor.experiments.lab import INTERVENTIONS


def test_every_built_in_cause_is_a_folder_with_its_spec() -> None:
    names = [folder.rpartition(".")[2] for folder in cause_folders()]
    assert sorted(names) == sorted(gapdoctor.CAUSES)
    for folder in cause_folders():
        spec = importlib.import_module(f"{folder}.spec").SPEC
        assert spec.name == folder.rpartition(".")[2]


def test_loading_registers_each_folders_checks_and_experiments() -> None:
    load_causes()
    assert {check.cause for check in REGISTRY.values()} == set(gapdoctor.CAUSES)
    import_each("experiment")
    assert {"overfitting", "label_noise", "distribution_shift"} <= set(INTERVENTIONS)
    assert "search_noise" not in INTERVENTIONS  # a folder without experiment.py
