"""`python -m bot demo --seed`: a realistic month of synthetic consultations for the demo.

Every text here is invented for the demo (no real person, no evaluation sentence). The
synthetic residents get random LINE-like user IDs, so a staff reply in the demo reaches
the built-in emulator like any other push.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import clock
from bot.models import (PRIORITY_RANK, AuditLog, CannedReply, Case, FollowUp, Message, Note,
                        Resident, StaffUser)

SEED_MARKER_LOGIN = "demo-staff-sato"

# (text, fields, risk, patterns, evidence words per field, risk evidence)
STORIES: list[tuple[str, list[str], str, list[str], dict[str, list[str]], list[str]]] = [
    ("父が最近、同じ話を何度もするようになり、火の消し忘れも増えて心配です。",
     ["kaigo"], "none", [], {"kaigo": ["同じ話を何度も", "火の消し忘れ"]}, []),
    ("母の介護で毎晩起こされて、私のほうが倒れそうです。仕事も休みがちになりました。",
     ["kaigo", "shuro"], "none", [], {"kaigo": ["介護"], "shuro": ["仕事も休みがち"]}, []),
    ("40代の息子が10年以上部屋から出てきません。私たち夫婦も80代になり、この先が不安です。",
     ["hikikomori", "kaigo"], "none", ["8050"], {"hikikomori": ["部屋から出てきません"], "kaigo": ["80代"]}, []),
    ("小さい子の世話と、寝たきりの義母の世話が重なって、毎日が回りません。",
     ["kosodate", "kaigo"], "none", ["double_care"], {"kosodate": ["小さい子の世話"], "kaigo": ["寝たきりの義母"]}, []),
    ("中学生の娘が学校に行けなくなって三か月になります。どこに相談したらいいですか。",
     ["kyoiku"], "none", [], {"kyoiku": ["学校に行けなくなって"]}, []),
    ("給料日まで食べるものがありません。家賃も二か月たまっています。",
     ["konkyu", "sumai"], "high", [],
     {"konkyu": ["食べるものがありません"], "sumai": ["家賃も二か月たまって"]}, ["食べるものがありません"]),
    ("夫に怒鳴られたり物を投げられたりします。子どもも怖がっています。",
     ["josei", "kosodate"], "high", [],
     {"josei": ["怒鳴られたり物を投げられたり"], "kosodate": ["子ども"]}, ["物を投げられたり"]),
    ("ネットで買い物をしたら、解約できない定期購入になっていました。",
     ["shohi"], "none", [], {"shohi": ["解約できない定期購入"]}, []),
    ("仕事をクビになり、次が決まりません。貯金もそろそろ底をつきます。",
     ["shuro", "konkyu"], "none", [], {"shuro": ["仕事をクビになり"], "konkyu": ["貯金もそろそろ底をつきます"]}, []),
    ("一人暮らしで、誰とも話さない日が続いています。さみしいです。",
     ["kodoku"], "none", [], {"kodoku": ["誰とも話さない日"]}, []),
    ("高校生の弟が、病気の母の世話と家事をしていて、部活もやめてしまいました。",
     ["kosodate", "kaigo"], "none", ["young_carer"], {"kosodate": ["高校生の弟"], "kaigo": ["病気の母の世話"]}, []),
    ("障がいのある息子の将来が心配です。親亡き後のことを考えると眠れません。",
     ["shogai", "kokoro"], "none", [], {"shogai": ["障がいのある息子"], "kokoro": ["眠れません"]}, []),
    ("隣の家がごみであふれていて、においと虫がひどいです。住んでいるのは高齢の方です。",
     ["sumai", "kaigo"], "none", ["gomi_yashiki"], {"sumai": ["ごみであふれて"], "kaigo": ["高齢の方"]}, []),
    ("毎日つらくて、何のために生きているのかわかりません。",
     ["kokoro"], "high", [], {"kokoro": ["毎日つらくて"]}, ["何のために生きているのかわかりません"]),
    ("今夜、薬をまとめて飲んで終わりにしようと思っています。",
     ["kokoro"], "emergency", [], {"kokoro": []}, ["薬をまとめて飲んで終わりに"]),
    ("借金の返済が三社からあって、督促の電話が怖くて出られません。",
     ["shohi", "kokoro"], "none", [], {"shohi": ["借金の返済が三社"], "kokoro": ["怖くて"]}, []),
    ("アパートの立ち退きを言われました。高齢で次の部屋が見つかりません。",
     ["sumai", "kaigo"], "none", [], {"sumai": ["立ち退き"], "kaigo": ["高齢"]}, []),
    ("母が父を介護していますが、母も足が悪く、二人とも限界のようです。",
     ["kaigo"], "none", ["roro_kaigo"], {"kaigo": ["介護", "足が悪く"]}, []),
    ("発達の遅れを保育園で指摘されて、どうしたらいいか分かりません。",
     ["kosodate", "shogai"], "none", [], {"kosodate": ["保育園"], "shogai": ["発達の遅れ"]}, []),
    ("職場で毎日無視されていて、朝になると吐き気がします。",
     ["shuro", "kokoro"], "none", [], {"shuro": ["職場で毎日無視"], "kokoro": ["吐き気"]}, []),
]
FOLLOW_UPS = [
    "ありがとうございます。教えてもらった窓口に電話してみます。",
    "平日の昼間は仕事なので、夕方でも大丈夫ですか。",
    "少し気持ちが落ち着きました。",
    "家族にも話してみます。",
]
STAFF_REPLIES = [
    "射水市福祉課の相談員です。メッセージを読みました。よろしければ、もう少し状況を教えてください。",
    "お知らせいただきありがとうございます。担当の窓口から、ご都合のよい時間にお電話することもできます。",
    "大変な状況の中、相談してくださってありがとうございます。一緒に考えていきましょう。",
]
AGENCIES = ["射水市地域包括支援センター", "射水市社会福祉協議会", "射水市子育て支援センター",
            "射水市消費生活センター", "ハローワーク高岡", "射水市障がい者相談支援センター"]
AREAS = ["小杉", "大門", "新湊", "大島", "下", "太閤山", "七美", None]
STAFF = [("demo-staff-sato", "佐藤（推進員）", "staff"),
         ("demo-staff-kimura", "木村（多機関コーディネーター）", "staff"),
         ("demo-staff-yamada", "山田（相談員）", "staff")]
CANNED = [
    ("はじめのあいさつ", "射水市の相談員です。メッセージを読みました。よろしければ、もう少しお話を聞かせてください。"),
    ("窓口の紹介", "お住まいの地区の地域包括支援センターでも相談できます。電話番号をお知らせしましょうか。"),
    ("緊急時の案内", "今すぐ危ないと感じたら、ためらわずに119番（救急）や110番に電話してください。"),
]


def _analysis(text: str, fields: list[str], evidence: dict[str, list[str]], risk: str,
              risk_words: list[str], patterns: list[str]) -> dict:
    def spans(words: list[str]) -> list[dict]:
        out = []
        for word in words:
            start = text.find(word)
            if start >= 0:
                out.append({"text": word, "start": start, "end": start + len(word)})
        return out
    return {"text": text, "fields": [{"key": f, "score": 1.5, "evidence": spans(evidence.get(f, []))}
                                     for f in fields],
            "field_keys": fields, "risk": risk, "risk_evidence": spans(risk_words),
            "patterns": patterns, "handoff": risk != "none" or bool(patterns)}


def _business_moment(rng: random.Random, day: datetime) -> datetime:
    """A JST time on `day`, mostly in the daytime, a few at night."""
    hour = rng.choice([7, 9, 10, 11, 12, 13, 14, 15, 16, 19, 21, 23])
    return clock.from_jst(day.replace(hour=hour, minute=rng.randrange(60), second=0, microsecond=0))


def seed_demo_data(engine: Engine, *, days: int = 30, cases: int = 60,
                   seed: Optional[int] = 20240401) -> int:
    """Fill the database with synthetic cases over the last `days`. Returns how many cases
    were created (0 when the demo data is already there)."""
    rng = random.Random(seed)
    now = clock.now()
    with Session(engine) as session:
        if session.exec(select(StaffUser).where(StaffUser.login == SEED_MARKER_LOGIN)).first():
            return 0
        staff_ids = []
        for login, name, role in STAFF:
            # No usable password here: the demo gives every demo account a fresh random one
            # at each start (bot.demo.reset_demo_passwords) and prints it once.
            staff = StaffUser(login=login, display_name=name, role=role, disabled=False,
                              password_hash="!")
            session.add(staff)
            session.flush()
            staff_ids.append(staff.id)
        for title, text in CANNED:
            session.add(CannedReply(title=title, text=text))
        today = clock.to_jst(now).replace(tzinfo=None)
        created = 0
        for index in range(cases):
            text, fields, risk, patterns, evidence, risk_words = STORIES[index % len(STORIES)]
            age_days = rng.uniform(0, days)
            day = today - timedelta(days=age_days)
            opened = min(_business_moment(rng, day), now - timedelta(minutes=5))
            resident = Resident(line_user_id="U" + rng.randbytes(16).hex(), created_at=opened,
                                terms_consent=True, terms_consent_at=opened,
                                share_consent=rng.random() < 0.5,
                                intake_relation=rng.choice(["self", "family", "supporter", "skip"]),
                                intake_age=rng.choice(["20s", "30s", "40s", "50s", "60s", "70s", "80s", "skip"]),
                                area_town=rng.choice(AREAS), last_message_at=opened)
            if resident.share_consent:
                resident.share_consent_at = opened + timedelta(minutes=3)
            session.add(resident)
            session.flush()
            priority = {"emergency": "emergency", "high": "high"}.get(risk, "normal")
            needs_staff = risk != "none" or bool(patterns) or rng.random() < 0.35
            case = Case(resident_id=resident.id, status="bot", priority=priority,
                        priority_rank=PRIORITY_RANK[priority], risk=risk, fields=list(fields),
                        patterns=list(patterns), area=resident.area_town, opened_at=opened,
                        last_message_at=opened,
                        handoff_reasons=(["risk"] if risk != "none" else [])
                        + (["pattern"] if patterns else []) or (["asks_person"] if needs_staff else []))
            session.add(case)
            session.flush()
            session.add(Message(resident_id=resident.id, case_id=case.id, direction="in",
                                sender="resident", text=text, risk=risk, created_at=opened,
                                analysis=_analysis(text, fields, evidence, risk, risk_words, patterns)))
            session.add(Message(resident_id=resident.id, case_id=case.id, direction="out",
                                sender="bot", kind="line", created_at=opened + timedelta(seconds=2),
                                text="メッセージを受け取りました。これは自動応答です。内容に合った相談窓口をご案内します。"))
            if needs_staff:
                case.queued_at = opened
                _staff_work(session, rng, case, resident, staff_ids, now)
            session.add(case)
            created += 1
        session.commit()
        return created


def _staff_work(session: Session, rng: random.Random, case: Case, resident: Resident,
                staff_ids: list[int], now: datetime) -> None:
    """What staff did with a queued case: recent ones still wait, older ones are worked."""
    age = now - case.opened_at
    if age < timedelta(hours=20) or rng.random() < 0.1:
        case.status = "waiting"
        return
    staff_id = rng.choice(staff_ids)
    replied = case.opened_at + timedelta(minutes=rng.choice([12, 25, 40, 90, 180, 600, 1500]))
    if replied >= now:
        case.status = "waiting"
        return
    case.assignee_id, case.first_response_at = staff_id, replied
    session.add(Message(resident_id=resident.id, case_id=case.id, direction="out", sender="staff",
                        staff_id=staff_id, kind="line", text=rng.choice(STAFF_REPLIES), created_at=replied))
    session.add(AuditLog(at=replied, staff_id=staff_id, action="case.reply", case_id=case.id))
    answered = replied + timedelta(hours=rng.uniform(1, 30))
    if answered < now and rng.random() < 0.7:
        session.add(Message(resident_id=resident.id, case_id=case.id, direction="in",
                            sender="resident", text=rng.choice(FOLLOW_UPS), created_at=answered))
        case.last_message_at = answered
    if rng.random() < 0.3:
        session.add(Note(case_id=case.id, staff_id=staff_id, created_at=replied,
                         text="電話での面談を提案。本人の都合を確認中。"))
    roll = rng.random()
    if roll < 0.2:
        case.status = "open"
    elif roll < 0.35:
        case.status = "pending"
    else:
        closed = min(replied + timedelta(days=rng.uniform(0.5, 6)), now - timedelta(minutes=1))
        case.status, case.closed_at = "closed", closed
        if case.patterns and rng.random() < 0.6:
            case.close_reason = "tamokan"
        else:
            case.close_reason = rng.choice(["info", "connected", "connected", "lost", "other"])
        if case.close_reason in ("connected", "tamokan"):
            case.referred_agency = rng.choice(AGENCIES)
        if rng.random() < 0.5:
            due = closed + timedelta(days=7)
            followup = FollowUp(case_id=case.id, resident_id=resident.id, kind="after_close",
                                due_at=due, created_by=None, template="after_close")
            if due < now:
                followup.status, followup.sent_at = "sent", due
                if rng.random() < 0.6:
                    followup.answered_at, followup.answer = due + timedelta(hours=3), "better"
            session.add(followup)
