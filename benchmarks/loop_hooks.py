"""What the HF Trainer and Keras training-dynamics hooks cost per step (issue 15).

Run: ``OMP_NUM_THREADS=1 KERAS_BACKEND=torch python benchmarks/loop_hooks.py [--write]``.
``--write`` puts the table into ``benchmarks/RESULTS.md`` under ``## Training dynamics in the
HF Trainer and Keras``.

Same model and data as ``benchmarks/overhead.py`` (MLP 64-256-256-10, the 1797 digits rows,
batch 64, one thread), trained by the framework itself with the gapdoctor callback, the
training dynamics on (the default) or off (the hooks not installed). Times are the process's CPU
time (``time.process_time``; one thread), so that other processes on a shared machine do not
count. Two measures, medians:

- *inside the hooks*: time spent per step in what the hook adds (HF: the forward hook that
  hands the batch's logits and labels to the recorder; Keras: the wrapped loss computation's
  recording, incl. turning ``y_pred`` into logits) plus the epoch's close (the dynamics'
  vectorised update) spread over its steps, divided by the step time of a run without hooks;
- *end to end*: training time with the hooks over training time without, interleaved runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # tests/: the tiny HF model

import numpy as np
import torch
from sklearn.datasets import load_digits

from results_md import replace_section

BATCH = 64
EPOCHS = 10
REPEATS = 5
HIDDEN = 256


def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y.astype(np.int64)


class Timer:
    """Wraps a callable and sums the seconds spent in it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start
                self.calls += 1

        return timed


def hf_run(X: np.ndarray, y: np.ndarray, *, dynamics: bool) -> tuple[float, float, int]:
    """(training seconds, seconds inside the hooks and the epochs' close, steps)."""
    import transformers
    from tests.integrations.test_transformers import DigitsConfig, DigitsModel, Rows, _trainer_args

    from gapdoctor.integrations.transformers import GapdoctorCallback

    class DeepDigits(DigitsModel):
        def __init__(self, config: Any) -> None:
            super().__init__(config)
            self.hidden = torch.nn.Sequential(
                torch.nn.Linear(64, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, HIDDEN)
            )

    transformers.set_seed(0)
    doctor = GapdoctorCallback(store=False)
    hook, close = Timer(), Timer()
    if dynamics:
        doctor._seen_batch = hook.wrap(doctor._seen_batch)
    else:
        doctor._watch_training_batches = lambda model, loader: None
    doctor.recorder.end_epoch = close.wrap(doctor.recorder.end_epoch)
    with tempfile.TemporaryDirectory() as tmp:
        args = _trainer_args(
            tmp,
            num_train_epochs=EPOCHS,
            per_device_train_batch_size=BATCH,
            eval_strategy="no",
            logging_strategy="epoch",
        )
        trainer = transformers.Trainer(
            model=DeepDigits(DigitsConfig(hidden_size=HIDDEN)), args=args, train_dataset=Rows(X, y), callbacks=[doctor]
        )
        start = time.process_time()
        trainer.train()
        seconds = time.process_time() - start
    return seconds, hook.seconds + close.seconds, trainer.state.global_step


def keras_run(X: np.ndarray, y: np.ndarray, *, dynamics: bool) -> tuple[float, float, int]:
    import keras

    import gapdoctor.integrations.keras as adapter

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Dense(HIDDEN, activation="relu"),
            keras.layers.Dense(HIDDEN, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    doctor = adapter.GapdoctorCallback(store=False)
    record, convert, close = Timer(), Timer(), Timer()
    original_inputs = adapter._dynamics_inputs
    if dynamics:
        adapter._dynamics_inputs = convert.wrap(original_inputs)
        doctor.recorder.log_batch = record.wrap(doctor.recorder.log_batch)
    else:
        doctor._watch_training_batches = lambda: None
    doctor.recorder.end_epoch = close.wrap(doctor.recorder.end_epoch)
    try:
        start = time.process_time()
        model.fit(X, y, epochs=EPOCHS, batch_size=BATCH, verbose=0, callbacks=[doctor])
        seconds = time.process_time() - start
    finally:
        adapter._dynamics_inputs = original_inputs
    steps = EPOCHS * int(np.ceil(len(y) / BATCH))
    return seconds, record.seconds + convert.seconds + close.seconds, steps


def measure(run: Callable[..., tuple[float, float, int]], X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    run(X, y, dynamics=True)  # warm-up
    on, off, inside_on, inside_off = [], [], [], []
    steps = 1
    for _ in range(REPEATS):  # interleaved: a slow spell of the machine hits both
        seconds, inside, steps = run(X, y, dynamics=False)
        off.append(seconds)
        inside_off.append(inside)
        seconds, inside, steps = run(X, y, dynamics=True)
        on.append(seconds)
        inside_on.append(inside)
    step_off = float(np.median(off)) / steps
    added = (
        float(np.median(inside_on)) - float(np.median(inside_off))
    ) / steps  # the close without dynamics is the baseline
    return {
        "step_us": 1e6 * step_off,
        "inside_us": 1e6 * added,
        "inside_pct": 100 * added / step_off,
        "end_to_end_pct": 100 * (float(np.median(on)) / float(np.median(off)) - 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    torch.set_num_threads(1)
    X, y = digits()
    rows = {
        "HF Trainer (forward hook)": measure(hf_run, X, y),
        "Keras fit, torch backend (loss wrapper)": measure(keras_run, X, y),
    }
    import keras
    import transformers

    lines = [
        f"`benchmarks/loop_hooks.py`: MLP 64-{HIDDEN}-{HIDDEN}-10 on the 1797 digits rows, batch {BATCH}, {EPOCHS} "
        f"epochs, CPU, 1 thread, torch {torch.__version__}, transformers {transformers.__version__}, keras "
        f"{keras.__version__}, Python {platform.python_version()}; median of {REPEATS} interleaved runs with the "
        "training dynamics on (default) and off, CPU time of the process. *Inside the hooks* = per-step time "
        "the hooks add (and the dynamics' epoch close, spread over the steps) over the step time without "
        "them; *end to end* = training time with over without. Row ids come from the sampler: a list "
        "append per batch, inside the data loading.",
        "",
        "| framework | step without hooks (µs) | added per step (µs) | inside the hooks | end to end |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['step_us']:.0f} | {row['inside_us']:.1f} | {row['inside_pct']:.2f}% | "
            f"{row['end_to_end_pct']:+.1f}% |"
        )
    table = "\n".join(lines)
    print(table)
    if parser.parse_args().write:
        heading = "## Training dynamics in the HF Trainer and Keras"
        replace_section(heading, f"{heading}\n\n{table}")


if __name__ == "__main__":
    main()
