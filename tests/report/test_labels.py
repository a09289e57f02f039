"""Plain evidence labels: every key a check declares has one, and both reports show it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.folders import load_causes
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.report.html import render_html
from gapdoctor.report.labels import EVIDENCE_LABELS, FORMATS, evidence_label, format_evidence, has_label
from tests import metric_scenarios
from tests.causes.label_noise_data import noisy_split
from tests.report.evidence_keys import declared_keys

KNOWN = {  # cause folder -> a key its check or payload declares
    "small_validation_set": "val_size_for_1pt_change",
    "metric_saturation": "val_suspected_label_errors",
    "overfitting": "val_loss_rise_pct",
    "distribution_shift": "shifted_{}",  # an f-string key (or a spread payload field)
}


def test_the_key_reader_sees_the_checks_evidence() -> None:
    declared = declared_keys()
    assert sum(len(keys) for keys in declared.values()) > 150
    for cause, key in KNOWN.items():
        in_folder = set().union(*(keys for module, keys in declared.items() if module.startswith(f"{cause}/")))
        assert key in in_folder, f"{key} not read from causes/{cause}/"


def test_every_evidence_key_a_check_declares_has_a_plain_label() -> None:
    missing = {
        module: sorted(k for k in keys if not has_label(k.replace("{}", "1")))
        for module, keys in declared_keys().items()
    }
    assert not any(missing.values()), f"add these keys to gapdoctor.report.labels.EVIDENCE_LABELS: {missing}"


@pytest.fixture(scope="module")
def real_diagnoses() -> list[Diagnosis]:
    _, noisy, probs = noisy_split("digits", 0.2)
    return [
        gapdoctor.diagnose(**metric_scenarios.tiny_validation()),
        gapdoctor.diagnose(y_train=noisy, train_probs=probs),
    ]


def test_every_key_real_runs_emit_has_a_plain_label(real_diagnoses: list[Diagnosis]) -> None:
    emitted = {k for d in real_diagnoses for f in d.findings for k in f.evidence}
    assert len(emitted) > 20
    assert sorted(k for k in emitted if not has_label(k)) == []


def test_labels_are_plain_words_and_formats_known() -> None:
    for key, (label, kind) in EVIDENCE_LABELS.items():
        assert kind in FORMATS, key
        assert label and label == label.strip() and "_" not in label, key
    assert evidence_label("val_size_for_1pt_change") == "validation rows needed to see a 1-point change"
    assert evidence_label("noise_rate_pct[pseudo]") == "wrong labels in source pseudo"
    assert format_evidence("noise_rate_pct[pseudo]", 12.5) == "12.5%"
    assert evidence_label("a_new_val_figure_pct") == "a new validation figure (%)"  # the fallback
    assert format_evidence("val_metric", float("nan")) == "—"
    assert format_evidence("val_metric", "n/a") == "n/a"


def test_terminal_report_shows_labels_not_raw_keys(real_diagnoses: list[Diagnosis]) -> None:
    diagnosis = real_diagnoses[0]
    top = diagnosis.top
    assert top is not None and top.cause == "small_validation_set"
    text = diagnosis.render(width=200)
    needed = top.evidence["val_size_for_1pt_change"]
    assert f"validation rows needed to see a 1-point change: {needed:,}" in text
    assert "val_size_for_1pt_change" not in text and "interval_method" not in text


def test_html_report_shows_labels_with_the_raw_key_beside(real_diagnoses: list[Diagnosis]) -> None:
    page = render_html(real_diagnoses[1])
    finding = next(f for f in real_diagnoses[1].findings if f.cause == "label_noise")
    rate = finding.evidence["noise_rate_pct"]
    assert 'estimated share of wrong training labels<br><span class="code">noise_rate_pct</span>' in page
    assert f'<td class="num">{rate:.4g}%</td>' in page


def test_a_key_without_label_falls_back_to_words_in_both_reports() -> None:
    finding = Finding("optimization", 0.9, "s", evidence={"fresh_val_ratio": np.float64(0.5)})
    diagnosis = Diagnosis([finding], [])
    assert "fresh validation ratio: 0.5" in diagnosis.render(width=200)
    assert "fresh validation ratio<br>" in render_html(diagnosis)


def test_a_key_two_payloads_of_one_cause_share_takes_the_label_of_its_findings_check() -> None:
    """``points_logged`` means "evaluations, all 0" in ``pipeline_bug.zero_loss`` and "training-loss points logged" in
    ``pipeline_bug.unbounded_loss``: the reports showed one label for both (a held-out real log's unbounded loss said
    "evaluations, all 0: 20" of a loss that was never 0)."""
    load_causes()
    assert evidence_label("points_logged", "pipeline_bug.unbounded_loss") == "training-loss points logged"
    assert evidence_label("points_logged", "pipeline_bug.zero_loss") == "evaluations, all 0"
    assert evidence_label("loss_first", "pipeline_bug.unbounded_loss") == "training loss at the first point"
    log = (
        Path(__file__).resolve().parents[1]
        / "data"
        / "real_logs_heldout79"
        / "keras_history_drone_rock_classification.csv"
    )
    diagnosis = gapdoctor.diagnose(history=log)
    assert diagnosis.top is not None and diagnosis.top.check == "pipeline_bug.unbounded_loss"
    text, page = diagnosis.render(), render_html(diagnosis)
    assert "training-loss points logged: 20" in text and "evaluations, all 0" not in text
    assert "training-loss points logged" in page and "evaluations, all 0" not in page
