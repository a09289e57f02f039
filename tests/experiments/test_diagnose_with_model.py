"""diagnose(..., model=...) end to end: probabilities completed, experiments run, train functions."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split

import gapdoctor
from gapdoctor.experiments import ExperimentSettings, prepare_lab
from gapdoctor.inputs.evidence import build_evidence
from tests.experiments.experiment_helpers import FAST, flip_labels, logistic
from tests.seeds import SEEDS


def _split(n_train: int = 300) -> dict[str, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=n_train, stratify=y, random_state=0)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def test_missing_probabilities_are_computed_out_of_fold(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default cache directory is relative to the working directory
    data = _split()
    lab = prepare_lab(build_evidence(model=logistic(), **data), FAST)
    assert lab.computed == ("train_probs", "val_probs")
    ev = lab.evidence
    assert ev.train_probs is not None and ev.train_probs.shape == (300, 10)
    assert ev.val_probs is not None and ev.val_probs.shape == (len(data["y_val"]), 10)
    in_sample = logistic().fit(data["X_train"], data["y_train"]).predict_proba(data["X_train"])
    oof_accuracy = float(np.mean(ev.train_probs.argmax(1) == ev.y_train))
    # out-of-fold predictions are honest: worse than in-sample ones, close to validation
    assert oof_accuracy < float(np.mean(in_sample.argmax(1) == ev.y_train))
    assert abs(oof_accuracy - float(np.mean(ev.val_probs.argmax(1) == ev.y_val))) < 0.06

    diagnosis = gapdoctor.diagnose(**data, model=logistic(), experiments=False)
    assert diagnosis.inputs["train_probs"] == [300, 10]
    assert any(n.startswith("computed from the model: train_probs (out of fold") for n in diagnosis.notes)
    assert list((tmp_path / ".gapdoctor-cache").glob("*.npz"))  # cached by default, as npz


class TorchMLP:
    """A PyTorch training loop wrapped as a gapdoctor train function; records its curves."""

    def __init__(self, epochs: int = 80) -> None:
        self.epochs = epochs
        self.calls = 0

    def fit(
        self, X: np.ndarray, y: np.ndarray, config: dict[str, Any], X_val: Any = None, y_val: Any = None
    ) -> tuple[Any, dict[str, list[float]]]:
        self.calls += 1
        torch.manual_seed(config.get("seed", 0))
        scale = lambda A: torch.tensor(A / 16.0, dtype=torch.float32)  # noqa: E731  (digits pixels are 0..16)
        net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
        optimiser = torch.optim.Adam(net.parameters(), lr=1e-2)
        weights = config.get("sample_weight")
        w = torch.ones(len(y)) if weights is None else torch.tensor(weights, dtype=torch.float32)
        Xt, yt = scale(X), torch.tensor(y)
        history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
        for _ in range(int(config.get("max_epochs", self.epochs))):
            optimiser.zero_grad()
            loss = (torch.nn.functional.cross_entropy(net(Xt), yt, reduction="none") * w).mean()
            loss.backward()
            optimiser.step()
            if X_val is not None:
                with torch.no_grad():
                    history["train_loss"].append(float(loss))
                    val = torch.nn.functional.cross_entropy(net(scale(X_val)), torch.tensor(y_val))
                    history["val_loss"].append(float(val))

        def predict_proba(X_new: np.ndarray) -> Any:
            with torch.no_grad():
                return torch.softmax(net(scale(X_new)), dim=1)

        return predict_proba, history

    def __call__(self, X: np.ndarray, y: np.ndarray, *, config: dict[str, Any]) -> Any:
        return self.fit(X, y, config)[0]


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def memorising_run(request: pytest.FixtureRequest) -> tuple[dict[str, np.ndarray], dict[str, list[float]]]:
    """A real torch run on digits with 30% flipped labels: the net memorises, validation loss turns up.
    One run per seed in tests/seeds.py (the flipped rows and the net's initialisation)."""
    seed = request.param
    data = _split()
    data["y_train"], _ = flip_labels(data["y_train"], 0.3, 10, seed=seed)
    config = {"seed": seed}
    _, history = TorchMLP(epochs=100).fit(data["X_train"], data["y_train"], config, data["X_val"], data["y_val"])
    return data, history


def test_train_function_early_stopping_confirms_overfitting(
    memorising_run: tuple[dict[str, np.ndarray], dict[str, list[float]]],
) -> None:
    data, history = memorising_run
    settings = ExperimentSettings(cache_dir=None, progress=False, n_bootstrap=200)
    diagnosis = gapdoctor.diagnose(
        history=history, **data, model=TorchMLP(epochs=100), metric="log_loss", experiments=settings
    )
    # 30% flipped labels: label noise is the root cause and ranks first; the overfitting it
    # causes is confirmed by early stopping all the same
    assert diagnosis.top is not None and diagnosis.top.cause == "label_noise"
    top = next(f for f in diagnosis.findings if f.cause == "overfitting")
    experiment = top.experiment
    assert experiment is not None, diagnosis.notes
    assert experiment["intervention"] == f"early stopping at epoch {top.evidence['best_epoch']} (config['max_epochs'])"
    assert experiment["verdict"] == "confirmed"
    assert experiment["interval"][1] < experiment["before"]  # log loss: lower is better
    assert "CONFIRMED" in diagnosis.render()


def test_results_are_cached_and_not_retrained(
    tmp_path: Any, memorising_run: tuple[dict[str, np.ndarray], dict[str, list[float]]]
) -> None:
    data, history = memorising_run
    train = TorchMLP(epochs=100)
    settings = ExperimentSettings(cache_dir=tmp_path, progress=False, n_bootstrap=100)

    def run() -> gapdoctor.Diagnosis:
        return gapdoctor.diagnose(history=history, **data, model=train, metric="log_loss", experiments=settings)

    first = run()
    calls = train.calls
    experimented = [f for f in first.findings if f.experiment is not None]
    fits = sum(int(f.experiment["n_fits"]) for f in experimented if f.experiment is not None)
    assert experimented and calls == 5 + 1 + fits  # out-of-fold probabilities, the baseline, the experiments
    second = run()
    assert train.calls == calls  # probabilities and experiments both came from the cache
    assert second.top is not None and second.top.experiment is not None
    assert second.top.experiment["cached"] is True
    assert first.top is not None and first.top.experiment is not None
    assert first.top.experiment["after"] == second.top.experiment["after"]
    assert list(tmp_path.glob("*.json")) and list(tmp_path.glob("*.npz"))
    assert not [p for p in tmp_path.iterdir() if p.suffix not in (".json", ".npz")]  # never pickle


def test_budget_of_fits_is_kept() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=300, stratify=y, random_state=0)
    from sklearn.tree import DecisionTreeClassifier

    from tests.experiments.experiment_helpers import experiment_for

    settings = ExperimentSettings(cache_dir=None, progress=False, max_fits=3)
    finding = gapdoctor.Finding("overfitting", 0.9, "gap")
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    experiment, diagnosis = experiment_for(finding, DecisionTreeClassifier(random_state=0), settings, **data)
    assert experiment is None
    assert any("needs 10 fits, 3 left" in note for note in diagnosis.notes)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"model": lambda X: X}, "model"),
        ({"model": object()}, "model"),
        ({"experiments": "yes", "model": None}, "experiments"),
    ],
)
def test_bad_model_or_experiments_names_the_argument(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError) as error:
        gapdoctor.diagnose(**_split(), **kwargs)
    assert error.value.argument == argument
    assert str(error.value).startswith(argument)


