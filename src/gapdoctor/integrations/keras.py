"""Keras 3: ``GapdoctorCallback``, a ``keras.callbacks.Callback`` (any backend).

::

    from gapdoctor.integrations.keras import GapdoctorCallback
    doctor = GapdoctorCallback(diagnose_every=5)
    model.fit(x, y, validation_data=(x_val, y_val), epochs=50, callbacks=[doctor])
    print(doctor.diagnosis)

What it reads: the ``logs`` dict of ``on_epoch_end`` — the same values ``fit`` returns
in ``History.history`` (``loss``, ``<metric>``, ``val_loss``, ``val_<metric>``,
``learning_rate``) — and, when ``logs`` lacks it, the optimizer's learning rate.
Keras metric names (``accuracy``, ``sparse_categorical_accuracy``, ``auc``...) are
mapped to gapdoctor's.

Training dynamics of every row (label-noise evidence without out-of-fold probabilities)
are recorded on Keras' torch backend, from the forward pass ``fit`` already does: while
``fit`` runs, the callback wraps the model's loss computation (``Model._compute_loss``,
the one door ``train_step`` calls with ``y`` and ``y_pred``; put back when ``fit`` ends),
and reads the row ids of each batch from the sampler of the ``DataLoader`` that ``fit``
builds over arrays, shuffled or not (:mod:`~gapdoctor.integrations.loader_rows`), or of a
``DataLoader`` passed to ``fit`` (``fit``'s epoch iterator is read from its frame when training
begins: Keras keeps it nowhere else; a ``fit`` without one, or a generator, is said once). The
cost is about 3% of a small MLP's step (``benchmarks/loop_hooks.py``), nothing is computed twice
and the weights are those of a run without gapdoctor, ``validation_data``'s predictions included
(they leave the global random generators as they were: :mod:`~gapdoctor.integrations.random_state`).
On TensorFlow and JAX ``train_step`` is compiled, so no per-row values reach Python: the callback
says so once and records the curves. Outputs ending in a softmax or sigmoid are taken as
probabilities (their log as the logits: the margin is the same); one output column is a
binary classifier.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.integrations._extras import callback_on_first_use, require
from gapdoctor.integrations.random_state import random_state_kept
from gapdoctor.integrations.recorder import Recorder
from gapdoctor.integrations.validation_outputs import MAX_CELLS

__all__ = ["GapdoctorCallback"]  # noqa: F822 (built on first use by __getattr__)


def _scores(model: Any, scores: Any) -> dict[str, Any]:
    """``logits=`` or ``probs=``: probabilities when the model ends in a softmax / sigmoid, else logits."""
    last = getattr(getattr(model, "layers", [None])[-1], "activation", None)
    name = getattr(last, "__name__", "")
    return {"probs": scores} if name in ("softmax", "sigmoid") else {"logits": scores}


_SEVERAL_OUTPUTS = (
    "gapdoctor records no {} for a model with several outputs (it cannot tell which output's labels to read); "
    "the curves, each output's loss included, are recorded."
)
_REGRESSION_LOSSES: tuple[str, ...] = ("mse", "mae", "mape", "msle", "mean_squared", "mean_absolute", "huber")
_REGRESSION_LOSSES += ("log_cosh", "logcosh", "poisson", "cosine_similarity")
"""Prefixes of the names of Keras' regression losses (``"mse"``, ``MeanSquaredError().name``, ``huber_loss``...)."""
_REGRESSION = (
    "gapdoctor records no per-row classification evidence (training dynamics, validation outputs) for a model "
    "compiled with a regression loss ({}); the curves are recorded."
)


def _regression_loss(model: Any) -> str | None:
    """The name of the regression loss the model was compiled with (every output's), or None."""
    loss = getattr(model, "loss", None)
    losses = (
        list(loss.values()) if isinstance(loss, dict) else list(loss) if isinstance(loss, (list, tuple)) else [loss]
    )
    names = [str(x if isinstance(x, str) else getattr(x, "name", None) or getattr(x, "__name__", "")) for x in losses]
    regression = all(name.lower().startswith(_REGRESSION_LOSSES) for name in names) and bool(names)
    return ", ".join(names) if regression else None


_KERAS_ADVICE = "fit on arrays (shuffled or not) or on a torch DataLoader over a map-style dataset to record them"


def _dynamics_inputs(torch: Any, y: Any, y_pred: Any, probabilities: bool) -> tuple[Any, Any] | None:
    """(logits of shape (batch, classes >= 2), class ids) of one training batch, or None when not a classifier's."""
    scores = y_pred.detach()
    if scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1):  # binary: one score per row
        score = scores.reshape(-1).float()
        if probabilities:
            score = torch.logit(score, eps=1e-7)
        scores = torch.stack([torch.zeros_like(score), score], dim=1)
    elif scores.ndim != 2:
        return None
    elif probabilities:
        scores = torch.log(scores.float().clamp_min(1e-12))
    return scores, _class_ids(y.detach() if hasattr(y, "detach") else torch.as_tensor(y))


