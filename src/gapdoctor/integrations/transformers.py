"""HF Transformers: ``GapdoctorCallback``, a ``transformers.TrainerCallback``.

::

    from gapdoctor.integrations.transformers import GapdoctorCallback
    doctor = GapdoctorCallback(diagnose_every=5)
    trainer = Trainer(..., callbacks=[doctor])   # any eval_strategy: "epoch", "steps"
    trainer.train()
    print(doctor.diagnosis)

What it reads: every ``logs`` dict the Trainer emits (``on_log``, the same entries that
land in ``TrainerState.log_history``). Training entries (``loss``, ``grad_norm``,
``learning_rate``) are averaged into the point they belong to (the learning rate keeps
its last value); evaluation entries (``eval_loss``, ``eval_<metric>``; with an ``eval_dataset`` dict, the
set named ``validation`` / ``val`` / ``dev``: ``eval_validation_loss``) become the
point's validation values. A point closes with each evaluation (at the next step, or when training ends, so
that a dict's sets, evaluated one after another, make one point): an epoch with
``eval_strategy="epoch"``, every ``eval_steps`` with ``eval_strategy="steps"`` (the training loss logged
since the previous evaluation is its training value; with the default
``logging_steps`` of 500, evaluations closer than that have none, which the checks
treat as not measured). With ``eval_strategy="no"`` nothing is evaluated: the callback
says so once, when training begins, since only the training curve will be recorded.
Without evaluation an epoch is closed when the next one begins, or when training ends
(the Trainer logs *after* ``on_epoch_end``). ``stop_when=("overfitting",)`` sets
``control.should_training_stop`` when that cause is reported. The Trainer's callbacks do
not see the evaluation's outputs: ``compute_metrics=doctor.compute_metrics(your_metrics)``
keeps them (latest and best evaluation) for the threshold, subgroup and validation-noise
checks. Training dynamics of every row (label-noise evidence without out-of-fold
probabilities) are read from the forward pass the Trainer already does: a forward hook on
the model sees each training batch's ``labels`` and ``logits``, and the row ids come from
the Trainer's sampler (:mod:`~gapdoctor.integrations.loader_rows`; no index column needed,
and ``remove_unused_columns`` does not matter). A model whose training batches carry no
``labels`` (a ``compute_loss_func`` or label smoothing takes them out first) or whose
logits are not one row of class scores per example records none, said once. Timing entries
(``*_runtime``, ``*_per_second``, ``total_flos``) are skipped. The Trainer already
averages what it logs across processes; only the world-process-zero alerts.
"""

from __future__ import annotations

from typing import Any

from gapdoctor.integrations._extras import callback_on_first_use, require
from gapdoctor.integrations.recorder import Recorder

__all__ = ["GapdoctorCallback"]  # noqa: F822 (built on first use by __getattr__)

_SKIPPED = ("runtime", "per_second", "flos", "epoch", "step", "num_tokens")


_HF_ADVICE = "a map-style train_dataset (a datasets.Dataset, or a torch Dataset with __getitem__) gives them"


_NOT_CLASS_IDS = (
    "gapdoctor keeps no per-row classification evidence from the {}: the labels are not one class id per "
    "example (a regression, multi-label or token-level task); the curves are recorded."
)


def _one_class_id_each(labels: Any) -> bool:
    """Whether ``labels`` (a tensor or array) hold one integer class id per example."""
    dtype = str(getattr(labels, "dtype", ""))
    return getattr(labels, "ndim", None) == 1 and "int" in dtype


def eval_strategy(args: Any) -> str:
    """``"no"``, ``"steps"`` or ``"epoch"``: the ``TrainingArguments``' evaluation strategy,
    under its name of any transformers version (``eval_strategy``, formerly ``evaluation_strategy``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> eval_strategy(SimpleNamespace(eval_strategy="steps")), eval_strategy(SimpleNamespace())
    ('steps', 'no')
    """
    value = getattr(args, "eval_strategy", None) or getattr(args, "evaluation_strategy", None) or "no"
    return str(getattr(value, "value", value)).lower()


