"""Start-up shortcuts: what they skip must be what the slow path would have done."""

from __future__ import annotations

import alembic.command
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from cheptel import db as dbmod
from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, MakeApi


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(dbmod.MIGRATIONS))
    assert dbmod.script_heads() == set(ScriptDirectory.from_config(cfg).get_heads())


def test_alembic_runs_only_when_a_migration_is_missing(make_api: MakeApi,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_api().deps.db_engine
    assert dbmod.applied_heads(engine) == dbmod.script_heads()
    calls: list[str] = []
    real = alembic.command.upgrade
    monkeypatch.setattr(alembic.command, "upgrade",
                        lambda cfg, rev: (calls.append(rev), real(cfg, rev)))
    dbmod.migrate(engine)
    assert calls == []  # at the heads: Alembic is not even loaded
    cfg = Config()  # as if the newest migration had not run yet
    cfg.set_main_option("script_location", str(dbmod.MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        alembic.command.downgrade(cfg, "-1")
    assert dbmod.applied_heads(engine) != dbmod.script_heads()
    dbmod.migrate(engine)
    assert calls == ["heads"]
    assert dbmod.applied_heads(engine) == dbmod.script_heads()


def test_a_restart_keeps_the_bootstrap_passwords(make_api: MakeApi) -> None:
    make_api().token("admin", ADMIN_PASSWORD, "admin")
    again = make_api()  # the same data dir: at the heads, bootstrapped
    again.token("admin", ADMIN_PASSWORD, "admin")
    again.token("demo", DEMO_PASSWORD, "demo")
