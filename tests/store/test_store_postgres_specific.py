"""PostgreSQL specifics: the missing extra, language configurations, row locks."""

from __future__ import annotations

import builtins
import threading
from datetime import timedelta
from typing import Any

import pytest
from store_support import make_mention

from social_listen.core import MissingDependency, Page, SourceState, utcnow
from social_listen.store import Filter, OutboxItem


def test_without_psycopg_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from social_listen.store import PostgresStore

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".", maxsplit=1)[0] in ("psycopg", "psycopg_pool"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependency) as info:
        PostgresStore("postgresql://nobody@127.0.0.1:1/none")
    assert "social-listen[postgres]" in str(info.value)


def test_invalid_schema_names_are_refused() -> None:
    from social_listen.core import ConfigError
    from social_listen.store import PostgresStore

    with pytest.raises(ConfigError):
        PostgresStore("postgresql://nobody@127.0.0.1:1/none", schema="x; DROP SCHEMA public")


@pytest.mark.postgres
def test_text_search_uses_the_mentions_language_configuration(pg_schema: tuple[str, str]) -> None:
    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    with PostgresStore(dsn, schema=schema) as store:
        store.commit_page(
            Page(
                mentions=(
                    make_mention(0, text="A csomagok szállítása késik", language="hu"),
                    make_mention(1, text="Livrările sunt întârziate", language="ro"),
                    make_mention(2, text="The parcels are delayed", language="en"),
                )
            ),
            SourceState(),
            source_key="k",
        )
        assert [m.native_id for m in store.iter_mentions(Filter(text="szállítás"))] == ["0"]
        assert [m.native_id for m in store.iter_mentions(Filter(text="livrările"))] == ["1"]
        assert [m.native_id for m in store.iter_mentions(Filter(text="delay parcel"))] == ["2"]
        # Enrichment that corrects the language rebuilds the text-search configuration.
        fixed = make_mention(2, text="The parcels are delayed", language="en").model_copy(
            update={"detected_language": "hu"}
        )
        store.upsert_enrichment([fixed])
        assert [m.native_id for m in store.iter_mentions(Filter(text="parcels"))] == ["2"]


@pytest.mark.postgres
def test_concurrent_outbox_claims_never_share_a_row(pg_schema: tuple[str, str]) -> None:
    from social_listen.store import PostgresStore

    dsn, schema = pg_schema
    with PostgresStore(dsn, schema=schema, pool_size=6) as store:
        store.outbox.add([OutboxItem(rule="r", native_id=str(i), payload={"i": i}) for i in range(200)])
        claimed: list[list[int]] = []
        when = utcnow() + timedelta(seconds=1)

        def sender(name: str) -> None:
            mine: list[int] = []
            while batch := store.outbox.claim(worker=name, limit=7, now=when):
                mine.extend(m.id for m in batch)
            claimed.append(mine)

        threads = [threading.Thread(target=sender, args=(f"s{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        every = [i for mine in claimed for i in mine]
        assert len(every) == 200
        assert len(set(every)) == 200
