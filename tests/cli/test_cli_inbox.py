from __future__ import annotations

import json
from pathlib import Path

import pytest

from social_listen.cli import main


def inbox_json(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["--config", str(config), "--json", "inbox", "list", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_list_is_most_urgent_first_with_filters(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = inbox_json(collected, capsys, "--limit", "50")
    urgencies = [float(i["urgency"] or 0) for i in items]  # type: ignore[arg-type]
    assert len(items) > 1
    assert urgencies == sorted(urgencies, reverse=True)
    assert len(inbox_json(collected, capsys, "--limit", "2")) == 2
    lunaro = inbox_json(collected, capsys, "--brand", "Lunaro", "--limit", "50")
    assert lunaro
    assert all("Lunaro" in i["brands"] for i in lunaro)
    assert inbox_json(collected, capsys, "--source", "reddit") == []

    assert main(["--config", str(collected), "inbox", "list", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["urgency", "source", "id", "author", "time", "text"]
    assert len(lines) == 4
    assert lines[1].split()[1] == "hackernews"


def test_set_assign_tag_note_and_show(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    top = inbox_json(collected, capsys, "--limit", "1")[0]
    source, native = str(top["source"]), str(top["native_id"])
    base = ["--config", str(collected)]
    assert main([*base, "inbox", "assign", source, native, "ana", "--actor", "lead"]) == 0
    assert "assigned to ana" in capsys.readouterr().out
    assert main([*base, "inbox", "tag", source, native, "delivery", "escalated"]) == 0
    assert main([*base, "inbox", "note", source, native, "called the customer back"]) == 0
    assert main([*base, "inbox", "set", source, native, "responded", "--actor", "ana"]) == 0
    capsys.readouterr()
    assert main([*base, "--json", "inbox", "show", source, native]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "responded"
    assert record["assignee"] == "ana"
    assert record["tags"] == ["delivery", "escalated"]
    assert record["notes"] == ["called the customer back"]
    assert record["first_response_at"] is not None
    assert {h["field"] for h in record["history"]} >= {"status", "assignee", "tags", "notes"}
    # a responded mention has left the open inbox
    assert all(i["native_id"] != native for i in inbox_json(collected, capsys, "--limit", "100"))


def test_bad_status_is_exit_2_and_unknown_mention_exit_1(
    collected: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(collected), "inbox", "set", "hackernews", "x", "done"]) == 2
    assert "done" in capsys.readouterr().err
    assert main(["--config", str(collected), "inbox", "set", "hackernews", "no-such-id", "closed"]) == 1
    assert "no stored mention hackernews/no-such-id" in capsys.readouterr().err


def test_stats_by_assignee_and_sla_breaches(collected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--config", str(collected)]
    items = inbox_json(collected, capsys, "--limit", "2")
    for item, who in zip(items, ("ana", "bob"), strict=True):
        assert main([*base, "inbox", "assign", str(item["source"]), str(item["native_id"]), who]) == 0
    first = items[0]
    assert main([*base, "inbox", "set", str(first["source"]), str(first["native_id"]), "closed"]) == 0
    capsys.readouterr()
    assert main([*base, "--json", "inbox", "stats", "--by", "assignee", "--sla", "1h"]) == 0
    data = json.loads(capsys.readouterr().out)
    groups = {g["group"]: g for g in data["groups"]}
    assert set(groups) == {"ana", "bob"}
    assert groups["ana"]["closed"] == 1
    assert groups["bob"]["closed"] == 0
    # the posts are days old: both were answered (or are still open) long after an hour
    assert data["sla_s"] == 3600
    assert {b["native_id"] for b in data["breaches"]} == {items[0]["native_id"], items[1]["native_id"]}
    assert main([*base, "inbox", "stats", "--by", "assignee", "--sla", "1h"]) == 0
    out = capsys.readouterr().out
    assert "2 SLA breaches (target 1h)" in out
    assert main([*base, "inbox", "stats", "--sla", "soon"]) == 2
