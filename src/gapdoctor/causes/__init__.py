"""The causes: one folder each, found by the registry.

``causes/<cause>/`` holds everything that changes when the cause changes: its checks
(``check.py`` and any companion check modules, imported by the folder's ``__init__``),
its confirming experiment (``experiment.py``, when re-training can confirm it) and its
figures. :mod:`~gapdoctor.causes.vocabulary` holds the cause vocabulary and each cause's
story and default fixes; :mod:`~gapdoctor.causes.registry` finds the folders and runs
their checks. See CONTRIBUTING.md, "Adding a cause".
"""

from __future__ import annotations

from gapdoctor.causes.vocabulary import CAUSES, CauseInfo, cause_info, known_causes, register_cause

__all__ = ["CAUSES", "CauseInfo", "cause_info", "known_causes", "register_cause"]