def test_bad_settings_name_the_setting() -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError, match=r"^experiments\.max_fits"):
        ExperimentSettings(max_fits=-1)
    with pytest.raises(gapdoctor.GapdoctorInputError, match=r"^experiments\.max_seconds"):
        ExperimentSettings(max_seconds=0)


def test_train_function_returning_wrong_shape_names_model() -> None:
    def train(X: np.ndarray, y: np.ndarray, *, config: dict[str, Any]) -> Any:
        return lambda X_new: np.full((len(X_new), 3), 1 / 3)  # 3 columns for 10 classes

    with pytest.raises(gapdoctor.GapdoctorInputError, match=r"^model: the returned predict_proba gave shape"):
        gapdoctor.diagnose(**_split(), model=train, experiments=False)


def test_a_model_that_cannot_fit_is_reported_not_raised() -> None:
    from sklearn.naive_bayes import CategoricalNB

    data = _split()
    data["X_val"] = data["X_val"] + 100  # categories CategoricalNB never saw: predict_proba raises
    diagnosis = gapdoctor.diagnose(**data, model=CategoricalNB(), experiments=ExperimentSettings(cache_dir=None))
    assert any(note.startswith("experiments: not run (the model could not be fitted") for note in diagnosis.notes)
    assert diagnosis.inputs["val_probs"] is None


def test_a_model_that_fails_is_noted_even_with_experiments_off(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.naive_bayes import CategoricalNB

    monkeypatch.chdir(tmp_path)

    data = _split()
    data["X_val"] = data["X_val"] + 100
    diagnosis = gapdoctor.diagnose(**data, model=CategoricalNB(), experiments=False)
    assert any("the model could not be fitted" in note for note in diagnosis.notes)


def test_warnings_of_the_users_model_in_gapdoctors_fits_become_notes(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.linear_model import LogisticRegression

    monkeypatch.chdir(tmp_path)  # no cached probabilities from another test: the model is fitted here

    data = _split(200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ConvergenceWarning reaching the caller would raise here
        diagnosis = gapdoctor.diagnose(**data, model=LogisticRegression(max_iter=2), experiments=False)
    note = next(n for n in diagnosis.notes if n.startswith("the model warned while gapdoctor fitted it"))
    assert "ConvergenceWarning" in note


def test_a_model_that_fails_when_only_the_experiments_fit_it_is_noted_not_raised() -> None:
    # probabilities given: the first fit of the model is the experiments' baseline (found by tests/fuzz)
    class FailingModel:
        def get_params(self, deep: bool = True) -> dict[str, Any]:
            return {}

        def set_params(self, **params: Any) -> FailingModel:
            return self

        def fit(self, X: Any, y: Any) -> FailingModel:
            raise ValueError("a bug in the user's model")

        def predict_proba(self, X: Any) -> np.ndarray:
            return np.full((len(X), 2), 0.5)

    rng = np.random.default_rng(0)
    y_train, y_val = rng.integers(0, 2, 60), rng.integers(0, 2, 40)
    diagnosis = gapdoctor.diagnose(
        X_train=rng.normal(size=(60, 3)),
        y_train=y_train,
        X_val=rng.normal(size=(40, 3)) + 3,  # shifted: a finding the experiments would test
        y_val=y_val,
        train_probs=np.full((60, 2), 0.5),
        val_probs=np.full((40, 2), 0.5),
        model=FailingModel(),
        experiments=ExperimentSettings(max_fits=20, cv_folds=2, cache_dir=None),
    )
    assert diagnosis.reported
    assert "experiments: not run (the model could not be fitted (ValueError: a bug in the user's model))" in (
        diagnosis.notes
    )
