"""Bank-file reader tests: make the checkout and the shared helpers importable.

The project is not installed into the virtualenv and pytest runs with ``--import-mode=importlib``,
which does not put test directories on ``sys.path``; the helpers live in ``bankfile_helpers.py``
next to this.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE.parents[1], HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
