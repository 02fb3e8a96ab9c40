"""A pytest plugin for ``make mutate`` only (loaded with ``-p tests.mutation.plugin``).

mutmut keeps every mutant of a function as a copy of it in the module (``x_name__mutmut_3``), docstring
included, so ``--doctest-modules`` would collect each function's doctest once per mutant. Only the copy of
the original (``x_name__mutmut_orig``) is kept: it runs the same examples through the trampoline, which
calls whichever mutant is under test.
"""

from __future__ import annotations

import re

import pytest

_MUTANT_COPY = re.compile(r"__mutmut_\d+$")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    copies = [item for item in items
              if isinstance(item, pytest.DoctestItem) and _MUTANT_COPY.search(item.name)]
    if copies:
        config.hook.pytest_deselected(items=copies)
        dropped = {id(item) for item in copies}
        items[:] = [item for item in items if id(item) not in dropped]
