"""The batch command: build writes a manifest, diagnose one JSON line per scenario, bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gapdoctor.bench.corpus.__main__ import main
from gapdoctor.bench.corpus.batch import FINDING_KEYS
from gapdoctor.bench.corpus.draws import draw_params
from gapdoctor.bench.corpus.generate import ATTEMPT_STRIDE, KINDS, causes_for_seed, first_draw_families
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT
from gapdoctor.bench.corpus.symptoms import OBSERVABLE
from tests.bench.corpus.conftest import cheap_seed


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_build_then_diagnose_from_the_cache(
    tmp_path: Path, corpus_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = cheap_seed("healthy")
    common = ["--n", "1", "--start", str(seed), "--cache", str(corpus_cache), "--models", "sklearn_mlp,logistic"]
    assert main(["build", *common, "--out", str(tmp_path / "manifest.jsonl")]) == 0
    (built,) = _lines(tmp_path / "manifest.jsonl")
    assert built["seed"] == seed and built["causes"] == [] and built["families"]["causes"] == "none"
    assert main(["diagnose", *common, "--out", str(tmp_path / "diagnoses.jsonl")]) == 0
    (line,) = _lines(tmp_path / "diagnoses.jsonl")
    assert line["cached"] is True  # read back, not rebuilt
    assert line["families"] == built["families"] and line["symptom_check"] == built["symptom_check"]
    assert line["status"] in ("diagnosed", "rejected")
    if line["status"] == "diagnosed":
        assert line["top"] is not None
        assert set(line["observed"]) == set(OBSERVABLE)  # type: ignore[arg-type]
        for finding in line["findings"]:  # type: ignore[attr-defined]
            assert tuple(finding) == (*FINDING_KEYS, "truth") and 0.0 <= finding["score"] <= 1.0
            # a healthy run injects nothing: a finding is right only where its symptom is observed
            observed = line["observed"][finding["cause"]]["observed"] if finding["cause"] in OBSERVABLE else False  # type: ignore[index]
            assert finding["truth"] == ("observed" if observed else "wrong")
    assert "1 scenarios" in capsys.readouterr().out
    assert main(["split", str(tmp_path / "diagnoses.jsonl"), "--hold-out", "dataset=wine,iris"]) == 0
    assert "report: " in capsys.readouterr().out


def test_reported_first_builds_only_the_seeds_drawn_on_a_held_out_family(
    tmp_path: Path, corpus_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = cheap_seed("healthy")
    models = ("sklearn_mlp", "logistic")
    held_out = DEFAULT_HELD_OUT["dataset"]
    assert first_draw_families(seed, models)["dataset"] in held_out
    calibration_side = next(
        s for s in range(seed + 1, seed + 200) if first_draw_families(s, models)["dataset"] not in held_out
    )
    common = ["--cache", str(corpus_cache), "--models", ",".join(models), "--reported-first"]
    out = tmp_path / "manifest.jsonl"
    assert main(["build", "--start", str(seed), "--n", "1", *common, "--out", str(out)]) == 0
    assert [line["seed"] for line in _lines(out)] == [seed]
    capsys.readouterr()
    assert main(["build", "--start", str(calibration_side), "--n", "1", *common, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gapdoctor: bad input: --reported-first") and "\n" not in err


def test_the_cnn_family_is_diagnosed_when_named_and_reported_on_as_a_held_out_model(
    tmp_path: Path, corpus_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    seed = next(s for s in range(KINDS.index("healthy"), 400, len(KINDS)) if _small_cnn_draw(s))
    out = tmp_path / "cnn.jsonl"
    argv = ["diagnose", "--n", "1", "--start", str(seed), "--cache", str(corpus_cache), "--models", "torch_cnn"]
    assert main([*argv, "--out", str(out)]) == 0
    (line,) = _lines(out)
    assert line["families"]["model"] == "torch_cnn" and line["params"]["model"] == "torch_cnn"  # type: ignore[index]
    capsys.readouterr()
    assert main(["split", str(out), "--hold-out", "model=torch_cnn"]) == 0
    assert f"report: {int(line['status'] == 'diagnosed')}" in capsys.readouterr().out


def _small_cnn_draw(seed: int) -> bool:
    params = draw_params(causes_for_seed(seed), seed * ATTEMPT_STRIDE, ("torch_cnn",))
    return params["dataset"] in ("wine", "iris") and params["train"]["epochs"] <= 60


def test_mnist1d_is_diagnosed_when_named_and_reported_on_as_a_held_out_data_set(
    tmp_path: Path, corpus_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("mnist1d")
    # a logistic regression on a label-shifted split: its fifth draw shows the symptom, in about 6 s
    seed = KINDS.index("distribution_shift") + len(KINDS)
    out = tmp_path / "mnist1d.jsonl"
    argv = ["diagnose", "--n", "1", "--start", str(seed), "--cache", str(corpus_cache), "--models", "logistic"]
    assert main([*argv, "--datasets", "mnist1d", "--out", str(out)]) == 0
    (line,) = _lines(out)
    assert line["families"]["dataset"] == "mnist1d" and line["params"]["dataset"] == "mnist1d"  # type: ignore[index]
    assert line["families"]["causes"] == "distribution_shift"  # type: ignore[index]
    capsys.readouterr()
    assert main(["split", str(out), "--hold-out", "dataset=mnist1d"]) == 0
    assert f"report: {int(line['status'] == 'diagnosed')}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--n", "0"],
        ["build", "--datasets", "cifar10"],
        ["build", "--jobs", "0"],
        ["build", "--models", "xgboost"],
        ["split", "no-such-file.jsonl"],
        ["split", __file__, "--hold-out", "dataset"],
        ["split", __file__],
    ],
)
def test_bad_input_exits_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gapdoctor: bad input: ") and "\n" not in err
    if "--models" in argv:  # the fix names every family, the opt-in CNN included
        assert "torch_mlp" in err and "torch_cnn" in err
    if "--datasets" in argv:  # ... and every data set, mnist1d included
        assert "synthetic_wide" in err and "mnist1d" in err
