"""diagnose() of Dask inputs against the in-memory path on the same data (gapdoctor.scale.reading)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

import gapdoctor  # noqa: E402
from gapdoctor.causes.label_noise.confident_learning import find_label_issues  # noqa: E402
from gapdoctor.inputs.evidence import build_evidence  # noqa: E402
from gapdoctor.scale import reading  # noqa: E402
from tests.scale.faulty_data import COPIES, N_TRAIN, as_dask_arrays, faulty_data  # noqa: E402


@pytest.fixture(autouse=True)
def _synchronous() -> Any:
    with dask.config.set(scheduler="synchronous"):
        yield


def _without_dask_figures(diagnosis: gapdoctor.Diagnosis) -> dict[str, Any]:
    out = diagnosis.to_dict()
    out["inputs"].pop("dask")
    out["notes"] = [n for n in out["notes"] if not n.startswith("Dask")]
    for finding in out["findings"]:
        finding["evidence"] = {k: v for k, v in finding["evidence"].items() if not k.endswith("_all_rows")}
    for run in out["checks"]:
        run.pop("seconds", None)
    return out


def _plain(diagnosis: gapdoctor.Diagnosis) -> dict[str, Any]:
    out = diagnosis.to_dict()
    for run in out["checks"]:
        run.pop("seconds", None)
    return out


def test_a_split_that_fits_gives_the_in_memory_diagnosis_exactly() -> None:
    data = faulty_data()
    numpy_args = {k: v for k, v in data.items() if k != "flipped"}
    in_memory = gapdoctor.diagnose(**numpy_args)
    through_dask = gapdoctor.diagnose(**as_dask_arrays(data, 700))  # 6 + 3 partitions, the last ones short
    train = through_dask.inputs["dask"]["splits"]["train"]
    assert train == {"rows": 4000, "partitions": 6, "rows_read_by_checks": 4000}
    # the fixture's faults are all found (label noise weak: its synthetic probabilities are under-confident)
    assert in_memory.findings[0].cause == "distribution_shift"
    assert {"label_noise", "preprocessing_leakage"} <= {f.cause for f in in_memory.findings}
    assert _without_dask_figures(through_dask) == _plain(in_memory)


def test_merged_figures_equal_the_in_memory_computation_when_the_checks_read_a_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reading, "SAMPLE_ROWS", 1_500)
    data = faulty_data()
    diagnosis = gapdoctor.diagnose(**as_dask_arrays(data, 450))
    exact = diagnosis.inputs["dask"]["exact"]

    evidence = build_evidence(**{k: v for k, v in data.items() if k != "flipped"})
    issues = find_label_issues(evidence.y_train, evidence.train_probs)
    assert exact["label_noise"]["noise_rate_all_rows"] == round(issues.noise_rate, 6)
    low, high = issues.noise_rate_interval()
    assert exact["label_noise"]["noise_rate_interval_all_rows"] == [round(low, 6), round(high, 6)]

    train_rows = {row.tobytes() for row in data["X_train"]}
    copied = sum(row.tobytes() in train_rows for row in data["X_val"])
    assert copied == COPIES
    assert exact["preprocessing_leakage"]["val_rows_copied_from_train_all_rows"] == COPIES
    assert exact["preprocessing_leakage"]["train_rows_copied_into_val_all_rows"] == COPIES

    Xt, Xv = data["X_train"], data["X_val"]
    shift = np.abs(Xv.mean(0) - Xt.mean(0)) / np.sqrt((Xt.std(0) ** 2 + Xv.std(0) ** 2) / 2)
    assert exact["distribution_shift"]["largest_mean_shift_feature_all_rows"] == "x0"
    assert exact["distribution_shift"]["largest_mean_shift_sd_all_rows"] == pytest.approx(shift.max(), abs=1e-6)
    predicted = data["val_probs"].argmax(1)
    accuracy = float((predicted == data["y_val"]).mean())
    assert exact["metric_mismatch"]["val_accuracy_all_rows"] == round(accuracy, 6)
    by_group = {g: float((predicted == data["y_val"])[data["groups_val"] == g].mean()) for g in "abc"}
    worst = min(by_group, key=by_group.__getitem__)
    assert exact["subgroup_failure"]["worst_group_all_rows"] == worst
    assert exact["subgroup_failure"]["worst_group_accuracy_all_rows"] == round(by_group[worst], 6)


def test_a_sampled_split_is_stated_and_its_flagged_rows_are_numbered_in_the_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reading, "SAMPLE_ROWS", 1_500)
    data = faulty_data()
    diagnosis = gapdoctor.diagnose(**as_dask_arrays(data, 450))
    statement = "Dask: uniform sample of 1,500 of 4,000 train rows"
    runs = {run.name: run for run in diagnosis.checks}
    assert statement in runs["label_noise.confident_learning"].note
    assert "val rows" not in runs["label_noise.confident_learning"].note  # the validation split fits: read whole
    assert "Dask" not in runs["overfitting.curves"].note  # reads no rows
    label = next(f for f in diagnosis.findings if f.cause == "label_noise")
    assert statement in label.evidence["sampling"]
    assert label.rows is not None and max(label.rows) >= 1_500  # numbered in the split, not in the sample
    flagged = set(label.rows)
    assert len(flagged & set(data["flipped"].tolist())) / len(flagged) > 0.7  # mostly the rows really flipped
    assert diagnosis.top is not None and diagnosis.top.cause in {"distribution_shift", "label_noise"}
    assert "label_noise" in {f.cause for f in diagnosis.findings}


def test_dask_dataframes_with_string_labels_match_pandas_in_memory() -> None:
    data = faulty_data(seed=1)
    names = np.array(["cat", "dog", "eel"])
    columns = [f"f{j}" for j in range(8)]
    train = pd.DataFrame(data["X_train"], columns=columns).assign(label=names[data["y_train"]])
    val = pd.DataFrame(data["X_val"], columns=columns).assign(label=names[data["y_val"]])
    probs_t = pd.DataFrame(data["train_probs"], columns=["pc", "pd", "pe"])
    in_memory = gapdoctor.diagnose(
        X_train=train[columns], y_train=train["label"], train_probs=probs_t, X_val=val[columns], y_val=val["label"]
    )
    lazy_train = dd.from_pandas(train, npartitions=4)
    lazy_val = dd.from_pandas(val, npartitions=3)
    through_dask = gapdoctor.diagnose(
        X_train=lazy_train[columns],
        y_train=lazy_train["label"],
        train_probs=dd.from_pandas(probs_t, npartitions=4),
        X_val=lazy_val[columns],
        y_val=lazy_val["label"],
    )
    assert _without_dask_figures(through_dask) == _plain(in_memory)
    assert through_dask.inputs["dask"]["splits"]["train"]["partitions"] == 4
    shift = through_dask.inputs["dask"]["exact"]["distribution_shift"]
    assert shift["largest_mean_shift_feature_all_rows"] == "f0"  # the DataFrame's own column names


def test_numpy_arguments_beside_dask_ones_are_cut_into_the_same_partitions() -> None:
    data = faulty_data()
    lazy = as_dask_arrays(data, 1_000)
    mixed = {**lazy, "train_probs": data["train_probs"], "groups_val": data["groups_val"]}
    diagnosis = gapdoctor.diagnose(**mixed)
    assert (
        diagnosis.inputs["dask"]["exact"]["label_noise"]
        == gapdoctor.diagnose(**lazy).inputs["dask"]["exact"]["label_noise"]
    )


def test_partitions_that_do_not_line_up_are_bad_input() -> None:
    data = faulty_data()
    lazy = as_dask_arrays(data, 1_000)
    frame = dd.from_pandas(pd.Series(data["y_train"]), npartitions=3)
    with pytest.raises(gapdoctor.GapdoctorInputError, match="different numbers of partitions"):
        gapdoctor.diagnose(X_train=lazy["X_train"], y_train=frame, train_probs=lazy["train_probs"])


def test_logits_in_dask_probabilities_are_bad_input_naming_the_argument() -> None:
    data = faulty_data()
    lazy = as_dask_arrays(data, 1_000)
    with pytest.raises(gapdoctor.GapdoctorInputError, match="train_probs: holds values outside"):
        gapdoctor.diagnose(y_train=lazy["y_train"], train_probs=lazy["train_probs"] * 3 - 1)


def test_the_in_memory_sample_is_the_budget_sample_of_the_whole_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "SAMPLE_ROWS", 1_000)
    data = faulty_data()
    scaled = reading.read_partitioned(as_dask_arrays(data, 333))
    rows = scaled.exact.splits["train"].sample
    assert len(rows) == 1_000 and rows.max() < N_TRAIN
    np.testing.assert_array_equal(scaled.arguments["X_train"], data["X_train"][rows])
    np.testing.assert_array_equal(scaled.arguments["y_train"], data["y_train"][rows])


def test_the_flagged_rows_over_every_partition_are_those_of_the_in_memory_pass() -> None:
    data = faulty_data(seed=2)
    rng = np.random.default_rng(2)
    sources = np.where(rng.random(N_TRAIN) < 0.3, "pseudo", "human")
    lazy = {**as_dask_arrays(data, 450), "sources_train": da_from(sources, 450)}
    scaled = reading.read_partitioned(lazy, sample_rows=1_000)
    flags = scaled.exact.flags
    assert flags is not None
    evidence = build_evidence(y_train=data["y_train"], train_probs=data["train_probs"], y_val=data["y_val"])
    issues = find_label_issues(evidence.y_train, evidence.train_probs)
    np.testing.assert_array_equal(flags.rows, issues.rows)  # the same rows, in the same order
    np.testing.assert_array_equal(flags.suggested, issues.suggested)
    figures = scaled.exact.values
    assert figures["label_noise"]["flagged_rows_all_rows"] == len(issues.rows)
    flagged = np.zeros(N_TRAIN, dtype=bool)
    flagged[issues.rows] = True
    rates = {s: round(float(flagged[sources == s].mean()), 6) for s in ("human", "pseudo")}
    assert figures["pseudo_label_noise"]["flag_rate_by_source_all_rows"] == rates
    assert figures["pseudo_label_noise"]["rows_by_source_all_rows"] == {
        s: int((sources == s).sum()) for s in ("human", "pseudo")
    }


def da_from(values: np.ndarray, rows_per_chunk: int) -> Any:
    import dask.array as da

    return da.from_array(values, chunks=rows_per_chunk)
