"""How the suite finds PostgreSQL: an explicit URL must answer, and the throwaway cluster really starts."""

from __future__ import annotations

import glob
import shutil

import psycopg
import pytest

from tests import postgres


def test_an_explicit_url_that_does_not_answer_fails_with_instructions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALDO_TEST_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    with pytest.raises(postgres.NoPostgres) as info, postgres.server_url():
        pass
    assert "does not answer" in str(info.value) and "docker compose up -d db" in str(info.value)


def test_the_throwaway_cluster_starts_answers_and_goes_away() -> None:
    if not (glob.glob("/usr/lib/postgresql/*/bin/pg_ctl") or shutil.which("pg_ctl")):
        with pytest.raises(postgres.NoPostgres, match="no pg_ctl"), postgres._throwaway_cluster():
            pass
        return
    with postgres._throwaway_cluster() as url, psycopg.connect(url, connect_timeout=10) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3)
