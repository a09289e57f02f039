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
mapped to gapdoctor's. Keras callbacks see no batches, so per-row tracking and the
label order are not available here, nor the training dynamics: ``on_train_batch_end``
gets only the running metric values, never the batch's outputs (``train_step`` returns
``compute_metrics(...)``, compiled on TensorFlow and JAX) nor its row ids (``fit``
shuffles arrays itself). Getting them would mean replacing ``train_step`` or a second
forward pass over the training set each epoch — both slow training down; they are
not done.
"""

from __future__ import annotations

import warnings
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.integrations._extras import callback_on_first_use, require
from gapdoctor.integrations.recorder import Recorder

__all__ = ["GapdoctorCallback"]  # noqa: F822 (built on first use by __getattr__)


def _scores(model: Any, scores: Any) -> dict[str, Any]:
    """``logits=`` or ``probs=``: probabilities when the model ends in a softmax / sigmoid, else logits."""
    last = getattr(getattr(model, "layers", [None])[-1], "activation", None)
    name = getattr(last, "__name__", "")
    return {"probs": scores} if name in ("softmax", "sigmoid") else {"logits": scores}


def _build() -> type:
    keras = require("keras", "keras")

    base: Any = keras.callbacks.Callback

    class GapdoctorCallback(base):  # type: ignore[misc]
        """Record a Keras ``fit`` for :func:`gapdoctor.diagnose`.

        Parameters
        ----------
        validation_data : (X_val, y_val) or (X_val, y_val, groups_val), optional
            Keras callbacks do not see the model's validation outputs: given these, the
            callback predicts them once per epoch (one extra forward pass over the
            validation set) and keeps the latest and the best epoch's
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

        def _log_validation(self) -> None:
            if self.validation_data is None:
                return
            X_val, y_val, *groups = self.validation_data
            try:
                with warnings.catch_warnings():  # Keras' own deprecations inside predict are not the user's
                    warnings.simplefilter("ignore")
                    scores = self.model.predict(X_val, verbose=0)
            except Exception as error:  # a failing predict stops keeping outputs, never the recording
                self.validation_data = None
                self.recorder._switch_off("validation outputs", "model.predict(validation_data)", error)
                return
            self.recorder.log_validation(y_val, **_scores(self.model, scores), groups=groups[0] if groups else None)

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
            self.diagnosis = self.recorder.finish()

    return GapdoctorCallback


# ``GapdoctorCallback`` is built on first use, so importing this module needs no framework.
__getattr__ = callback_on_first_use(__name__, _build)