def _class_ids(labels: Any) -> Any:
    """Class ids (a 1-d long tensor) of a batch's labels: ids, one-hot rows, or the 0./1. of a sigmoid."""
    if labels.ndim == 2 and labels.shape[1] > 1:  # one-hot labels
        labels = labels.argmax(dim=1)
    labels = labels.reshape(-1)
    return labels.round().long() if labels.is_floating_point() else labels.long()


def _fit_epoch_iterator() -> Any:
    """The epoch iterator of the ``fit`` call this callback runs in (read from ``fit``'s frame), or None."""
    frame = sys._getframe(1)
    while frame is not None:
        iterator = frame.f_locals.get("epoch_iterator") if frame.f_code.co_name == "fit" else None
        if iterator is not None and hasattr(getattr(iterator, "data_adapter", None), "get_torch_dataloader"):
            return iterator
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _build() -> type:
    keras = require("keras", "keras")

    base: Any = keras.callbacks.Callback

    class GapdoctorCallback(base):  # type: ignore[misc]
        """Record a Keras ``fit`` for :func:`gapdoctor.diagnose`.

        Parameters
        ----------
        validation_data : (X_val, y_val) or (X_val, y_val, groups_val), optional
            Keras callbacks do not see the model's validation outputs. On the torch backend
            they are read from the forward pass ``fit``'s own validation makes (the loss
            computation it calls per batch, as for the training dynamics), with or without
            these; given these, ``groups_val`` is joined to them (the same rows: their count
            agrees), and on other backends, or where ``fit`` validates on other rows, the
            callback predicts ``X_val`` once per epoch (one extra forward pass, the global random
            generators put back). The latest and the best epoch's are kept
            (:meth:`Recorder.log_validation`), so the threshold, subgroup and
            validation-noise checks run from the fit alone.
        **options
            Those of :class:`~gapdoctor.integrations.recorder.Recorder` (``metric``,
            ``y_train``, ``diagnose_every``, ``stop_when``...).

        Attributes
        ----------
        recorder : Recorder
        diagnosis : Diagnosis or None
            Set when ``fit`` ends.
        """

        def __init__(self, *, validation_data: Any = None, **options: Any) -> None:
            super().__init__()
            self.recorder = Recorder(**{"run_name": "Keras run", **options})
            self.diagnosis: Any = None
            if validation_data is not None and not (
                isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3)
            ):
                raise GapdoctorInputError(
                    "validation_data", f"is a {type(validation_data).__name__}", "pass (X_val, y_val[, groups_val])"
                )
            self.validation_data = validation_data
            self._wrapped: Any = None  # the model whose _compute_loss is wrapped during fit
            self._fit_batches: list[tuple[Any, Any]] | None = None  # (y, y_pred) of fit's validation pass, if running
            self._fit_outputs: tuple[Any, Any] | None = None  # this epoch's: (labels, scores), joined
            self._fit_cells = 0  # rows x classes kept of this validation pass

        def _log_validation(self) -> None:
            outputs, self._fit_outputs = self._fit_outputs, None
            given = self.validation_data
            if outputs is not None and (given is None or len(outputs[0]) == len(given[1])):
                # fit's own validation pass (the torch backend): no forward pass of gapdoctor's; the rows
                # of validation_data when its groups are given (the same rows: their count agrees)
                groups_val = given[2] if given is not None and len(given) == 3 else None
                self.recorder.log_validation(outputs[0], **_scores(self.model, outputs[1]), groups=groups_val)
                return
            if self.validation_data is None:
                return
            X_val, y_val, *groups = self.validation_data
            try:
                # predict draws from torch's global generator (a DataLoader's seed): put back, so the
                # next epoch's shuffle and dropout are those of a run without gapdoctor
                with warnings.catch_warnings(), random_state_kept():  # Keras' deprecations are not the user's
                    warnings.simplefilter("ignore")
                    scores = self.model.predict(X_val, verbose=0)
            except Exception as error:  # a failing predict stops keeping outputs, never the recording
                self.validation_data = None
                self.recorder._switch_off("validation outputs", "model.predict(validation_data)", error)
                return
            if isinstance(scores, (dict, list, tuple)):  # several outputs: which one y_val labels is not known
                self.validation_data = None
                self.recorder.say_once("outputs: several", _SEVERAL_OUTPUTS.format("validation outputs"))
                return
            self.recorder.log_validation(y_val, **_scores(self.model, scores), groups=groups[0] if groups else None)

        def on_train_begin(self, logs: Any = None) -> None:
            with self.recorder.guard("on_train_begin"):
                self._watch_training_batches()

        def on_test_begin(self, logs: Any = None) -> None:
            if self._wrapped is not None and self.recorder.enabled:  # wrapped during fit: its validation pass
                self._fit_batches, self._fit_cells = [], 0  # its outputs are kept (up to the outputs' budget)

        def on_test_end(self, logs: Any = None) -> None:
            batches, self._fit_batches = self._fit_batches, None
            if batches:
                with self.recorder.guard("validation outputs"):
                    torch = require("torch", "torch")
                    labels = _class_ids(torch.cat([y.reshape(len(y), -1) for y, _ in batches]))
                    self._fit_outputs = (labels, torch.cat([p for _, p in batches]))

        def _watch_training_batches(self) -> None:
            """Rows from the sampler of the DataLoader ``fit`` iterates; y and y_pred from the loss computation."""
            regression = _regression_loss(self.model)
            if regression is not None:  # no classes: neither dynamics nor validation outputs mean anything
                self.validation_data = None
                self.recorder.say_once("dynamics: regression", _REGRESSION.format(regression))
                return
            if keras.backend.backend() != "torch":
                self.recorder.say_once(
                    "dynamics: backend",
                    f"gapdoctor records no per-row training dynamics (label-noise evidence) on Keras' "
                    f"{keras.backend.backend()} backend, whose train_step is compiled; the curves are recorded. "
                    "On the torch backend (KERAS_BACKEND=torch) they are.",
                )
                return
            recorder = self.recorder
            rows_known = [False]  # this epoch's loader is watched (else its batches are not recorded)
            iterator = _fit_epoch_iterator()
            if iterator is None:
                self.recorder.say_once(
                    "dynamics: loader rows",
                    "gapdoctor cannot tell which training rows each Keras batch holds (this fit builds no "
                    "epoch iterator it can read), so it records no per-row training dynamics.",
                )
            else:
                adapter = iterator.data_adapter
                build_loader = adapter.get_torch_dataloader

                def watched_loader() -> Any:  # fit builds a DataLoader per epoch: each is watched
                    loader = build_loader()
                    rows_known[0] = recorder.watch_loader(loader, advice=_KERAS_ADVICE)  # one that cannot be: said once
                    return loader

                adapter.get_torch_dataloader = watched_loader
            model = self.model
            callback = self
            compute_loss = model._compute_loss
            torch = require("torch", "torch")
            probabilities = "probs" in _scores(model, None)

            def compute_loss_and_record(*args: Any, **kwargs: Any) -> Any:
                loss = compute_loss(*args, **kwargs)
                kept = callback._fit_batches
                if not kwargs.get("training", True) and kept is not None:  # a batch of fit's validation pass
                    with recorder.guard("validation outputs"):
                        y_seen: Any = kwargs.get("y")
                        scores: Any = kwargs.get("y_pred")
                        callback._fit_cells += int(getattr(scores, "numel", lambda: 0)())
                        if hasattr(y_seen, "detach") and hasattr(scores, "detach") and callback._fit_cells <= MAX_CELLS:
                            kept.append((y_seen.detach(), scores.detach()))
                        else:  # no tensors (a dict of outputs...), or too many: predict on validation_data instead
                            callback._fit_batches = None
                elif kwargs.get("training", True) and recorder.enabled and rows_known[0]:
                    y, y_pred = kwargs.get("y"), kwargs.get("y_pred")
                    if y_pred is not None and not hasattr(y_pred, "detach"):  # several outputs: a dict or list
                        rows_known[0] = False
                        recorder.say_once("dynamics: outputs", _SEVERAL_OUTPUTS.format("per-row training dynamics"))
                        return loss
                    with recorder.guard("training dynamics"):
                        batch = (
                            None if y is None or y_pred is None else _dynamics_inputs(torch, y, y_pred, probabilities)
                        )
                        if batch is not None:
                            recorder.log_batch(logits=batch[0], labels=batch[1])
                return loss

            model._compute_loss = compute_loss_and_record
            self._wrapped = model

        def _unwrap(self) -> None:
            model, self._wrapped = self._wrapped, None
            if model is not None:
                with contextlib.suppress(Exception):
                    del model._compute_loss  # the class's method again

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if not self.recorder.enabled:
                return
            values: dict[str, Any] = {}
            with self.recorder.guard("on_epoch_end"):
                # raw values: one that is not a number (a per-class F1Score array) is dropped on its own
                values = dict(logs or {})
                values["train_loss"] = values.pop("loss", None)  # the epoch's mean, as Keras logged it
                optimizer = getattr(self.model, "optimizer", None)
                if "learning_rate" not in values and optimizer is not None:
                    rate = optimizer.learning_rate
                    values["lr"] = getattr(rate, "value", rate)  # a backend tensor or array
            self._log_validation()
            self.recorder.end_epoch(**values)
            if self.recorder.should_stop:  # stop_when: a named cause is reported
                self.model.stop_training = True

        def on_train_end(self, logs: Any = None) -> None:
            self._unwrap()
            self.diagnosis = self.recorder.finish()

    return GapdoctorCallback


# ``GapdoctorCallback`` is built on first use, so importing this module needs no framework.
__getattr__ = callback_on_first_use(__name__, _build)