def _split_logs(logs: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """(training values, evaluation values) of one ``logs`` dict; the final summary is dropped."""
    if "train_runtime" in logs:  # the end-of-training summary, not an epoch
        return {}, {}
    train: dict[str, float] = {}
    evaluation: dict[str, float] = {}
    for key, value in logs.items():
        if not isinstance(value, (int, float)) or any(part in key for part in _SKIPPED):
            continue
        (evaluation if key.startswith("eval_") else train)[key] = float(value)
    return train, evaluation


def _evaluated_set(metrics: Any) -> str | None:
    """The set of an ``eval_dataset`` dict that ``metrics`` (``on_evaluate``'s) are of, from the Trainer's
    ``eval_<set>_runtime``; None for a single evaluation set (``eval_runtime``) or metrics without a runtime.

    >>> _evaluated_set({"eval_validation_loss": 0.5, "eval_validation_runtime": 0.1})
    'validation'
    >>> _evaluated_set({"eval_loss": 0.5, "eval_runtime": 0.1}) is None, _evaluated_set(None) is None
    (True, True)
    """
    for key in metrics if isinstance(metrics, dict) else ():
        if isinstance(key, str) and key.startswith("eval_") and key.endswith("_runtime"):
            return key[len("eval_") : -len("_runtime")] or None
    return None


def _build() -> type:
    transformers = require("transformers", "transformers")

    base: Any = transformers.TrainerCallback

    class GapdoctorCallback(base):  # type: ignore[misc]
        """Record a Transformers ``Trainer`` run for :func:`gapdoctor.diagnose`.

        Parameters
        ----------
        **options
            Those of :class:`~gapdoctor.integrations.recorder.Recorder` (``metric``,
            ``y_train``, ``diagnose_every``, ``on_epoch_end``...). ``track_rows`` is not
            used here (the training dynamics cover every row).

        Attributes
        ----------
        recorder : Recorder
        diagnosis : Diagnosis or None
            Set on the world-process-zero when training ends.
        """

        def __init__(self, **options: Any) -> None:
            self.recorder = Recorder(**{"run_name": "Transformers Trainer run", **options})
            self.diagnosis: Any = None
            self._epoch_open = False
            self._per_evaluation = False
            self._eval: dict[str, float] = {}
            self._hook: Any = None
            self._sets: list[str] = []  # an eval_dataset dict's sets, in the order of one evaluation round
            self._last_set: str | None = None  # the last of them, known after the first round

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            with self.recorder.guard("on_train_begin"):
                self._watch_training_batches(kwargs.get("model"), kwargs.get("train_dataloader"))
                self.recorder.is_main_process = bool(state.is_world_process_zero)
                strategy = eval_strategy(args)
                self._per_evaluation = strategy in ("steps", "epoch")  # a point closes with its evaluation
                if strategy == "no" and self.recorder.is_main_process:
                    self.recorder.say_once(
                        "no evaluation",
                        "gapdoctor: this Trainer evaluates nothing (eval_strategy='no'), so only the training "
                        "curve is recorded and the causes read from validation cannot be judged; pass "
                        "TrainingArguments(eval_strategy='epoch') or eval_strategy='steps' with eval_steps=N.",
                    )

        def _watch_training_batches(self, model: Any, loader: Any) -> None:
            """Row ids from the loader's sampler; labels and logits from a forward hook on the model."""
            if self._hook is not None:
                self._hook.remove()
                self._hook = None
            if model is None or loader is None or not self.recorder.watch_loader(loader, advice=_HF_ADVICE):
                return
            self._hook = model.register_forward_hook(self._seen_batch, with_kwargs=True)

        def _seen_batch(self, module: Any, args: Any, kwargs: Any, output: Any) -> None:
            """Forward hook: one training batch's labels and logits to the training dynamics (never raises)."""
            if not module.training or not self.recorder.enabled:
                return  # evaluation and prediction: not training rows
            with self.recorder.guard("training dynamics"):
                labels = kwargs.get("labels")
                logits = output.get("logits") if hasattr(output, "get") else None
                if labels is None or logits is None:
                    self.recorder.say_once(
                        "dynamics: no labels or logits",
                        "gapdoctor records no per-row training dynamics (label-noise evidence): the model's "
                        "forward pass during training sees no 'labels' or returns no 'logits' (a "
                        "compute_loss_func or label smoothing takes the labels out of the batch).",
                    )
                    return
                if not _one_class_id_each(labels):
                    self._hook.remove()
                    self._hook = None
                    self.recorder.say_once("dynamics: not class ids", _NOT_CLASS_IDS.format("training batches"))
                    return
                self.recorder.log_batch(logits=logits.detach(), labels=labels.detach())

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if not self.recorder.enabled:
                return
            with self.recorder.guard("on_log"):
                train, evaluation = _split_logs(dict(logs or {}))
                self._eval.update(evaluation)
                if train:
                    self.recorder.log_batch(train.pop("loss", None), **train)

        def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if not self._per_evaluation:
                self._close()
                self._stop_if_decided(control)

        def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if not self._per_evaluation:
                self._epoch_open = True  # its logs and evaluation come after this hook

        def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Any = None, **kwargs: Any) -> None:
            if not self._per_evaluation:
                return
            self._epoch_open = True  # the evaluation's logs came just before this hook: one point
            evaluated = _evaluated_set(metrics)
            if evaluated is None or evaluated == self._last_set:
                self._close()
                self._stop_if_decided(control)
            elif self._last_set is None:  # an eval_dataset dict's first round: its point closes at the next step
                self._sets.append(evaluated)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self._per_evaluation and self._epoch_open:  # after an eval_dataset dict's first round
                self._last_set = self._sets[-1] if self._sets else None
                self._close()
                self._stop_if_decided(control)

        def compute_metrics(self, metrics: Any = None) -> Any:
            """``Trainer(compute_metrics=doctor.compute_metrics(your_metrics))``: keeps the evaluation's
            outputs (logits and labels) for the threshold, subgroup and validation-noise checks,
            then returns what ``your_metrics(eval_prediction)`` returns (``{}`` without one)."""

            def keep_and_compute(prediction: Any) -> Any:
                with self.recorder.guard("compute_metrics"):
                    scores = prediction.predictions
                    scores = scores[0] if isinstance(scores, tuple) else scores  # (logits, hidden states...)
                    if _one_class_id_each(prediction.label_ids):
                        self.recorder.log_validation(prediction.label_ids, logits=scores)
                    else:
                        self.recorder.say_once("outputs: labels", _NOT_CLASS_IDS.format("evaluation's outputs"))
                return {} if metrics is None else metrics(prediction)

            return keep_and_compute

        def _stop_if_decided(self, control: Any) -> None:
            if self.recorder.should_stop:  # stop_when: a named cause is reported
                control.should_training_stop = True

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self._hook is not None:
                self._hook.remove()
                self._hook = None
            self._close()
            self.diagnosis = self.recorder.finish()
            if not self.recorder.curves and not self.recorder.errors and self.recorder.is_main_process:
                with self.recorder.guard("on_train_end"):
                    self.recorder.say_once(
                        "nothing logged",
                        f"gapdoctor: the Trainer logged nothing to diagnose in {state.global_step} steps (it logs the "
                        f"training loss every logging_steps={getattr(args, 'logging_steps', '?')} steps and evaluates "
                        f"with eval_strategy='{eval_strategy(args)}'); no diagnosis. Pass TrainingArguments("
                        "logging_strategy='epoch', eval_strategy='epoch') or smaller logging_steps / eval_steps.",
                    )

        def _close(self) -> None:
            if self._epoch_open:
                values, self._eval, self._epoch_open = self._eval, {}, False
                self.recorder.end_epoch(**values)

    return GapdoctorCallback


# ``GapdoctorCallback`` is built on first use, so importing this module needs no framework.
__getattr__ = callback_on_first_use(__name__, _build)
