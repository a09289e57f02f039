"""Metric names as loggers spell them -> gapdoctor's metric vocabulary (:data:`gapdoctor.stats.metrics.METRICS`).

One table, read by :func:`gapdoctor.inputs.series_names.normalise_series_name` after the split
prefix or suffix is taken off: ``acc`` -> ``accuracy``, ``mAP50-95`` -> ``map``, ``bbox_mAP`` -> ``map``.
"""

from __future__ import annotations

__all__ = ["METRIC_ALIASES", "TORCHMETRICS_CLASSES", "singular", "torchmetrics_metric"]

METRIC_ALIASES: dict[str, str] = {
    "acc": "accuracy",
    "categorical_accuracy": "accuracy",
    "sparse_categorical_accuracy": "accuracy",
    "binary_accuracy": "accuracy",
    "f1_score": "f1",
    "f1score": "f1",
    "macro_f1": "f1",
    "f1_macro": "f1",
    "auc": "roc_auc",
    "auroc": "roc_auc",
    "roc_auc_score": "roc_auc",
    "ap": "average_precision",
    "logloss": "log_loss",
    # gradient boosting's evaluation names (LightGBM's record_evaluation, XGBoost's evals_result)
    "binary_logloss": "log_loss",
    "multi_logloss": "log_loss",
    "mlogloss": "log_loss",
    "l2": "mse",
    "l1": "mae",
    "l2_root": "rmse",
    "binary_error": "error",
    "multi_error": "error",
    "merror": "error",
    "nll": "log_loss",
    "cross_entropy": "log_loss",
    "bal_acc": "balanced_accuracy",
    "balanced_acc": "balanced_accuracy",
    "err": "error",
    "error_rate": "error",
    "top_5_accuracy": "top5_accuracy",
}
METRIC_ALIASES.update(
    {
        # accuracy as frameworks spell it (top-1, token and seqeval's overall accuracy are accuracies)
        "top1": "accuracy",
        "acc1": "accuracy",
        "top_1_accuracy": "accuracy",
        "top1_accuracy": "accuracy",
        "overall_accuracy": "accuracy",
        "acc5": "top5_accuracy",
        "acc_1": "accuracy",  # PyTorch's ImageNet example and its descendants print "Acc@1", "Acc@5" ("Prec@1" once)
        "acc_5": "top5_accuracy",
        "prec_1": "accuracy",
        "prec_5": "top5_accuracy",
        "accuracy_top1": "accuracy",  # Ultralytics' classifiers: metrics/accuracy_top1, metrics/accuracy_top5
        "accuracy_top5": "top5_accuracy",
        "top5": "top5_accuracy",
        "mean_token_accuracy": "token_accuracy",
        "token_acc": "token_accuracy",
        # F1 / precision / recall variants (seqeval's overall_* are micro over entities)
        "overall_f1": "f1",
        "overall_precision": "precision",
        "overall_recall": "recall",
        "f1_micro": "f1_micro",
        "micro_f1": "f1_micro",
        "f1_weighted": "f1_weighted",
        "weighted_f1": "f1_weighted",
        "precision_macro": "precision",
        "recall_macro": "recall",
        "macro_precision": "precision",
        "macro_recall": "recall",
        "auprc": "average_precision",
        "pr_auc": "average_precision",
        "matthews_correlation": "mcc",
        "matthews_corrcoef": "mcc",
        "word_error_rate": "wer",
        "character_error_rate": "cer",
        "sacrebleu": "bleu",
        "rouge_1": "rouge1",
        "rouge_2": "rouge2",
        "rouge_l": "rougel",
        "rouge_lsum": "rougelsum",
        "ppl": "perplexity",
        "map50": "map_50",
        "map_0_5": "map_50",
        "map_50_95": "map",
        "map50_95": "map",
        "map_0_5_0_95": "map",
        "mean_average_precision": "map",
        "miou": "iou",
        "mean_iou": "iou",
        "jaccard": "iou",
        "dice_score": "dice",
        "dice_coefficient": "dice",
        "r_squared": "r2",
        "r2_score": "r2",
        "mean_squared_error": "mse",
        "mean_absolute_error": "mae",
        "root_mean_squared_error": "rmse",
        "exact": "exact_match",
        "em": "exact_match",
        "spearman": "spearmanr",
        "pearson": "pearsonr",
        # detection and segmentation evaluators: COCO's box AP (Detectron2 "bbox/AP", MMDetection "bbox_mAP",
        # MMEngine "coco/bbox_mAP"), Pascal VOC's mAP. MMSegmentation's pixel accuracies (aAcc, mAcc) are left
        # unread: its metric is mIoU (its best checkpoint's default), and background pixels carry aAcc
        "bbox_ap": "map",
        "bbox_ap50": "map_50",
        "bbox_map": "map",
        "bbox_map_50": "map_50",
        "coco_bbox_map": "map",
        "coco_bbox_map_50": "map_50",
        "pascal_voc_map": "map",
        "pascal_voc_ap50": "map_50",
        "sem_seg_miou": "iou",
        # MMClassification's "accuracy_top-1", MMPretrain's "accuracy/top1"
        "accuracy_top_1": "accuracy",
        "accuracy_top_5": "top5_accuracy",
    }
)
METRIC_ALIASES.update(
    {
        # Cohen's kappa, unweighted ("cohen": BIOT's and other EEG / medical loops' name for it); a quadratic
        # weighted kappa (qwk) is another metric, not read as this one
        "cohen": "kappa",
        "cohen_kappa": "kappa",
        "cohens_kappa": "kappa",
        "cohen_kappa_score": "kappa",
        "kappa_score": "kappa",
        "bacc": "balanced_accuracy",
        "aupr": "average_precision",
        # a cross-entropy compiled as a Keras metric is logged under the loss function's name
        "crossentropy": "log_loss",
        "categorical_crossentropy": "log_loss",
        "sparse_categorical_crossentropy": "log_loss",
        "binary_crossentropy": "log_loss",
        # segmentation: Keras' MeanIoU ("mean_io_u"), a hand-written Dice coefficient, segmentation_models_pytorch's
        # examples (dataset_iou beside per_image_iou: the dataset's is the one its checkpoints are chosen on)
        "mean_io_u": "iou",
        "dataset_iou": "iou",
        "dice_coef": "dice",
        "dice_coeff": "dice",
        "bleu_4": "bleu",
        "bleu4": "bleu",
        "mean_absolute_percentage_error": "mape",
        "symmetric_mean_absolute_percentage_error": "smape",
        "peak_signal_noise_ratio": "psnr",
        "structural_similarity": "ssim",
        "mean_reciprocal_rank": "mrr",
    }
)

