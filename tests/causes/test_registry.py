"""The registry contract: every check on tiny inputs returns only its own cause, scores in [0, 1],
and is skipped with a reason when its inputs are absent; a broken check is recorded, not raised."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.registry import REGISTRY, all_checks, get_check, register
from gapdoctor.engine import run_checks
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import build_evidence


def _tiny_inputs() -> dict[str, object]:
    rng = np.random.default_rng(0)
    n, k = 60, 3
    y_train, y_val = rng.integers(0, k, n), rng.integers(0, k, n)
    return {
        "history": {
            "train_loss": np.linspace(1.0, 0.1, 12),
            "val_loss": np.r_[np.linspace(1.0, 0.6, 6), np.linspace(0.62, 0.9, 6)],
            "val_accuracy": np.r_[np.linspace(0.3, 0.6, 6), np.full(6, 0.6)],
            "lr": np.full(12, 1e-3),
        },
        "X_train": rng.normal(size=(n, 4)),
        "y_train": y_train,
        "X_val": rng.normal(size=(n, 4)),
        "y_val": y_val,
        "train_probs": rng.dirichlet(np.ones(k), size=n),
        "val_probs": rng.dirichlet(np.ones(k), size=n),
        "groups_val": rng.choice(["a", "b"], size=n),
        "groups_train": rng.choice(["a", "b"], size=n),
        "sources_train": rng.choice(["human", "pseudo"], size=n),
    }


@pytest.mark.parametrize("name", sorted(c.name for c in all_checks()))
def test_every_check_keeps_to_its_cause_and_score_range(name: str) -> None:
    check = get_check(name)
    evidence = build_evidence(**_tiny_inputs())  # type: ignore[arg-type]
    diagnosis = run_checks(evidence, [check])
    (run,) = diagnosis.checks
    assert run.status in {"ran", "skipped"}, run.reason
    for finding in diagnosis.findings:
        assert finding.cause == check.cause
        assert 0.0 <= finding.score <= 1.0


@pytest.mark.parametrize("name", sorted(c.name for c in all_checks()))
def test_every_check_is_skipped_with_a_reason_without_inputs(name: str) -> None:
    diagnosis = run_checks(build_evidence(), [get_check(name)])
    (run,) = diagnosis.checks
    assert run.status == "skipped" and run.reason


def test_every_cause_in_the_registry_is_in_the_vocabulary() -> None:
    assert {c.cause for c in all_checks()} <= set(gapdoctor.CAUSES)


def test_unknown_check_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="registered checks"):
        get_check("no.such.check")


def test_register_rejects_unknown_cause() -> None:
    with pytest.raises(ValueError, match="unknown cause"):
        register(name="x", cause="bad_luck")


@pytest.fixture
def broken_checks() -> Iterator[None]:
    @register(name="overfitting.broken", cause="overfitting", requires=("history",))
    def broken(evidence: object) -> list[Finding]:
        raise RuntimeError("boom")

    @register(name="overfitting.wrong_cause", cause="overfitting", requires=("history",))
    def wrong(evidence: object) -> list[Finding]:
        return [Finding(cause="label_noise", score=0.9, summary="not mine")]

    yield
    del REGISTRY["overfitting.broken"], REGISTRY["overfitting.wrong_cause"]


def test_a_check_that_raises_is_recorded_and_the_others_still_run(broken_checks: None) -> None:
    diagnosis = gapdoctor.diagnose(history=_tiny_inputs()["history"])
    status = {c.name: c for c in diagnosis.checks}
    assert status["overfitting.broken"].status == "errored"
    assert "RuntimeError: boom" in status["overfitting.broken"].reason
    assert status["overfitting.wrong_cause"].status == "errored"
    assert "label_noise" in status["overfitting.wrong_cause"].reason
    assert status["overfitting.curves"].status == "ran"
    assert all(f.cause != "label_noise" for f in diagnosis.findings)
    assert "errored" in diagnosis.render()


@pytest.fixture
def warning_check() -> Iterator[None]:
    @register(name="overfitting.warns", cause="overfitting", requires=("history",))
    def warns(evidence: object) -> list[Finding]:
        np.log(np.zeros(1))  # RuntimeWarning: divide by zero
        return []

    yield
    del REGISTRY["overfitting.warns"]


def test_a_warning_inside_a_check_stays_out_of_the_callers_program(warning_check: None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning reaching the caller would raise here
        diagnosis = gapdoctor.diagnose(history=_tiny_inputs()["history"])
    run = next(c for c in diagnosis.checks if c.name == "overfitting.warns")
    assert run.status == "ran"
    assert len(run.warnings) == 1 and run.warnings[0].startswith("RuntimeWarning: divide by zero")
    assert run.to_dict()["warnings"] == list(run.warnings)
    assert "warnings" not in next(c for c in diagnosis.checks if c.name == "overfitting.curves").to_dict()
