"""`python -m bot.nlp train --with-local-corrections`: the corpus plus this deployment's
corrected messages, read from its database while their text is kept — a resident's
deletion and the end of a case's retention take them out of every later training."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from bot import clock, corrections
from bot.db import create_schema, make_engine
from bot.effects import erase_resident
from bot.models import Case, Message, Resident, StaffUser
from bot.nlp.__main__ import main as nlp_main
from bot.nlp.model import LinearModel
from bot.retention import purge_batch

# A name no corpus row has, in two local messages (enough for the vocabulary's MIN_DF):
# it must not reach the model file.
PRIVATE_WORD = "鳩羽町三丁目の山田"

TINY_CORPUS = {   # two writers, every risk level each, so every fold can be fitted
    "wX": [("母の介護がつらくて夜も眠れません", ["kaigo", "kokoro"], "none"),
           ("家賃が払えず生活が苦しいです", ["konkyu", "sumai"], "none"),
           ("子どもが学校に行けていません", ["kyoiku"], "none"),
           ("仕事が見つからずお金がありません", ["shuro", "konkyu"], "none"),
           ("もう死にたいと毎日思います", ["kokoro"], "high"),
           ("今から薬を全部飲んで死にます", ["kokoro"], "emergency")],
    "wY": [("父が認知症で介護に疲れました", ["kaigo"], "none"),
           ("借金の返済ができず困っています", ["shohi", "konkyu"], "none"),
           ("息子が部屋から出てこなくなって三年です", ["hikikomori"], "none"),
           ("誰とも話さない日が続いて寂しい", ["kodoku"], "none"),
           ("消えてしまいたい気持ちがあります", ["kokoro"], "high"),
           ("夫に殴られて今も家にいるのが怖い、助けて", ["josei"], "emergency")],
}


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    root = tmp_path / "nlp"
    (root / "corpus").mkdir(parents=True)
    for writer, rows in TINY_CORPUS.items():
        lines = [json.dumps({"id": f"{writer}-{n:02d}", "writer": writer, "text": text,
                             "fields": fields, "risk": risk, "handoff": risk != "none"},
                            ensure_ascii=False)
                 for n, (text, fields, risk) in enumerate(rows)]
        (root / "corpus" / f"{writer}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def consultation(session: Session, staff: StaffUser, texts: list[str], *, fields: list[str],
                 risk: str, closed_days_ago: float | None = None) -> tuple[int, int]:
    """A resident's case with their messages; staff correct the last one. (resident, message)"""
    now = clock.now()
    resident = Resident(line_user_id=f"U{abs(hash((tuple(texts), now))):032x}"[:33],
                        terms_consent=True, terms_consent_at=now)
    session.add(resident)
    session.flush()
    closed = closed_days_ago is not None
    case = Case(resident_id=resident.id, status="closed" if closed else "open",
                closed_at=now - timedelta(days=closed_days_ago) if closed else None,
                close_reason="info" if closed else None)
    session.add(case)
    session.flush()
    messages = [Message(resident_id=resident.id, case_id=case.id, direction="in",
                        sender="resident", text=text, risk="none",
                        analysis={"field_keys": ["kodoku"], "risk": "none", "handoff": False})
                for text in texts]
    session.add_all(messages)
    session.flush()
    corrections.correct(session, messages[-1], staff, fields, risk)
    session.commit()
    return resident.id, messages[-1].id


def seeded(engine) -> dict[str, tuple[int, int]]:
    with Session(engine, expire_on_commit=False) as session:
        staff = StaffUser(login="aoki", password_hash="x")
        session.add(staff)
        session.commit()
        return {
            "open": consultation(session, staff, ["母のことで相談です", f"{PRIVATE_WORD}に住む母の介護がつらい"],
                                 fields=["kaigo"], risk="none"),
            "closed_recently": consultation(session, staff, ["もう死にたい"], fields=["kokoro"],
                                            risk="high", closed_days_ago=10),
            "past_retention": consultation(session, staff, ["家賃が払えません"],
                                           fields=["konkyu", "sumai"], risk="none",
                                           closed_days_ago=400),
            "to_delete": consultation(session, staff, [f"{PRIVATE_WORD}の家で借金があって困っています"],
                                      fields=["shohi"], risk="none"),
        }


def rows_now(engine, now=None):
    with Session(engine) as session:
        return corrections.training_rows(session, retention_days=365, now=now)


def test_training_rows_are_the_corrections_still_within_retention(engine):
    made = seeded(engine)
    rows = {row.id: row for row in rows_now(engine)}
    expected = {f"local-{made[k][1]}" for k in ("open", "closed_recently", "to_delete")}
    assert set(rows) == expected              # 400 days after closing: out, even before the purge
    first = rows[f"local-{made['open'][1]}"]
    assert first.writer == "local" and first.text.startswith(PRIVATE_WORD)
    assert first.context == ("母のことで相談です",)           # the case's earlier message
    assert (first.fields, first.risk, first.handoff) == (("kaigo",), "none", False)
    high = rows[f"local-{made['closed_recently'][1]}"]
    assert (high.fields, high.risk, high.handoff) == (("kokoro",), "high", True)

    # the resident deletes their data: their correction is gone from training
    with Session(engine) as session:
        erase_resident(session, session.get(Resident, made["to_delete"][0]))
        session.commit()
    assert f"local-{made['to_delete'][1]}" not in {row.id for row in rows_now(engine)}

    # the retention job erases the recently closed case a year on: gone as well
    later = clock.now() + timedelta(days=360)
    with Session(engine) as session:
        assert purge_batch(session, 365, later) == 2       # it and the one past retention
        session.commit()
    assert {row.id for row in rows_now(engine, later)} == {f"local-{made['open'][1]}"}


def test_the_cli_trains_on_the_corpus_plus_local_rows_and_forgets_deleted_ones(
        engine, database_url, tiny_corpus, tmp_path, capsys):
    made = seeded(engine)
    out = tmp_path / "deployment" / "nlp-model.npz"
    args = ["train", "--corpus", str(tiny_corpus), "--with-local-corrections",
            "--database-url", database_url, "--out", str(out)]
    assert nlp_main(args) == 0
    printed = capsys.readouterr()
    model = LinearModel.load(out)
    assert model.meta["local_rows"] == 3 and model.meta["rows"] == 12 + 3
    assert f"NLP_MODEL_PATH={out}" in printed.out
    for text in (PRIVATE_WORD, "母の介護がつらい", "もう死にたい"):
        assert text not in printed.out + printed.err           # counts only, never text
    # the model file holds no fragment of a local message that the corpus lacks
    assert not [f for f in model.vocab if "鳩" in f or "羽" in f]

    with Session(engine) as session:
        erase_resident(session, session.get(Resident, made["open"][0]))
        session.commit()
    assert nlp_main(args) == 0
    assert LinearModel.load(out).meta["local_rows"] == 2


def test_the_shipped_model_is_never_overwritten_with_local_rows(engine, database_url,
                                                                 tiny_corpus, capsys):
    from bot.nlp.model import DEFAULT_MODEL
    before = DEFAULT_MODEL.stat().st_mtime_ns
    code = nlp_main(["train", "--corpus", str(tiny_corpus), "--with-local-corrections",
                     "--database-url", database_url, "--out", str(DEFAULT_MODEL)])
    assert code == 2 and "shipped model" in capsys.readouterr().err
    assert DEFAULT_MODEL.stat().st_mtime_ns == before