# torchmetrics' class names, as a MetricCollection keys what it computes ("val_MulticlassAccuracy",
# "val_BinaryAUROC", "val_MeanAbsoluteError"): the class name lower-cased, its task prefix (binary, multiclass,
# multilabel) taken off. Classes that return a dict (ROUGEScore, MeanAveragePrecision) are keyed by the dict's own
# names, read through METRIC_ALIASES.
TORCHMETRICS_CLASSES: dict[str, str] = {
    "accuracy": "accuracy",
    "f1score": "f1",
    "auroc": "roc_auc",
    "averageprecision": "average_precision",
    "precision": "precision",
    "recall": "recall",
    "jaccardindex": "iou",
    "meaniou": "iou",
    "dice": "dice",
    "dicescore": "dice",
    "matthewscorrcoef": "mcc",
    "cohenkappa": "kappa",
    "exactmatch": "exact_match",
    "meanabsoluteerror": "mae",
    "meansquarederror": "mse",
    "r2score": "r2",
    "pearsoncorrcoef": "pearsonr",
    "spearmancorrcoef": "spearmanr",
    "meanabsolutepercentageerror": "mape",
    "symmetricmeanabsolutepercentageerror": "smape",
    "worderrorrate": "wer",
    "charerrorrate": "cer",
    "bleuscore": "bleu",
    "sacrebleuscore": "bleu",
    "perplexity": "perplexity",
    "peaksignalnoiseratio": "psnr",
    "structuralsimilarityindexmeasure": "ssim",
    "retrievalmrr": "mrr",
}


def torchmetrics_metric(name: str) -> str | None:
    """The metric a torchmetrics class name means (``multiclassaccuracy`` -> ``accuracy``), or None.

    ``name`` is cleaned (lower case); the task prefix is optional, as torchmetrics' task-free classes
    (``MeanAbsoluteError``) have none.

    Examples
    --------
    >>> torchmetrics_metric("multiclassaccuracy"), torchmetrics_metric("binaryauroc"), torchmetrics_metric("r2score")
    ('accuracy', 'roc_auc', 'r2')
    >>> torchmetrics_metric("binaryhammingdistance"), torchmetrics_metric("multiclass")
    (None, None)
    """
    for task in ("binary", "multiclass", "multilabel"):
        if name.startswith(task) and len(name) > len(task):
            return TORCHMETRICS_CLASSES.get(name[len(task) :])
    return TORCHMETRICS_CLASSES.get(name)


def singular(name: str) -> str | None:
    """A plural name's singular (``losses`` -> ``loss``, ``accuracies`` -> ``accuracy``, ``accs`` -> ``acc``), or None.

    Examples
    --------
    >>> singular("losses"), singular("accuracies"), singular("f1s"), singular("loss"), singular("acc")
    ('loss', 'accuracy', 'f1', None, None)
    """
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("sses"):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return None
