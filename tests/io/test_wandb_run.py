"""Weights & Biases run files written by the real writer (wandb, offline: nothing leaves the machine), read natively.

Each run memorises random labels (validation cannot improve, the validation loss turns up as the
training loss falls): read back, the curves equal what was logged, and the verdict is overfitting
whatever the seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io import read_history
from gapdoctor.io.wandb_run import find_wandb_runs
from tests.helpers import lightning_classifier, run_cli

SEEDS = (0, 1, 2)
RUNS = Path(__file__).resolve().parents[1] / "data" / "wandb_runs"  # real run files (sources in its README)


@pytest.fixture
def offline_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    wandb = pytest.importorskip("wandb")
    monkeypatch.chdir(tmp_path)  # wandb/ where the script runs, as people commit it
    for name, value in {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    wandb.teardown()  # wandb keeps the settings of the process's first run (its folder): start afresh
    yield wandb
    wandb.teardown()


def _memorise(seed: int, log, epochs: int = 30) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    """A plain torch loop on random labels; ``log(values)`` once per batch and once per epoch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    X = torch.tensor(rng.normal(size=(192, 32)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 2, size=192))
    (X, Xv), (y, yv) = X.split(96), y.split(96)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    logged: dict[str, list[float]] = {"train/loss": [], "val/loss": [], "val/acc": []}
    for epoch in range(epochs):
        for batch in torch.randperm(len(X)).split(16):
            loss = torch.nn.functional.cross_entropy(net(X[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            log({"train/loss": loss.item()})
            logged["train/loss"].append(loss.item())
        with torch.no_grad():
            logits = net(Xv)
            values = {
                "val/loss": torch.nn.functional.cross_entropy(logits, yv).item(),
                "val/acc": (logits.argmax(1) == yv).float().mean().item(),
            }
        log({**values, "epoch": epoch})
        for name, value in values.items():
            logged[name].append(value)
    return logged


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_a_torch_loop_logged_with_wandb_log(offline_wandb, tmp_path: Path, seed: int) -> None:  # type: ignore[no-untyped-def]
    run = offline_wandb.init(project="memoriser", config={"seed": seed}, dir=str(tmp_path))
    logged = _memorise(seed, run.log)
    run.finish()
    offline_wandb.teardown()  # the service exits once the run file is written whole
    (run_file,) = find_wandb_runs(tmp_path)
    assert run_file.name.endswith(".wandb") and run_file.parent.parent.name == "wandb"
    for given in (tmp_path, tmp_path / "wandb", run_file.parent, run_file):
        history = read_history(given)
        assert history.epochs is not None and history.epochs.tolist() == [float(e) for e in range(1, 31)]
        assert np.allclose(history.get("val_loss"), logged["val/loss"], rtol=1e-12)
        assert np.allclose(history.get("val_accuracy"), logged["val/acc"], rtol=1e-12)
        per_epoch = np.array(logged["train/loss"]).reshape(30, -1).mean(axis=1)  # batches since the last evaluation
        assert np.allclose(history.get("train_loss"), per_epoch, rtol=1e-12)
        assert not any("end-of-run" in note for note in history.notes)  # the run's exit record was read
    diagnosis = gapdoctor.diagnose(history=tmp_path)
    assert diagnosis.top is not None and diagnosis.top.cause in {"overfitting", "label_noise"}, diagnosis.findings
    assert "overfitting" in {f.cause for f in diagnosis.reported}, diagnosis.findings


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_lightning_wandb_logger(offline_wandb, tmp_path: Path, seed: int) -> None:  # type: ignore[no-untyped-def]
    pl = pytest.importorskip("lightning.pytorch")
    loggers = pytest.importorskip("lightning.pytorch.loggers")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    X = torch.tensor(rng.normal(size=(192, 32)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 2, size=192))

    Memoriser = lightning_classifier((32, 128, 2), lambda params: torch.optim.Adam(params, lr=3e-3))

    torch.manual_seed(seed)
    data = torch.utils.data
    loader = data.DataLoader(data.TensorDataset(X[:96], y[:96]), batch_size=16, shuffle=True)
    val_loader = data.DataLoader(data.TensorDataset(X[96:], y[96:]), batch_size=32)
    trainer = pl.Trainer(
        max_epochs=30,
        accelerator="cpu",
        logger=loggers.WandbLogger(project="memoriser", save_dir=str(tmp_path)),
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        log_every_n_steps=2,
    )
    trainer.fit(Memoriser(), loader, val_loader)
    offline_wandb.finish()
    offline_wandb.teardown()  # the service exits once the run file is written whole
    history = read_history(tmp_path / "wandb")  # positions are the trainer's global step, epochs its epoch key
    assert history.steps is not None and history.steps.tolist() == [6.0 * k - 1 for k in range(1, 31)]  # 0-based
    assert history.epochs is not None and history.epochs.tolist() == [float(k) for k in range(1, 31)]
    assert history.has("val_accuracy") and history.train_loss_se is not None  # train_loss_step: batch noise
    diagnosis = gapdoctor.diagnose(history=tmp_path)
    assert diagnosis.top is not None and diagnosis.top.cause in {"overfitting", "label_noise"}, diagnosis.findings


def test_several_runs_are_listed_unless_latest_run_picks_one(offline_wandb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = []
    for seed in (0, 1):
        run = offline_wandb.init(project="memoriser", config={"seed": seed}, dir=str(tmp_path))
        ids.append(run.id)
        _memorise(seed, run.log, epochs=4)
        run.finish()
        offline_wandb.teardown()
    runs = find_wandb_runs(tmp_path)
    assert len(runs) == 2
    link = tmp_path / "wandb" / "latest-run"
    assert link.is_symlink() and link.resolve().name.endswith(ids[-1])  # wandb links the run it started last
    history = read_history(tmp_path / "wandb")
    assert any("latest-run links to (2 runs)" in note for note in history.notes)
    link.unlink()
    with pytest.raises(GapdoctorInputError, match="holds 2 W&B runs") as caught:
        read_history(tmp_path / "wandb")
    assert all(run.parent.name in str(caught.value) for run in runs)
    assert "point --history at one run folder" in str(caught.value)


def test_a_damaged_run_file_is_named_and_a_cut_one_read_to_its_last_whole_record(
    offline_wandb,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    run = offline_wandb.init(project="memoriser", dir=str(tmp_path))
    _memorise(0, run.log, epochs=6)
    run.finish()
    offline_wandb.teardown()  # the service exits once the run file is written whole
    (run_file,) = find_wandb_runs(tmp_path)
    data = run_file.read_bytes()
    cut = tmp_path / "cut.wandb"
    cut.write_bytes(data[: len(data) * 2 // 3])
    history = read_history(cut)
    assert 0 < history.n_points < 6 and any("was cut short" in note for note in history.notes)
    assert any("no end-of-run record" in note for note in history.notes)
    damaged = tmp_path / "damaged.wandb"
    damaged.write_bytes(data[:200] + bytes([data[200] ^ 0xFF]) + data[201:])
    with pytest.raises(GapdoctorInputError, match="damaged record at byte"):
        read_history(damaged)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_hf_trainer_reporting_to_wandb_reads_as_its_trainer_state(offline_wandb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)

    class Rows(torch.utils.data.Dataset):  # type: ignore[misc,type-arg]
        def __init__(self, n: int) -> None:
            self.x = torch.tensor(rng.normal(size=(n, 16)).astype(np.float32))
            self.y = torch.tensor(rng.integers(0, 2, size=n))

        def __len__(self) -> int:
            return len(self.y)

        def __getitem__(self, i: int) -> dict:  # type: ignore[type-arg]
            return {"x": self.x[i], "labels": self.y[i]}

    class Net(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))

        def forward(self, x, labels=None):  # type: ignore[no-untyped-def]
            logits = self.net(x)
            return {"loss": torch.nn.functional.cross_entropy(logits, labels), "logits": logits}

    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        num_train_epochs=8,
        per_device_train_batch_size=16,
        eval_strategy="epoch",
        logging_steps=2,
        report_to=["wandb"],
        use_cpu=True,
        save_strategy="no",
        disable_tqdm=True,
    )
    trainer = transformers.Trainer(model=Net(), args=args, train_dataset=Rows(96), eval_dataset=Rows(64))
    trainer.train()
    offline_wandb.finish()
    offline_wandb.teardown()  # the service exits once the run file is written whole
    state = trainer.state.log_history
    from_wandb = read_history(tmp_path / "wandb")
    evals = [e for e in state if "eval_loss" in e]
    assert from_wandb.steps is not None and from_wandb.steps.tolist() == [float(e["step"]) for e in evals]
    assert np.allclose(from_wandb.get("val_loss"), [e["eval_loss"] for e in evals], rtol=1e-6)
    assert from_wandb.epochs is not None and np.allclose(from_wandb.epochs, [e["epoch"] for e in evals])
    assert json.dumps(from_wandb.get("train_loss").tolist())  # type: ignore[union-attr]


def test_a_file_named_wandb_without_the_header_is_not_taken_for_a_run(tmp_path: Path) -> None:
    fake = tmp_path / "run-abc.wandb"
    fake.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,1.0\n")
    assert find_wandb_runs(tmp_path) == []
    assert read_history(fake).get("val_loss").tolist() == [1.1, 1.0]  # type: ignore[union-attr]


def test_an_older_wandb_run_keyed_by_name_and_cut_while_writing() -> None:
    """A run file of an older wandb (items keyed by field 1, not nested_key), committed while the run was writing."""
    history = read_history(RUNS / "wandb_supervised_attention_routing.wandb")
    assert history.n_points > 4000 and history.get("train_loss") is not None
    assert "val_avg_cost" in history.ignored  # read, named, but not a metric gapdoctor knows (a routing cost)
    assert any("was cut short" in note for note in history.notes)
    report = gapdoctor.diagnose(
        history=RUNS / "wandb_supervised_attention_routing.wandb", metric="avg_cost", higher_is_better=False
    )
    assert report.judged  # with the metric named (lower is better), the curve is read


def test_real_runs_without_a_training_curve_are_not_judged_healthy() -> None:
    """A Lightning run of validation only and an HF run of ``trainer.evaluate`` only: nothing to judge."""
    for name in ("wandb_unitraj_poly.wandb", "wandb_fedner.wandb"):
        report = gapdoctor.diagnose(history=RUNS / name)
        assert not report.judged and not report.healthy, name
    assert read_history(RUNS / "wandb_fedner.wandb").test["test_loss"] > 0  # Trainer.evaluate(metric_key_prefix="test")


def test_a_run_of_names_gapdoctor_does_not_know_is_refused_naming_them() -> None:
    with pytest.raises(GapdoctorInputError, match="covar_val_score"):
        read_history(RUNS / "wandb_genomen.wandb")


def test_the_cli_refuses_several_runs_and_a_damaged_run_file_in_one_line(tmp_path: Path) -> None:
    for name, source in (("run-20240101_000000-aaaa", "wandb_fedner"), ("run-20240102_000000-bbbb", "wandb_genomen")):
        (tmp_path / "wandb" / name).mkdir(parents=True)
        (tmp_path / "wandb" / name / f"run-{name[-4:]}.wandb").write_bytes((RUNS / f"{source}.wandb").read_bytes())
    data = (RUNS / "wandb_genomen.wandb").read_bytes()
    (tmp_path / "damaged.wandb").write_bytes(data[:300] + bytes([data[300] ^ 0xFF]) + data[301:])
    for given, says in ((tmp_path / "wandb", "holds 2 W&B runs"), (tmp_path / "damaged.wandb", "damaged record")):
        done = run_cli("diagnose", "--history", str(given))
        assert done.returncode == 2 and says in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_one_series_per_call_each_epoch_is_one_point(offline_wandb, tmp_path: Path, seed: int) -> None:  # type: ignore[no-untyped-def]
    """An early YOLOv5 logger called ``wandb.log({key: value})`` once per series each epoch: W&B gives every call its
    own step, so each series sat at its own steps and no two met on a row (no summed loss, no point with both curves).
    Each round of calls is now one point. A real torch loop logged so through the real wandb library, offline."""
    run = offline_wandb.init(project="one-key-calls", config={"seed": seed}, dir=str(tmp_path))
    batches: list[float] = []

    def log(values: dict[str, float]) -> None:
        if "epoch" not in values:
            batches.append(values["train/loss"])
            return
        for name, value in {"train/loss": float(np.mean(batches)), **values}.items():
            if name != "epoch":
                run.log({name: value})
        batches.clear()

    logged = _memorise(seed, log)
    run.finish()
    offline_wandb.teardown()
    history = read_history(tmp_path)
    assert history.n_points == 30
    assert np.allclose(history.get("val_loss"), logged["val/loss"], rtol=1e-12)
    assert np.allclose(history.get("train_loss"), np.array(logged["train/loss"]).reshape(30, -1).mean(axis=1))
    assert any("one series per wandb.log call" in note for note in history.notes)
    diagnosis = gapdoctor.diagnose(history=tmp_path)
    assert "overfitting" in {f.cause for f in diagnosis.reported}, diagnosis.findings


def test_a_real_early_yolov5_run_logging_one_series_per_call() -> None:
    """Held-out set 179's YOLOv5 run (2020): 13 series, each in a call of its own, 5 epochs. Before, its loss terms
    never met on a row (no loss was read) and it was not judged; now 5 points, a flat summed loss and every detection
    metric 0: the model learnt nothing (optimization, as labelled)."""
    path = Path(__file__).resolve().parents[1] / "data" / "real_logs_heldout179" / "wandb_mobileautomatedtesting.wandb"
    history = read_history(path)
    assert history.n_points == 5 and history.get("train_loss") is not None
    assert history.get("val_map") is not None and not np.any(history.get("val_map"))
    top = gapdoctor.diagnose(history=path).top
    assert top is not None and top.cause == "optimization" and not top.weak
