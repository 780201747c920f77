"""The result of analysing one message: field tags, risk, mentions, handoff, patterns, area."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

FIELD_KEYS = ("kaigo", "shogai", "kosodate", "konkyu", "hikikomori", "josei",
              "kokoro", "kyoiku", "shohi", "sumai", "shuro", "kodoku")
FIELD_LABELS = {
    "kaigo": "高齢・介護", "shogai": "障がい", "kosodate": "子ども・子育て", "konkyu": "生活困窮",
    "hikikomori": "ひきこもり", "josei": "女性・DV", "kokoro": "こころの健康", "kyoiku": "学校・不登校・いじめ",
    "shohi": "消費生活・借金", "sumai": "住まい", "shuro": "仕事・就労", "kodoku": "孤独・孤立",
}
PATTERN_LABELS = {
    "8050": "8050問題", "double_care": "ダブルケア", "young_carer": "ヤングケアラー",
    "gomi_yashiki": "ごみ屋敷", "tato_shiiku": "多頭飼育", "roro_kaigo": "老老介護",
}
RISK_LEVELS = ("none", "high", "emergency")
RISK_KINDS = ("suicide", "selfharm", "violence", "dv", "child", "elder", "no_food", "other")
INTENT_KEYS = ("greeting", "thanks", "asks_person", "ask_hours", "ask_anonymity", "ask_cost",
               "ask_data", "ask_phone", "ask_window", "city_other", "delete", "menu")
FIELD_THRESHOLD = 1.0


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class FieldTag:
    key: str
    score: float
    evidence: list[Span]


@dataclass(frozen=True)
class RiskMention:
    span: Span
    reason: str  # negated | third_party | metaphor | past | question (ODの意味) | info (DVの相談窓口は?)


@dataclass(frozen=True)
class Analysis:
    text: str
    normalized: str
    fields: list[FieldTag]
    risk: str
    risk_evidence: list[Span]
    risk_kinds: list[str]
    mentions: list[RiskMention]
    handoff: bool
    handoff_reasons: list[str]
    patterns: list[str]
    area: str | None
    intents: list[str]
    risk_score: float = 0.0   # probability of an emergency (0-1) that the decision rests on
    ask: bool = False         # grey zone: the bot asks directly whether the resident is in danger
    review: bool = False      # 要確認: below high, not confidently calm; a person reads it
    signals: list[str] = field(default_factory=list)  # the rule stage's lexicon/cue hits (model features)

    @property
    def field_keys(self) -> list[str]:
        return [f.key for f in self.fields]

    @property
    def pattern_labels(self) -> list[str]:
        return [PATTERN_LABELS[p] for p in self.patterns]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["field_keys"] = self.field_keys
        return d
