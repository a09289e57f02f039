"""Two real training runs recorded epoch by epoch into a SQLite run store through its API.

A wide unregularised MLP on 150 digits for 60 epochs, and a regularised one on 1,000
digits for 20 epochs: each epoch is one ``partial_fit`` pass, its losses and accuracies
logged with ``RunStore.log_epoch`` as a training loop would. The first run's diagnosis is
saved; the second is left undiagnosed (``gapdoctor compare`` diagnoses its curves).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.io.store import RunStore

RUNS = (("wide-150", 150, 0.0, 60), ("regularised-1000", 1000, 1e-2, 20))
"""(name, training rows, L2 penalty, epochs)"""


def record_runs(path: Path, *, seed: int = 0, names: tuple[str, str] | None = None) -> list[int]:
    """Train both runs, log every epoch into the store at ``path``; returns their run ids."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    order = np.random.default_rng(seed).permutation(len(y))
    val = order[1200:]
    ids = []
    with RunStore(path) as store, threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for i, (name, n, alpha, epochs) in enumerate(RUNS):
            train = order[:n]
            model = MLPClassifier(hidden_layer_sizes=(256,), alpha=alpha, learning_rate_init=3e-3, random_state=seed)
            run = store.start_run(names[i] if names else name, {"alpha": alpha, "rows": n})
            for epoch in range(epochs):
                model.partial_fit(X[train], y[train], classes=np.arange(10))
                p_train, p_val = model.predict_proba(X[train]), model.predict_proba(X[val])
                store.log_epoch(
                    run,
                    epoch,
                    {
                        "train_loss": log_loss(y[train], p_train, labels=np.arange(10)),
                        "val_loss": log_loss(y[val], p_val, labels=np.arange(10)),
                        "train_accuracy": float(np.mean(p_train.argmax(1) == y[train])),
                        "val_accuracy": float(np.mean(p_val.argmax(1) == y[val])),
                    },
                )
            store.finish_run(run)
            if i == 0:
                store.save_diagnosis(run, gapdoctor.diagnose(history=store.history(run)))
            ids.append(run)
    return ids
