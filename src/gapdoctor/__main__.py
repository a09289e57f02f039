"""``python -m gapdoctor`` runs the command-line interface."""

from __future__ import annotations

from gapdoctor.cli import main

raise SystemExit(main())
