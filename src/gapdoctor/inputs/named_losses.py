"""A run's loss logged only under a name of its own (a VAE's ``train_elbo_loss`` / ``val_elbo_loss``, a stacked
autoencoder's ``Reconstruct Loss`` / ``Valid Reconstruct Loss``), read as the loss when no plain loss was logged.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from gapdoctor.inputs.series_names import clean_name, split_and_body

__all__ = ["named_losses", "with_named_losses"]

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


def with_named_losses(
    target: Mapping[str, str], ignored: list[str]
) -> tuple[dict[str, str], list[str], tuple[str, ...]]:
    """A reader's raw -> series map with a named loss pair (:func:`named_losses`) read as the loss, said so.

    Only when no plain training or validation loss was understood; returns the map, the names still
    not understood, and the note.

    Examples
    --------
    >>> with_named_losses({"epoch_x": "val_accuracy"}, ["train_elbo_loss", "val_elbo_loss"])[2]
    ('no plain loss was logged: the elbo loss (train_elbo_loss, val_elbo_loss) read as the loss',)
    """
    if {"train_loss", "val_loss"} & set(target.values()):
        return dict(target), ignored, ()
    named, core = named_losses(ignored)
    if not named:
        return dict(target), ignored, ()
    note = f"no plain loss was logged: the {core} loss ({', '.join(sorted(named))}) read as the loss"
    return {**target, **named}, [raw for raw in ignored if raw not in named], (note,)
