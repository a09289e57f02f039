"""A run's loss logged only under a name of its own (a VAE's ``train_elbo_loss`` / ``val_elbo_loss``, a stacked
autoencoder's ``Reconstruct Loss`` / ``Valid Reconstruct Loss``), read as the loss when no plain loss was logged; and
the validation set's series named after its dataset (the HF Trainer's ``eval_dataset={"squad": ...}`` logs
``eval_squad_loss``), read as the validation set's when no other validation series was logged.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from gapdoctor.inputs.series_names import clean_name, normalise_series_name, split_and_body

__all__ = ["named_eval_sets", "named_losses", "with_named_losses"]

# The HF Trainer logs these with every evaluation of a named set: "eval_<set>_runtime", ...
_HF_EVAL_SET = re.compile(r"eval_(.+)_(?:runtime|samples_per_second|steps_per_second)")

# Named losses that are the total a model minimises when a run logs several (a VAE's ELBO beside its terms).
_TOTAL_LOSS_NAMES = ("total", "elbo", "overall", "combined", "full", "sum", "main", "objective")


def named_losses(unknown: Collection[str]) -> tuple[dict[str, str], str | None]:
    """Raw names to read as ``train_loss`` / ``val_loss`` when a run logs its loss only under a name of its own.

    A run that logs no plain loss but a named one for both splits (a VAE's ``train_elbo_loss`` and
    ``val_elbo_loss``) is read through that pair. When several pairs are logged (``elbo`` beside its
    ``recon`` term), only a name that says it is the total (:data:`_TOTAL_LOSS_NAMES`) is taken;
    otherwise none is (which loss the run minimises is not known). Every raw spelling of the chosen
    pair is returned (per-step and per-epoch both), so the usual preference picks among them.

    Parameters
    ----------
    unknown : collection of str
        Raw names no other rule understood.

    Returns
    -------
    dict of str to str, and str or None
        Raw name -> ``train_loss`` / ``val_loss``, and the pair's name (None when none is read).

    Examples
    --------
    >>> named_losses(["train_elbo_loss", "val_elbo_loss", "train_recon_loss", "val_recon_loss", "val_kld"])
    ({'train_elbo_loss': 'train_loss', 'val_elbo_loss': 'val_loss'}, 'elbo')
    >>> named_losses(["train_recon_loss", "val_recon_loss", "train_kl_loss", "val_kl_loss"])
    ({}, None)
    >>> named_losses(["train_disc_loss", "train_gen_loss"])
    ({}, None)
    >>> named_losses(["reconstruct_loss", "valid_reconstruct_loss"])
    ({'reconstruct_loss': 'train_loss', 'valid_reconstruct_loss': 'val_loss'}, 'reconstruct')
    """
    by_core: dict[str, dict[str, list[str]]] = {}
    for raw in unknown:
        # a training name without its split's word is the training side ("Reconstruct Loss" beside "Valid
        # Reconstruct Loss", as Keras writes "loss" beside "val_loss"): kept only when its validation twin is logged
        parsed = split_and_body(raw) or ("train", clean_name(raw))
        if not parsed[1].endswith("_loss"):
            continue
        split, body = parsed
        by_core.setdefault(body[: -len("_loss")], {}).setdefault(split, []).append(raw)
    complete = [core for core, splits in by_core.items() if {"train", "val"} <= set(splits)]
    if len(complete) > 1:
        complete = [core for core in complete if core in _TOTAL_LOSS_NAMES]
    if len(complete) != 1:
        return {}, None
    core = complete[0]
    return {raw: f"{split}_loss" for split, raws in by_core[core].items() for raw in raws}, core


def named_eval_sets(unknown: Sequence[str], metrics: Collection[str] = ()) -> tuple[dict[str, str], tuple[str, ...]]:
    """Raw names to read as the validation set's series when the HF Trainer evaluated named sets.

    ``Trainer(eval_dataset={"squad": ds})`` logs ``eval_squad_loss``, ``eval_squad_runtime``... for each set named
    (any name: a hub id such as ``yahma/alpaca-cleaned`` too); the ``_runtime`` / ``_samples_per_second`` /
    ``_steps_per_second`` it logs with every evaluation name the sets. The first set logged is read (a run evaluating
    several: the others are said, not used), as the first of Lightning's validation loaders is.

    Parameters
    ----------
    unknown : sequence of str
        Raw names no other rule understood, in the order logged.
    metrics : collection of str, default=()
        Extra metric names to accept (a user's own ``metric=``).

    Returns
    -------
    dict of str to str, and tuple of str
        Raw name -> ``val_<metric>``, and the note saying so (both empty when no named set was logged).

    Examples
    --------
    >>> named_eval_sets(["eval_yahma/alpaca-cleaned_loss", "eval_yahma/alpaca-cleaned_runtime"])[0]
    {'eval_yahma/alpaca-cleaned_loss': 'val_loss'}
    >>> named_eval_sets(["eval_squad_loss", "eval_squad_f1", "eval_squad_runtime", "eval_mnli_loss",
    ...                  "eval_mnli_runtime"])[0]
    {'eval_squad_loss': 'val_loss', 'eval_squad_f1': 'val_f1'}
    >>> named_eval_sets(["eval_squad_loss", "eval_squad_f1"])  # no runtime: not known to be the Trainer's sets
    ({}, ())
    """
    sets = list(dict.fromkeys(m.group(1) for raw in unknown if (m := _HF_EVAL_SET.fullmatch(raw))))
    if not sets:
        return {}, ()
    first, longer = sets[0], [name for name in sets[1:] if len(name) > len(sets[0])]
    read: dict[str, str] = {}
    for raw in unknown:
        if raw.startswith(f"eval_{first}_") and not any(raw.startswith(f"eval_{name}_") for name in longer):
            name = normalise_series_name("eval_" + raw[len(f"eval_{first}_") :], metrics=metrics)
            if name and name.startswith("val_"):
                read[raw] = name
    if not read:
        return {}, ()
    others = f"; the other evaluation sets ({', '.join(sets[1:])}) not used" if len(sets) > 1 else ""
    return read, (f"the HF Trainer's evaluation set {first!r} (eval_{first}_*) read as the validation set{others}",)


def with_named_losses(
    target: Mapping[str, str], ignored: list[str], metrics: Collection[str] = ()
) -> tuple[dict[str, str], list[str], tuple[str, ...]]:
    """A reader's raw -> series map with a named loss pair (:func:`named_losses`) read as the loss, and the series of
    a named evaluation set (:func:`named_eval_sets`) as the validation set's, said so.

    A named loss pair only when no plain training or validation loss was understood, a named evaluation set only
    when no validation series was; returns the map, the names still not understood, and the notes.

    Examples
    --------
    >>> with_named_losses({"epoch_x": "val_accuracy"}, ["train_elbo_loss", "val_elbo_loss"])[2]
    ('no plain loss was logged: the elbo loss (train_elbo_loss, val_elbo_loss) read as the loss',)
    """
    target = dict(target)
    notes: tuple[str, ...] = ()
    if not any(name.startswith("val_") for name in target.values()):
        sets, notes = named_eval_sets(ignored, metrics)
        target, ignored = {**target, **sets}, [raw for raw in ignored if raw not in sets]
    if {"train_loss", "val_loss"} & set(target.values()):
        return target, ignored, notes
    named, core = named_losses(ignored)
    if not named:
        return target, ignored, notes
    note = f"no plain loss was logged: the {core} loss ({', '.join(sorted(named))}) read as the loss"
    return {**target, **named}, [raw for raw in ignored if raw not in named], (*notes, note)
