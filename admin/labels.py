"""Japanese labels staff read. Field and pattern labels come from the tagger when it is
installed (bot.nlp), with a copy here so the admin page never depends on it."""
from __future__ import annotations

_FALLBACK_FIELDS = {
    "kaigo": "高齢・介護", "shogai": "障がい", "kosodate": "子ども・子育て", "konkyu": "生活困窮",
    "hikikomori": "ひきこもり", "josei": "女性・DV", "kokoro": "こころの健康",
    "kyoiku": "学校・不登校・いじめ", "shohi": "消費生活・借金", "sumai": "住まい",
    "shuro": "仕事・就労", "kodoku": "孤独・孤立",
}
_FALLBACK_PATTERNS = {
    "8050": "8050問題", "double_care": "ダブルケア", "young_carer": "ヤングケアラー",
    "gomi_yashiki": "ごみ屋敷", "tato_shiiku": "多頭飼育", "roro_kaigo": "老老介護",
}

try:  # the tagger owns the canonical labels
    from bot.nlp import FIELD_LABELS as _NLP_FIELDS, PATTERN_LABELS as _NLP_PATTERNS
except Exception:  # not installed yet, or its dictionary is missing
    _NLP_FIELDS, _NLP_PATTERNS = {}, {}

FIELD_LABELS: dict[str, str] = {**_FALLBACK_FIELDS, **_NLP_FIELDS}
PATTERN_LABELS: dict[str, str] = {**_FALLBACK_PATTERNS, **_NLP_PATTERNS}

PRIORITY_LABELS = {"emergency": "緊急", "high": "高", "normal": "通常"}
RISK_LABELS = {"none": "なし", "high": "高", "emergency": "緊急"}
STATUS_LABELS = {"bot": "自動応答のみ", "waiting": "対応待ち", "open": "対応中",
                 "pending": "相談者の返事待ち", "closed": "終了"}
# Stored keys (Case.close_reason) -> what staff read. 'deleted' is set by the resident's erasure.
CLOSE_REASONS = {
    "info": "情報提供のみ",
    "connected": "窓口・機関につないだ",
    "tamokan": "多機関協働へ",
    "lost": "連絡が途絶えた",
    "other": "その他",
}
CLOSE_REASON_LABELS = {**CLOSE_REASONS, "deleted": "相談者がデータを削除"}
RELATION_LABELS = {"self": "本人", "family": "家族", "supporter": "知人・支援者", "skip": "回答なし"}
AGE_LABELS = {"skip": "回答なし", "80s": "80代以上"}
ROLE_LABELS = {"staff": "職員", "admin": "管理者"}
HANDOFF_LABELS = {
    "risk": "危険の兆候", "asks_person": "職員との相談を希望", "pattern": "複合的な課題",
    "multi_field": "複数分野", "explicit": "職員との相談を希望",
    "review": "要確認（自動判定で危険の可能性）",
    "safety_yes": "危険の確認に「はい」", "safety_unsure": "危険の確認に「わからない」",
}
DELIVERY_LABELS = {"queued": "送信待ち", "sending": "送信中", "sent": "送信済み", "failed": "送信失敗"}


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key)


def pattern_label(key: str) -> str:
    return PATTERN_LABELS.get(key, key)


def age_label(key: str | None) -> str:
    if not key:
        return "未回答"
    if key in AGE_LABELS:
        return AGE_LABELS[key]
    if key.endswith("s") and key[:-1].isdigit():
        return f"{key[:-1]}代"
    return key
