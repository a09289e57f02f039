"""What the ``pipeline_bug`` checks measured: one typed payload per kind of finding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypedDict

from gapdoctor.causes.payload import Payload, figure, plot
from gapdoctor.stats.splits import FeaturePlot

__all__ = [
    "CollapsedPredictions",
    "EmptyTrainingTargets",
    "LabelEncoding",
    "LabelMapping",
    "MetricNeverScored",
    "MisalignedRows",
    "NanValidation",
    "SplitPreprocessing",
    "UnboundedLoss",
    "Unshuffled",
    "ValidationIsTraining",
    "ZeroLoss",
]


class LabelMapping(TypedDict):
    """The validation label written ``classes[i]`` truly is ``val_label_to_true[i]``."""

    classes: list[str]
    val_label_to_true: list[str]


@dataclass(frozen=True, kw_only=True)
class LabelEncoding(Payload):
    """The validation confusion matrix is close to a permutation: labels encoded differently.

    Parameters
    ----------
    split : str
        The split whose labels are encoded differently (``"y_val"``).
    val_accuracy_as_given, val_accuracy_best_mapping : float
        Validation accuracy with the labels as given, and under the best relabelling.
    gain_z : float
        McNemar z of the remapped classes' rows (right only under the new mapping vs as given).
    beyond_chance_z : float or None
        z of those rows right under the new mapping against labels and predictions independent with
        the confusion's margins (a model predicting one class for a split of one other class is
        "relabelled" to a high accuracy at chance; a permuted encoding is far above it). The score
        uses the smaller of the two z.
    classes_remapped : int
        Classes the best relabelling moves.
    mapping_text : str
        The moved classes, ``"val '<a>' = model '<b>'"`` (evidence key ``mapping``).
    mapping : LabelMapping
        The whole relabelling, every class (data key ``mapping``).
    train_accuracy_gain_same_mapping : float or None
        What the same relabelling gains on the training rows' out-of-fold predictions (with
        ``train_probs``): a model that confuses the classes on both splits (an untrained one) gains
        there too; labels encoded differently per split do not. Only the validation gain beyond it is
        evidence (:func:`~gapdoctor.causes.pipeline_bug.score.label_encoding_score`).
    """

    CHECK: ClassVar[str] = "pipeline_bug.label_encoding"
    split: str = figure()
    val_accuracy_as_given: float = figure()
    val_accuracy_best_mapping: float = figure()
    gain_z: float = figure()
    beyond_chance_z: float | None = figure(
        omit_none=True, label="remapped rows right beyond chance (z-score)", shown_as="number"
    )
    classes_remapped: int = figure()
    mapping_text: str = figure(key="mapping")
    mapping: LabelMapping = plot()
    train_accuracy_gain_same_mapping: float | None = figure(
        omit_none=True, label="training accuracy gained by the same relabelling (out-of-fold)", shown_as="number"
    )


@dataclass(frozen=True, kw_only=True)
class MisalignedRows(Payload):
    """Features and labels that look joined in the wrong order in one split.

    The label-association figures are present when features were given and one split lost
    the association; the probability figures when validation probabilities were given.

    Parameters
    ----------
    informative_features : int or None
        Features informative about the label in the split that kept the association.
    median_label_association : dict of str to float
        ``median_label_association_<split>`` for the split that kept it, then the one that lost it.
    association_retained : float or None
        Median share of a feature's label association kept in the other split.
    transfer_accuracy, transfer_accuracy_chance : float or None
        A linear model of the informative features fitted on the split that kept the association,
        scored on ``split`` under the best relabelling, and chance for that pairing (at chance:
        misaligned; above it the labels still follow the features, which label noise does).
    features_shifted : int or None
        Features whose distribution differs between the splits (a shift explains both symptoms).
    val_mean_confidence, val_accuracy_best_mapping, val_accuracy_chance : float or None
        Mean top probability on validation, accuracy under the best relabelling, chance accuracy.
    split : str
        The label split at fault (``"y_train"`` or ``"y_val"``).
    label_offset, offset_accuracy, offset_p_value : int, float or None
        The row offset at which ``split``'s labels fit the features better (negative: an earlier row), the
        accuracy of the predictions paired there and its corrected p-value
        (:mod:`gapdoctor.causes.pipeline_bug.offsets`); None when no offset fits better.
    offset_read_on : str or None
        What predicted the rows the labels were paired with: ``"transfer model"`` (a model of the other
        split's informative features) or ``"model predictions"`` (the run's own validation probabilities:
        then ``offset_accuracy`` is the validation accuracy once the labels are paired back).
    """

    CHECK: ClassVar[str] = "pipeline_bug.misaligned_rows"
    informative_features: int | None = figure(omit_none=True)
    median_label_association: dict[str, float] = figure(spread=True)
    association_retained: float | None = figure(omit_none=True)
    transfer_accuracy: float | None = figure(
        omit_none=True, label="accuracy of a model of the other split's features (labels remapped)", shown_as="metric"
    )
    transfer_accuracy_chance: float | None = figure(
        omit_none=True, label="its accuracy by chance for that relabelling", shown_as="metric"
    )
    features_shifted: int | None = figure(omit_none=True)
    val_mean_confidence: float | None = figure(omit_none=True)
    val_accuracy_best_mapping: float | None = figure(omit_none=True)
    val_accuracy_chance: float | None = figure(omit_none=True)
    split: str = figure()
    label_offset: int | None = figure(omit_none=True, label="rows the labels are shifted by (negative: earlier)")
    offset_accuracy: float | None = figure(
        omit_none=True, label="accuracy of those predictions with the labels shifted back", shown_as="metric"
    )
    offset_p_value: float | None = figure(omit_none=True, label="p-value that the shift fits better")
    offset_read_on: str | None = figure(omit_none=True, label="predictions the shifted labels were paired with")

    def explained_by(self) -> tuple[str, ...]:
        """Training labels that lost their relation to the features, at no offset, are also what wrong labels
        leave: heavy label noise takes a model's accuracy on them to chance too. With wrong training labels
        reported, each finding explains the other, and the stronger goes first (held-out corpus seed 4351: 40%
        flipped labels of a rare class, the labels read as misaligned at 0.82 ahead of label noise at 0.95)."""
        if self.split == "y_train" and self.label_offset is None:
            return ("label_noise", "pseudo_label_noise")
        return ()


@dataclass(frozen=True, kw_only=True)
class SplitPreprocessing(Payload):
    """Every feature of one split an affine map of the other's: preprocessed differently.

    Parameters
    ----------
    split : str
        The split that was not preprocessed like the other (``"X_train"`` or ``"X_val"``).
    pattern : str
        ``"standardised"``, ``"min-max"``, ``"common factor"`` or ``"per-feature"``.
    features_rescaled, features_tested : int
        Features found affinely rescaled, and features compared.
    affine : dict of str to str
        ``affine_<rank>``: ``"<feature>: val = <slope> x train + <intercept>"``, largest effect first.
    standardisation_error : float or None
        When only some features of ``split`` differ: the other split's largest |mean| or
        |sd - 1| over every feature and row (a scaler was fitted on it: about 1e-15).
    fix_model, fix_log_loss_as_given, fix_log_loss_own_scaled, fix_z, fix_rows : str, float, float, float, int or None
        Then also: models fitted on the standardised split (``"linear"`` and ``"trees"``), scored
        on ``fix_rows`` rows of ``split`` as given and standardised by their own statistics; the one
        the standardisation helps most, its mean log-loss both ways and the paired z of the decrease
        (above 1.96: a real covariate shift's fit worsens, or stays, when its rows are moved onto the training
        location).
    features : list of FeaturePlot
        Densities of the rescaled features in each split: the features the confirming
        experiment maps back onto the training scale.
    """

    CHECK: ClassVar[str] = "pipeline_bug.split_preprocessing"
    split: str = figure()
    pattern: str = figure()
    features_rescaled: int = figure()
    features_tested: int = figure()
    affine: dict[str, str] = figure(spread=True)
    standardisation_error: float | None = figure(
        omit_none=True, label="largest |mean| or |sd - 1| of the standardised split", shown_as="number"
    )
    fix_model: str | None = figure(
        omit_none=True, label="model most helped by standardising the split", shown_as="text"
    )
    fix_log_loss_as_given: float | None = figure(
        omit_none=True, label="its log-loss on the split as given", shown_as="number"
    )
    fix_log_loss_own_scaled: float | None = figure(
        omit_none=True, label="its log-loss on the split standardised by its own statistics", shown_as="number"
    )
    fix_z: float | None = figure(omit_none=True, label="paired z of the log-loss decrease", shown_as="number")
    fix_rows: int | None = figure(omit_none=True, label="rows scored for that change", shown_as="count")
    features: list[FeaturePlot] = plot()


@dataclass(frozen=True, kw_only=True)
class Unshuffled(Payload):
    """Training labels arriving in long runs: the training data are not shuffled.

    Parameters
    ----------
    split : str
        ``"train"``.
    label_changes, label_changes_expected : int, float
        Label changes between neighbours in the order seen, and in a random order.
    runs_z : float
        z-score of the missing changes against random permutations.
    mean_run_length, mean_run_length_expected : float
        Mean run of equal labels seen, and expected in a random order.
    """

    CHECK: ClassVar[str] = "pipeline_bug.unshuffled"
    split: str = figure()
    label_changes: int = figure()
    label_changes_expected: float = figure()
    runs_z: float = figure()
    mean_run_length: float = figure()
    mean_run_length_expected: float = figure()


@dataclass(frozen=True, kw_only=True)
class CollapsedPredictions(Payload):
    """Every validation row pinned to one class with certainty, which the model does not do on training rows.

    Parameters
    ----------
    predicted_class : str
        The class the validation rows are pinned to.
    val_rows_other_classes : int
        Validation rows labelled with another class (read; sampled beyond the budget).
    val_pinned_share, val_unpinned_high : float
        Share of those rows predicted ``predicted_class`` with a top probability of at least
        :data:`~gapdoctor.causes.pipeline_bug.score.PINNED`, and the upper end of the exact 95% interval of
        the share that is not.
    train_pinned_share : float or None
        The same share on the training rows (None without ``y_train`` and ``train_probs``).
    val_predicted_share, train_predicted_share : float or None
        Share of all rows of each split predicted ``predicted_class``.
    val_label_share : float
        Share of the validation labels that are ``predicted_class``.
    """

    CHECK: ClassVar[str] = "pipeline_bug.collapsed_predictions"
    predicted_class: str = figure(label="class every validation row is pinned to", shown_as="text")
    val_rows_other_classes: int = figure(label="validation rows labelled with another class", shown_as="count")
    val_pinned_share: float = figure(
        label="of those, predicted the one class with probability >= 0.999", shown_as="share"
    )
    val_unpinned_high: float = figure(label="upper end of the share not pinned (95%)", shown_as="share")
    train_pinned_share: float | None = figure(omit_none=True, label="the same share on training rows", shown_as="share")
    val_predicted_share: float = figure(label="validation rows predicted the class", shown_as="share")
    train_predicted_share: float | None = figure(
        omit_none=True, label="training rows predicted the class", shown_as="share"
    )
    val_label_share: float = figure(label="validation labels that are the class", shown_as="share")


@dataclass(frozen=True, kw_only=True)
class NanValidation(Payload):
    """Validation curves logged NaN (or infinite) at every evaluation while the training loss is finite.

    Parameters
    ----------
    series : str
        The validation series with no finite value (``"val_loss, val_accuracy"``).
    points_logged : int
        Evaluation points of the run.
    train_loss_final : float
        The last finite training loss.
    """

    CHECK: ClassVar[str] = "pipeline_bug.nan_validation"
    series: str = figure(label="validation series NaN at every evaluation", shown_as="text")
    points_logged: int = figure(label="evaluation points logged", shown_as="count")
    train_loss_final: float = figure(label="final training loss (finite)", shown_as="number")


@dataclass(frozen=True, kw_only=True)
class ValidationIsTraining(Payload):
    """A validation curve identical, to the digits logged, to its training twin at every evaluation.

    Parameters
    ----------
    series : str
        The validation series that repeat their training twins (``"val_loss"``).
    points_logged : int
        Evaluation points at which both were logged (all identical).
    first, last : float
        The repeated series' first and last values.
    """

    CHECK: ClassVar[str] = "pipeline_bug.validation_is_training"
    series: str = figure(label="validation series identical to the training series", shown_as="text")
    points_logged: int = figure(label="evaluation points, all identical", shown_as="count")
    first: float = figure(label="first value", shown_as="number")
    last: float = figure(label="last value", shown_as="number")


@dataclass(frozen=True, kw_only=True)
class EmptyTrainingTargets(Payload):
    """A detector's training loss terms logged 0 at every evaluation while their validation twins are not.

    Parameters
    ----------
    terms : str
        The loss terms 0 throughout training (``"box, dfl"``).
    points_logged : int
        Evaluation points of the run.
    val_loss_final : float
        The validation loss (the sum of its terms) at the end.
    """

    CHECK: ClassVar[str] = "pipeline_bug.empty_training_targets"
    terms: str = figure(label="training loss terms 0 at every evaluation", shown_as="text")
    points_logged: int = figure(label="evaluation points logged", shown_as="count")
    val_loss_final: float = figure(label="final validation loss", shown_as="number")


@dataclass(frozen=True, kw_only=True)
class MetricNeverScored(Payload):
    """A validation metric logged 0 at every evaluation while a loss of the same run fell.

    Parameters
    ----------
    series : str
        The validation metrics at 0 throughout (``"val_bleu"``).
    points_logged : int
        Evaluations at which they were logged (all 0).
    loss : str
        The loss that fell (``"val_loss"``, else ``"train_loss"``).
    loss_first, loss_last : float
        That loss at its first and last evaluation.
    """

    CHECK: ClassVar[str] = "pipeline_bug.metric_never_scored"
    series: str = figure(label="validation metrics 0 at every evaluation", shown_as="text")
    points_logged: int = figure(label="evaluations, all 0", shown_as="count")
    loss: str = figure(label="the loss that fell meanwhile", shown_as="text")
    loss_first: float = figure(label="that loss at the first evaluation", shown_as="number")
    loss_last: float = figure(label="that loss at the last evaluation", shown_as="number")


@dataclass(frozen=True, kw_only=True)
class UnboundedLoss(Payload):
    """A training loss below 0 that keeps falling without slowing: a loss with no floor.

    Parameters
    ----------
    points_logged : int
        Finite training-loss points of the run.
    points_negative : int
        Of them, those below 0.
    loss_first, loss_last : float
        The training loss at its first and last point.
    fall_last_third, fall_third_before : float
        How far it fell over the run's last third of points, and over the third before it.
    beside_accuracy : str or None
        The accuracy series logged beside a loss that ends below -1 without falling for ever: a classification loss
        below its floor of 0 (None when the loss has no floor at all).
    """

    CHECK: ClassVar[str] = "pipeline_bug.unbounded_loss"
    points_logged: int = figure(label="training-loss points logged", shown_as="count")
    points_negative: int = figure(label="of them below 0", shown_as="count")
    loss_first: float = figure(label="training loss at the first point", shown_as="number")
    loss_last: float = figure(label="training loss at the last point", shown_as="number")
    fall_last_third: float = figure(label="its fall over the last third of the run", shown_as="number")
    fall_third_before: float = figure(label="its fall over the third before", shown_as="number")
    beside_accuracy: str | None = figure(
        omit_none=True, label="accuracy logged beside it (a classification loss: never below 0)", shown_as="text"
    )


@dataclass(frozen=True, kw_only=True)
class ZeroLoss(Payload):
    """A loss logged exactly 0 at every evaluation: never measured.

    Parameters
    ----------
    series : str
        The losses 0 throughout (``"train_loss, val_loss"``).
    points_logged : int
        Evaluations at which they were logged (all 0).
    metric_measured : str or None
        The validation metric measured beside a validation loss 0 throughout (values not all 0); None otherwise.
    """

    CHECK: ClassVar[str] = "pipeline_bug.zero_loss"
    series: str = figure(label="losses 0 at every evaluation", shown_as="text")
    points_logged: int = figure(label="evaluations, all 0", shown_as="count")
    metric_measured: str | None = figure(omit_none=True, label="validation metric measured beside it", shown_as="text")
