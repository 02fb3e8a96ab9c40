"""``python -m api.cli``: the same as the ``saldo`` script."""

from api.cli import main

raise SystemExit(main())
