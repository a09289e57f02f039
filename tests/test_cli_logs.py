"""End to end through the command line: diagnose --history <any log> [--map], runs, show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.io.store import STORE_ENV_VAR, RunStore

SRC = str(Path(gapdoctor.__file__).resolve().parents[1])
N_EPOCHS = 30


def gapdoctor_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != STORE_ENV_VAR}
    environment.update({"PYTHONPATH": SRC, "OMP_NUM_THREADS": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "gapdoctor", *args], capture_output=True, text=True, env=environment, timeout=120
    )


def overfitting_curves() -> dict[str, np.ndarray]:
    e = np.arange(N_EPOCHS, dtype=float)
    rng = np.random.default_rng(0)
    return {
        "train_loss": 1.2 * np.exp(-e / 6) + 0.02 + rng.normal(0, 0.005, N_EPOCHS),
        "val_loss": 0.55 + 0.0025 * (e - 10) ** 2 + rng.normal(0, 0.005, N_EPOCHS),
        "val_accuracy": 0.85 - 0.001 * np.abs(e - 10) + rng.normal(0, 0.003, N_EPOCHS),
    }


def test_diagnose_a_tensorboard_directory(tmp_path: Path) -> None:
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    writer = tensorboard.SummaryWriter(str(tmp_path / "tb"))
    curves = overfitting_curves()
    for epoch in range(N_EPOCHS):
        writer.add_scalar("Loss/train", curves["train_loss"][epoch], epoch)
        writer.add_scalar("Loss/valid", curves["val_loss"][epoch], epoch)
        writer.add_scalar("Accuracy/valid", curves["val_accuracy"][epoch], epoch)
    writer.close()
    result = gapdoctor_cli("diagnose", "--history", str(tmp_path / "tb"), "--json", str(tmp_path / "d.json"))
    assert result.returncode == 1, result.stderr
    assert json.loads((tmp_path / "d.json").read_text())["findings"][0]["cause"] == "overfitting"


def test_diagnose_with_map_renames_series(tmp_path: Path) -> None:
    curves = overfitting_curves()
    log = tmp_path / "log.csv"
    lines = ["epoch,loss,objective,score"]
    lines += [f"{e},{curves['train_loss'][e]},{curves['val_loss'][e]},{curves['val_accuracy'][e]}" for e in range(30)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")

    out = tmp_path / "mapped.json"
    maps = ["--map", "objective=val_loss", "--map", "score=val_accuracy"]  # unmapped, only "loss" is understood
    mapped = gapdoctor_cli("diagnose", "--history", str(log), *maps, "--json", str(out))
    assert mapped.returncode == 1, mapped.stderr
    content = json.loads(out.read_text())
    assert set(content["curves"]) == {"train_loss", "val_loss", "val_accuracy"}
    assert content["findings"][0]["cause"] == "overfitting"


def test_bad_map_and_truncated_log_exit_2_naming_the_culprit(tmp_path: Path) -> None:
    log = tmp_path / "metrics.csv"
    log.write_text("epoch,step,train_loss,val_loss\n0,9,0.9,1.0\n1,19,0.8", encoding="utf-8")
    truncated = gapdoctor_cli("diagnose", "--history", str(log))
    assert truncated.returncode == 2
    assert str(log) in truncated.stderr and "1 rows were readable" in truncated.stderr

    bad_map = gapdoctor_cli("diagnose", "--history", str(log), "--map", "train_loss")
    assert bad_map.returncode == 2 and "--map: 'train_loss' is not OLD=NEW" in bad_map.stderr

    prose = tmp_path / "train.log"  # a console log of no writer gapdoctor reads: said so, one line, exit 2
    prose.write_text("Seeding training.\nepoch 0 iter 50: loss = 6.4,  smooth loss = 7.9\n", encoding="utf-8")
    unread = gapdoctor_cli("diagnose", "--history", str(prose))
    assert unread.returncode == 2 and "holds no training output gapdoctor recognises" in unread.stderr
    assert "Traceback" not in unread.stderr and len(unread.stderr.strip().splitlines()) == 1


def test_runs_and_show(tmp_path: Path) -> None:
    store_path = tmp_path / "store" / "runs.sqlite"
    curves = overfitting_curves()
    with RunStore(store_path) as store:
        diagnosed = store.start_run("overfit-mlp", {"lr": 0.1})
        plain = store.start_run("not-diagnosed")
        for epoch in range(N_EPOCHS):
            values = {name: float(v[epoch]) for name, v in curves.items()}
            store.log_epoch(diagnosed, epoch, values)
            store.log_epoch(plain, epoch, values)
        diagnosis = gapdoctor.diagnose(history=store.history(diagnosed))
        store.save_diagnosis(diagnosed, diagnosis)

    listing = gapdoctor_cli("runs", "--store", str(store_path))
    assert listing.returncode == 0, listing.stderr
    rows = [line.split() for line in listing.stdout.splitlines()[1:]]
    assert rows[0][:2] == [str(diagnosed), "overfit-mlp"] and rows[0][3:5] == [str(N_EPOCHS), "overfitting"]
    assert rows[1][:2] == [str(plain), "not-diagnosed"] and rows[1][-1] == "-"

    out_json, out_html = tmp_path / "show.json", tmp_path / "show.html"
    shown = gapdoctor_cli(
        "show",
        str(diagnosed),
        "--json",
        str(out_json),
        "--html",
        str(out_html),
        env={
            STORE_ENV_VAR: str(store_path)  # the store found through the environment variable
        },
    )
    assert shown.returncode == 1, shown.stderr
    assert diagnosis.verdict() in shown.stdout
    assert json.loads(out_json.read_text())["findings"] == diagnosis.to_dict()["findings"]
    assert out_html.stat().st_size > 1000

    by_name = gapdoctor_cli("show", "not-diagnosed", "--store", str(store_path))
    assert by_name.returncode == 1, by_name.stderr
    assert "No diagnosis was saved" in by_name.stdout and "overfitting" in by_name.stdout.lower()

    unknown = gapdoctor_cli("show", "nope", "--store", str(store_path))
    assert unknown.returncode == 2 and "RUN: no run 'nope'" in unknown.stderr


def test_runs_without_a_store_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    result = gapdoctor_cli("runs", "--store", str(missing))
    assert result.returncode == 0 and "No runs recorded" in result.stdout
    assert not missing.exists()
    shown = gapdoctor_cli("show", "1", "--store", str(missing))
    assert shown.returncode == 2 and "--store: no run store" in shown.stderr


def test_metric_of_ones_own_with_its_direction_from_the_command_line(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    rows = ["epoch,loss,val_my_error"]
    for e, (loss, error) in enumerate(
        zip(
            [2.0, 1.5, 1.1, 0.8, 0.6, 0.45, 0.33, 0.25, 0.19, 0.15],
            [0.6, 0.4, 0.28, 0.2, 0.22, 0.26, 0.3, 0.33, 0.36, 0.4],
            strict=True,
        )
    ):
        rows.append(f"{e},{loss},{error}")
    log.write_text("\n".join(rows) + "\n")
    out = tmp_path / "d.json"
    result = gapdoctor_cli(
        "diagnose", "--history", str(log), "--metric", "my_error", "--lower-is-better", "--json", str(out)
    )
    assert result.returncode == 1, result.stderr
    content = json.loads(out.read_text())
    assert content["findings"][0]["cause"] == "overfitting"
    assert content["findings"][0]["evidence"]["metric"] == "my_error"
    refused = gapdoctor_cli("diagnose", "--history", str(log), "--metric", "my_error")
    assert refused.returncode == 2 and "higher_is_better" in refused.stderr + refused.stdout


def test_unknown_series_are_listed_in_the_terminal_and_one_can_be_used_with_its_direction(tmp_path: Path) -> None:
    """A log with a metric gapdoctor does not know: the terminal names it; --higher-is-better puts it to use."""
    log = tmp_path / "log.csv"
    rows = ["epoch,loss,val_my_score"]
    losses = [2.0, 1.5, 1.1, 0.8, 0.6, 0.45, 0.33, 0.25, 0.19, 0.15]
    scores = [0.4, 0.6, 0.72, 0.8, 0.78, 0.74, 0.7, 0.67, 0.64, 0.6]
    for e, (loss, score) in enumerate(zip(losses, scores, strict=True)):
        rows.append(f"{e},{loss},{score}")
    log.write_text("\n".join(rows) + "\n")
    plain = gapdoctor_cli("diagnose", "--history", str(log))
    assert plain.returncode in (1, 3), plain.stderr
    listed = next(line for line in plain.stdout.splitlines() if "not understood" in line)
    assert "val_my_score" in listed and "--higher-is-better" in plain.stdout
    out = tmp_path / "d.json"
    used = gapdoctor_cli(
        "diagnose", "--history", str(log), "--metric", "my_score", "--higher-is-better", "--json", str(out)
    )
    assert used.returncode == 1, used.stderr
    top = json.loads(out.read_text())["findings"][0]
    assert top["cause"] == "overfitting" and top["evidence"]["metric"] == "my_score"
    assert top["evidence"]["val_metric_best"] == pytest.approx(0.78, abs=0.03)  # the peak, read as higher-is-better
    assert not [line for line in used.stdout.splitlines() if "not understood" in line and "val_my_score" in line]


def test_a_real_log_with_no_series_gapdoctor_knows_exits_2_with_one_line() -> None:
    """A real GAN log (generator and discriminator losses only, second held-out set): bad input, not a traceback."""
    log = Path(__file__).resolve().parent / "data" / "real_logs_heldout2" / "other_gan1202_gen_disc_loss.csv"
    refused = gapdoctor_cli("diagnose", "--history", str(log))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "holds no series gapdoctor can read (ignored: Batch, Gen Loss, Disc Loss)" in lines[0]


def test_a_json_object_of_no_readable_shape_exits_2_on_one_line(tmp_path: Path) -> None:
    """The JSON shapes a loop saves are read (inputs/history_shapes.py); an object holding none says which entry is
    not a series, one line, exit 2."""
    log = tmp_path / "history.json"
    log.write_text(json.dumps({"model": "resnet", "params": {"epochs": 3, "lr": 0.01}}), encoding="utf-8")
    refused = gapdoctor_cli("diagnose", "--history", str(log))
    assert refused.returncode == 2 and "entry 'model' is not a list of values" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
