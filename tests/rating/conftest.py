"""Make the repository root (for ``ledger``) and this folder (for ``rating_helpers``) importable.

pyproject runs pytest with ``--import-mode=importlib``, which does not put the rootdir on sys.path, and
the project is not installed into the virtualenv.
"""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _path in (str(_HERE.parents[1]), str(_HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)
