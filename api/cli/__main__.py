"""``python -m api.cli``: the same as the ``saldo`` script."""

from api.cli import main

# Guarded: the worker processes of ``--dask local:N`` are spawned, and re-import the main module.
if __name__ == "__main__":
    raise SystemExit(main())
