"""Who may import whom (docs/engineering.md), checked on the source: flows do no I/O, the
tagger knows nothing of conversations, LINE or the database, bot imports nothing from
admin (but for the app factory mounting its routes), and a case's status changes only in
bot/cases."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offenders(folder: str, forbidden: tuple[str, ...], allow: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for path in modules(folder):
        for name in imports_of(path):
            if name.startswith(forbidden) and not name.startswith(allow):
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    return sorted(bad)


IO = ("sqlmodel", "sqlalchemy", "httpx", "fastapi", "linebot", "bot.db", "bot.models",
      "bot.effects", "bot.worker", "bot.line.client", "bot.line.outbox", "bot.line.webhook",
      "bot.cases.lifecycle", "bot.followups", "bot.notifier", "bot.config")


def test_flows_do_no_io():
    assert offenders("bot/flows", IO) == []


def test_the_case_vocabulary_the_flows_use_is_pure():
    for module in ("bot/cases/__init__.py", "bot/cases/status.py"):
        assert [n for n in imports_of(ROOT / module) if n.startswith(IO)] == []


def test_the_tagger_knows_nothing_of_conversations_line_or_the_database():
    assert offenders("bot/nlp", ("bot.flows", "bot.line", "bot.db", "bot.models",
                                 "sqlmodel", "sqlalchemy", "bot.effects", "bot.cases")) == []


def test_bot_imports_nothing_from_admin_but_the_app_factory():
    bad = [line for line in offenders("bot", ("admin",)) if not line.startswith("bot/app.py")]
    assert bad == []


def test_the_directory_is_data_and_rules_without_line():
    assert offenders("bot/directory", ("bot.line", "linebot", "bot.flows")) == []


@pytest.mark.parametrize("folder", ["admin", "bot"])
def test_a_case_status_is_written_only_in_bot_cases(folder):
    pattern = re.compile(r"\bcase\.status\s*=[^=]|\bstatus\s*=\s*CaseStatus|"
                         r"update\(Case\)[^\n]*\.values\([^)]*\bstatus=")
    allowed = {"bot/cases/lifecycle.py", "bot/seed.py"}      # the seed writes demo history
    bad = [str(p.relative_to(ROOT)) for p in modules(folder)
           if str(p.relative_to(ROOT)) not in allowed and pattern.search(p.read_text("utf-8"))]
    assert bad == []
