"""The check registry.

A check is a pure function ``Evidence -> list[Finding]`` for one cause, registered
with :func:`register`. Adding a cause means adding one folder to :mod:`gapdoctor.causes`:
:func:`load_causes` (:mod:`~gapdoctor.causes.folders`) finds every folder and imports the
check modules its ``__init__`` names in ``CHECKS``, whose ``@register`` calls fill :data:`REGISTRY`.

A check reads one kind of subject, declared with ``reads``: one run's
:class:`~gapdoctor.inputs.evidence.Evidence` (the default; :func:`gapdoctor.diagnose`)
or a search's :class:`~gapdoctor.inputs.trials.SearchTrials`
(:func:`gapdoctor.diagnose_search`); :func:`gapdoctor.engine.run_checks` runs either.

A check that cannot conclude from the inputs raises :class:`SkipCheck` with the
reason; the diagnosis lists it as skipped. Inputs named in ``requires`` are checked
before the check runs.
"""

from __future__ import annotations

import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from gapdoctor.causes.folders import import_each, load_causes
from gapdoctor.causes.vocabulary import cause_order, known_causes
from gapdoctor.errors import SkipCheck
from gapdoctor.findings import CheckRun, Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.stats.shared import SHARED_RESULTS, forget_shared_results

__all__ = [
    "REGISTRY",
    "SHARED_RESULTS",
    "Check",
    "SkipCheck",
    "all_checks",
    "forget_shared_results",
    "get_check",
    "guarded_run",
    "load_causes",
    "load_interventions",
    "register",
]

CheckFunction = Callable[[Any], list[Finding]]
"""``function(subject) -> list[Finding]``, the subject being of the check's ``reads`` type."""
Registered = TypeVar("Registered", bound=Callable[..., list[Finding]])

if TYPE_CHECKING:
    from gapdoctor.experiments.lab import Intervention


@dataclass(frozen=True)
class Check:
    """One registered check.

    Parameters
    ----------
    name : str
        Unique name, ``"<cause>.<method>"`` by convention.
    cause : str
        The cause it produces findings for.
    requires : tuple of str
        Fields of the subject that must be present (not None).
    function : callable
        ``function(subject) -> list[Finding]``.
    description : str
        One line: what the check looks at.
    reads : type, default=Evidence
        The subject it reads: :class:`~gapdoctor.inputs.evidence.Evidence` or
        :class:`~gapdoctor.inputs.trials.SearchTrials`.
    """

    name: str
    cause: str
    requires: tuple[str, ...]
    function: CheckFunction
    description: str
    reads: type = Evidence

    def missing(self, subject: object) -> list[str]:
        """The required inputs that ``subject`` lacks."""
        return [n for n in self.requires if getattr(subject, n) is None]


REGISTRY: dict[str, Check] = {}
"""name -> Check, in registration order."""


def register(
    *, name: str, cause: str, requires: tuple[str, ...] = (), description: str = "", reads: type = Evidence
) -> Callable[[Registered], Registered]:
    """Register a check function.

    Parameters
    ----------
    name : str
    cause : str
        One of :data:`gapdoctor.CAUSES`.
    requires : tuple of str, default=()
    description : str, default=""
    reads : type, default=Evidence
        What the function is called with (see :class:`Check`).

    Returns
    -------
    callable
        The decorator; the function itself is returned unchanged.
    """
    if cause not in known_causes():
        raise ValueError(f"check {name!r}: unknown cause {cause!r}; known causes: {', '.join(known_causes())}")
    if name in REGISTRY:
        raise ValueError(f"check {name!r} is registered twice")

    def decorator(function: Registered) -> Registered:
        doc = description or next(iter((function.__doc__ or "").strip().splitlines()), "")
        REGISTRY[name] = Check(name, cause, tuple(requires), function, doc, reads)
        return function

    return decorator


def get_check(name: str) -> Check:
    """Return the registered check called ``name``.

    Raises
    ------
    KeyError
        With the list of known names when ``name`` is not registered.
    """
    load_causes()
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no check named {name!r}; registered checks: {', '.join(REGISTRY)}") from None


def all_checks(reads: type = Evidence) -> list[Check]:
    """Every registered check reading ``reads``, in cause-vocabulary order.

    Within a cause, checks run in the order its folder declares in ``CHECK_ORDER``,
    the others after them by name.
    """
    load_causes()
    chosen = [c for c in REGISTRY.values() if c.reads is reads]
    return sorted(chosen, key=lambda c: (cause_order(c.cause), *_order_in_cause(c)))


def _order_in_cause(check: Check) -> tuple[int, str]:
    folder = sys.modules.get(f"{__package__}.{check.cause}")
    declared: tuple[str, ...] = getattr(folder, "CHECK_ORDER", ())
    return (declared.index(check.name), "") if check.name in declared else (len(declared), check.name)


def guarded_run(name: str, cause: str, call: Callable[[], list[Finding]]) -> tuple[CheckRun, list[Finding]]:
    """Run one check: nothing it raises or warns reaches the caller.

    A :class:`SkipCheck` becomes a "skipped" run, any other exception an "errored" run
    (the other checks still run), findings of another cause an "errored" run. Warnings
    raised by dependencies inside the check (numpy, scikit-learn...) are kept out of the
    user's program and listed in :attr:`CheckRun.warnings`, once per distinct message.

    Returns
    -------
    run : CheckRun
    findings : list of Finding
        Empty unless the check ran.
    """
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            produced = call()
            error: Exception | None = None
        except SkipCheck as skip:
            seconds = time.perf_counter() - started
            return CheckRun(name, cause, "skipped", skip.reason, seconds, warnings=_distinct(caught)), []
        except Exception as raised:  # a broken check must not take the diagnosis down
            produced, error = [], raised
    seconds = time.perf_counter() - started
    seen = _distinct(caught)
    if error is not None:
        last = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"
        return CheckRun(
            name, cause, "errored", f"{type(error).__name__}: {error} (at {where})", seconds, warnings=seen
        ), []
    wrong = [f.cause for f in produced if f.cause != cause]
    if wrong:
        reason = f"returned findings for {wrong}, not its own cause {cause!r}"
        return CheckRun(name, cause, "errored", reason, seconds, warnings=seen), []
    return CheckRun(name, cause, "ran", "", seconds, len(produced), warnings=seen), list(produced)


def _distinct(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for w in caught:
        where = f"{w.filename.rsplit('/', 1)[-1]}:{w.lineno}"
        out.setdefault(f"{w.category.__name__}: {w.message} (at {where})", None)
    return tuple(out)


def load_interventions() -> dict[str, Intervention]:
    """Import every cause folder's ``experiment`` module once (each registers its intervention).

    Returns
    -------
    dict
        :data:`gapdoctor.experiments.lab.INTERVENTIONS` (cause -> intervention), filled.
    """
    from gapdoctor.experiments.lab import INTERVENTIONS

    import_each("experiment")
    return INTERVENTIONS
