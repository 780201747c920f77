"""General safety nets for risk vocabulary the lexicon and the cue rules have never seen.

The analyzer's rules recognise the wordings they were written for; a resident in danger writes
in ways no list foresees (縄かげできた, 息してっかわがんね, タヒる, くびしめてくる, 家に火つける).
This module gives a floor under them:

* **Folding**: the text and every pattern are folded the same way before matching — katakana to
  hiragana, voiced/semi-voiced kana to unvoiced (が→か, だ→た, ぎ→き, ぱ→は: the Tōhoku
  voicing of か/た and plain typos fall together), small vowels to their full forms.  Folding is
  length-preserving, so offsets stay those of the normalised text.  Slang and obfuscation
  (タヒ, 氏ね, 4ね, 逝く, 楽になりたい, kill myself) are part of the danger patterns.
* **Danger floor**: an unnegated, non-metaphorical mention of dying/suicide, self-harm,
  strangling/violence, fire/weapon threats, a person not breathing, or a call for help
  (たすけて/help) raises the level to at least high.
* **Emergency**: a danger mention together with an amplifier anywhere in the message — a time
  now (今, これから, 今夜, なう), an action in progress right after it (〜てる, 〜てくる), a
  dangerous place (屋上, 橋, ホーム, 手すりの外), a means (包丁, 薬, 縄, 練炭), a farewell
  (さよなら, じゃあな, 今までありがとう, 〜のことお願い) or a call for help.
* **Short messages**: ≤ 15 characters that carry a danger or despair cue (もうむり, 限界) and a
  farewell or a call for help are emergency (もうむり　さよなら).

Each hit is classified by the analyzer like any other risk word (negated, metaphor, past,
media), and a benign frame in the same sentence (ゲーム, 夢, バンジー, 映画 ...) cancels it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from .prefilter import first_chars

_KATA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}
_VOICED = "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ"
_PLAIN = "かきくけこさしすせそたちつてとはひふへほはひふへほう"
_SMALL = "ぁぃぅぇぉゃゅょゎ"
_FULL = "あいうえおやゆよわ"
_H = {ord(a): b for a, b in zip(_VOICED + _SMALL, _PLAIN + _FULL, strict=True)}
# katakana fold straight to the unvoiced full hiragana (str.translate does not chain)
_FOLD = {k: _H.get(v, chr(v)) for k, v in _KATA.items()}
_FOLD.update(_H)


def fold(text: str) -> str:
    """Katakana -> hiragana, voiced -> unvoiced, small vowels -> full (length preserving)."""
    return text.translate(_FOLD)


def _fold_pattern(p: str) -> str:
    # the fold only touches kana, which never carry regex meaning
    return fold(p)


_END = r"(?=[。、,.!?！？\s…wｗ笑]|$)"

# --- danger vocabulary (slang, obfuscation and kana spellings included) ---------------
_DANGER = {
    "suicide": [
        r"(死|氏|4|たひ)に?たい", r"しにたい", r"(死|氏|4|たひ)の(う|っ)", r"しのう", r"(死|し|氏|4|たひ)ぬ(?!ほど|気|き|かと|まで|くらい|ぐらい|程|ように|べき?じゃ)",
        r"(死|し|たひ)んで(やる|しまい|しまお)", r"死んでいい", r"(死|し)にます", r"(死|し)ねる?(方法|くすり|薬)", r"たひ(る|り|ろ|ね)",
        r"(氏|4)ね", r"自殺", r"しさつ(し|する|しよ)", r"自死", r"逝(く|こう|った)",
        r"(もう|わたし|私|おれ|俺|僕|ぼく|あたし|うち|わし|自分)[^。、]{0,4}(消え|きえ)(る|たい|ます|よう|ちゃ)",
        r"(自分|私|わたし|俺|おれ|僕|ぼく|あたし|うち)(なんか|なんて|は|が|も)?[^。、]{0,4}いない(方|ほう)か", r"いなくなった(方|ほう)か",
        r"(消え|きえ)る(わ|ね(?!ん)|よ)", r"消えたい", r"いなくな(りたい|る(?=わ|ね|よ|。|$))", r"この世(に|から)?(もう)?(いない|いなく|おさらは|さよなら)",
        r"楽にな(りたい|れる|ろう)", r"(首|くひ)(を|に|さ)?(吊|つ|つっ)[るろっ]", r"首吊", r"(縄|なわ|ひも|紐|ろーふ)(を|さ|に)?(か|掛|架)け",
        r"飛ひ?降り(る|ます|よう)", r"(飛|と)(ひ|ん)(込|こ)(む|みます|もう)", r"そのまま(帰|かえ)らない", r"(生|い)きて(い)?る?(意味|価値|いみ)(が|も|は)?(ない|ね|なし|無)",
        r"(もう|全部|せんふ|人生|すべて|すへて|今日て|今夜て|ここて)[^。]{0,3}((終|お)わりに(する|します|しよう)|(終|お)わらせ(る|ます))", r"もう[^。]{0,2}しまいに(する|しよ)",
        r"i'?m going to (die|kill myself)", r"(?<![a-z])(kill myself|end it|end my life|suicide)(?![a-z])",
        # life is pointless (standard and Tōhoku/Kansai wordings: 生ぎでっでもしゃあねえ, 生きててもしょうがない)
        r"(生|い)き(て|てっ|てい|てる)て?も[^。、]{0,2}(しょうかな(い|く)|しょうかね|しょうもね|仕方(か)?(ない|ね)|しかた(か)?(ない|ね)|しゃあ(ない|ね)|意味(か)?(ない|ね)|いみ(か)?(ない|ね)|無駄|むた)",
        # a ligature named by its use (首にかける紐, 首に巻くベルト)
        r"(首|くひ)(に|を)?(かけ|掛け|まく|巻く|巻け|通す|とおす)[^。、]{0,2}(縄|なわ|ひも|紐|ろーふ|へると|たおる|こーと|けーふる)",
    ],
    "selfharm": [
        r"血(た|だ)らけ", r"血が(止|と)ま(らない|らん|らね|んない)", r"(手首|てくひ|腕|うて)(を|さ)?(切|き)", r"切りすき", r"(?<![a-z])od(?![a-z])|odし",
        # bleeding that will not stop (🩸 too), after cutting or on its own
        r"(?<!鼻)(血|🩸)(か|が)?(すこい|すこく|いっはい|たくさん|大量|めっちゃ|めちゃ|と)?(出|て)て(る|い|き|ま|く)",
        r"(🩸|りすか|りすとかっと|自傷|切っ|きっ)[^。]{0,4}(止|と)ま(らない|らん|らね|んない)",
        r"💊{2,}[^。]{0,6}(飲|の)(ん|み|ま)",
        r"(薬|くすり|💊)[^。]{0,8}(全部|せんふ|ありったけ|あるたけ|大量|まとめて|一気|箱|はここと|いっき)[^。]{0,4}(飲|の)",
    ],
    "violence": [
        r"(殴|なくら|叩か|たたか|蹴ら|ふたれ|しはか|とつか)(れ|る)", r"に手を(あけ|上け)(て|た|ちゃ|そう)", r"(殴|叩|蹴)(っ|ら|り)",
        r"(首|くひ)[^。、]{0,3}(しめ|絞め|締め|しま)", r"(刺|さ)され", r"(?<!名)刺(す|して|した)(?!身)",
        r"(包丁|ほうちょう|ないふ|刃物)[^。]{0,6}(持|も|向|む|振|ふ)",
        r"暴れ(て|る)", r"監禁", r"(襲|おそ)われ", r"(殺|ころ)され",
    ],
    "threat": [r"(火|ひ)(を|さ)?(つけ|付け|放|はな)(る|て|ら|ん|ちゃ)", r"燃や(す|して|しちゃ)", r"放火", r"(殺|ころ)(す(そ|って|から|よ|わ)|してやる|したる|しちゃう)", r"燃やし(たる|てやる)", r"(ふっ|ぶっ)(殺|ころ)",
               r"(殺|ころ)(す|される)(って|と)"],
    "means": [r"練炭", r"れんたん", r"七輪", r"遺書", r"いしょ(を|か)", r"硫化水素"],
    "farewell": [r"(今|いま|これ)まて[^。]{0,10}(ありかと|お世話|世話にな|こめん)", r"最後のめっせーし", r"先に(逝|い)く"],
    "person": [
        r"息(を)?して(ない|ね|っか|るか|いるか)", r"息が(弱|よわ|ない|止|と)", r"(倒れ|くったり|呼んでも|声をかけても|声かけても)[^。]{0,8}((動|うこ)か(ない|ね|ん)|(返事|へんし|反応)(が|も)?(ない|ね|なく))",
        r"意識が?(ない|ね)", r"(動|うこ)か(ない|ね|ん)[^。]{0,4}(返事|へんし|反応)(が|も)?(ない|ね|なく)",
        r"(返事|へんし|反応)(が|も)?(ない|ね|なく)[^。]{0,4}(動|うこ)か(ない|ね|ん)", r"(手すり|柵|さく|欄干|らんかん)の(外|そと|向こう)", r"(欄干|らんかん)(に|の上に|の上て)(立|た)(っ|ち)",
    ],
    "help": [r"(助|たす)けて(?!もら|貰|ほしいこと|欲しいこと|くれる|あけ|いたた|頂)",
             r"(?<![a-z])help(?![a-z])(?! ?desk)", r"(?<![a-z])sos(?![a-z])", r"誰か(来|き)て"],
    # an urge to do a lethal act to someone in one's care (赤ちゃんを投げつけそう, 首を絞めたくなる);
    # counts only when a child or elder is named in the message (see analyzer)
    "harm_urge": [r"(投け|なけ|叩き|たたき)(つけ|落と|おと|飛はし|とはし)?(そう|ちゃいそう|てしまいそう|たくなる|たくなっ)",
                  r"(首|くひ)を?(絞|締|しめ)(そう|ちゃいそう|てしまいそう|たくなる|たくなっ)",
                  r"口を?(ふさ|塞)(き|い)(そう|たくなる|たくなっ)", r"(落と|おと)(しそう|しちゃいそう|してしまいそう|したくなる)"],
}
# --- amplifiers -----------------------------------------------------------------------
_AMP = {
    "now": [r"今(から|夜|晩|日|すぐ|も|まさに)?", r"いま", r"これから", r"さっき", r"なう", r"明日の朝", r"(?<![a-z])(now|tonight|today)(?![a-z])",
            r"まだ(家|いえ)", r"最後"],
    "place": [r"屋上", r"(橋|はし)の上", r"ほーむ", r"線路", r"踏切", r"(海|うみ|川|かわ|山|やま|崖|樹海|ビル)(に|へ|さ|の上|で|に向)",
              r"手すり", r"柵の外", r"へらんた", r"車に(積|の)"],
    "means": [r"包丁", r"ないふ", r"刃物", r"(薬|くすり)", r"縄", r"なわ", r"紐", r"ひも", r"ろーふ", r"練炭", r"七輪", r"かすの?(元栓|栓|もとせん)",
              r"灯油", r"ちぇーんそー", r"🔪", r"💊", r"とあのふ", r"へると"],
    "farewell": [r"さよう?なら", r"はいはい", r"しゃあ(な|ね)(?!え|ぇ|い)", r"(今|いま|これ)まで[^。]{0,10}(ありかと|お世話|世話に|こめん)", r"ありかと(う|ね|な)?" + _END,
                 r"のこと(たけ|は|を)?(お願|よろしく)", r"お世話になりました", r"最後の", r"元気で", r"先に(逝|い)く", r"👋", r"はいはい"],
    # being at a dangerous place now (屋上なう, 橋の上にいます, 線路に来た)
    "presence": [r"(屋上|おくしょう|(橋|はし|鉄橋|歩道橋)の上|線路|せんろ|踏切|ふみきり|ほーむの(端|はし)|崖|かけの(上|ふち)|ひるの(上|屋上)|手すりの外|柵の外|欄干|らんかん)"
                 r"(に|て|の(端|はし|ふち))?(なう|い(る|ます|て|ま)|来(た|て|ま)|きて|きた|着(い|き)|つい(た|て)|立って|たって|のほ|登)"],
    "help": [r"(助|たす)けて", r"(?<![a-z])help(?![a-z])", r"(?<![a-z])sos(?![a-z])"],
}
_DESPAIR = r"(まし|ほんと|マジ)(て|に)?(むり|無理)(?!し|す|な|や|に|の)|もう(むり|無理|たえ|限界|けんかい|いや|やた|たるい|たえられ)|限界|けんかい|つかれた|疲れた|しんどい|つらい|辛い"
# a benign frame in the same sentence cancels a danger word (games, dreams, sport, fiction)
_BENIGN = (r"けーむ|ゲーム|夢|ゆめ|はんしー|ばんじー|しゃんふ|映画|ドラマ|とらま|漫画|まんか|あにめ|小説|ニュース|にゅーす|"
           r"飲み忘れ|のみわすれ|気で|歌|研き|研ぎ|教室|補助|申請|手続|制度|ありますか|(ま|て)すか[?？]?$|火災|警報|火の元|蚊|虫|ひやっと|けかはない|けがはない|"
           r"整形|痛み|くらい|くらい|みたいに|ように|大丈夫|絆創膏|反省|けんか|言っちゃった|こんろ|たはこ|ろうそく|花火|さっかー|ほーる|試合|首都|首相|首位|首になっ|首にされ|くひになっ|殴り書|なくりかき")


def _compile(pats: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{_fold_pattern(p)})" for p in pats))


@lru_cache(maxsize=1)
def _tables():
    danger = {k: (rx, first_chars(rx)) for k, rx in ((k, _compile(v)) for k, v in _DANGER.items())}
    amp = {k: (rx, first_chars(rx)) for k, rx in ((k, _compile(v)) for k, v in _AMP.items())}
    return danger, amp, re.compile(_fold_pattern(_DESPAIR)), re.compile(_fold_pattern(_BENIGN))


_PREFILTER_SRC = (r"死|し[にのぬん]|氏|4[ねぬに]|たひ|自殺|自死|逝|いき|消え|きえ|いなくな|この世|楽にな|首|くひ|縄|なわ|ひも|紐|ろーふ|飛|とひ|とん|帰らない|かえらない|"
                  r"意味|価値|終わ|おわ|しまいに|kill|die|suicide|end|血|手首|てくひ|腕|うて|切りすき|od|薬|くすり|殴|なくら|叩|たたか|蹴|けら|ふたれ|しはか|"
                  r"とつか|しめ|絞|締|しま|刺|さされ|殺|ころ|包丁|ほうちょう|ないふ|刃物|火|ひを|ひつけ|燃|放火|暴れ|監禁|襲|おそわ|息|ぐったり|くったり|動か|うこか|返事|へんし|反応|意識|"
                  r"🩸|💊|🔪|橋|はし|屋上|おくしょう|線路|せんろ|踏切|ふみきり|ほーむ|崖|かけ|まし|ほんと|投け|なけ|落と|おと|手すり|柵|さく|欄干|倒れ|げんかい|しんど|つら|辛|じゃあ|ジャア|助けて|たすけて|help|sos|誰か|もう|限界|つかれ|疲れ|練炭|れんたん|七輪|遺書|いしょ|硫化|まで|最後|先に|いない|手を")


@lru_cache(maxsize=1)
def _prefilter() -> re.Pattern:
    return re.compile(_fold_pattern(_PREFILTER_SRC))


_SENT_SPLIT = re.compile(r"[。\n!?！？]")


def scan(text: str, base: int = 0):
    """Danger hits in text[base:] and amplifier presence over text[base:].

    Returns (danger, amps, despair, short) where danger is a list of (class, start, end, progressive)
    with offsets into ``text``; amps is the set of amplifier classes found; despair tells whether a
    despair cue is present; short tells whether the current message is a short one (≤ 15 chars)."""
    f = fold(text)
    cur = f[base:]
    if not _prefilter().search(cur):
        return [], set(), False, False
    danger_rx, amp_rx, despair_rx, benign_rx = _tables()
    # sentence spans of the current message, with a benign flag
    benign_spans = []
    pos = 0
    for m in list(_SENT_SPLIT.finditer(cur)) + [None]:
        end = m.end() if m else len(cur)
        if benign_rx.search(cur[pos:end]):
            benign_spans.append((pos, end))
        pos = end
    chars = set(cur)
    danger = []
    for cls, (rx, first) in danger_rx.items():
        if first is not None and first.isdisjoint(chars):
            continue
        for m in rx.finditer(cur):
            s, e = m.span()
            if e <= s or any(a <= s < b for a, b in benign_spans):
                continue
            tail = cur[e:e + 6]
            prog = bool(re.match(r"^[^。、]{0,3}?(て|て)(る|い|く|き|ま|ん|っ|た|お)|^[^。、]{0,2}(とる|よる|中|なう)|^れ?(て|た)る", tail))
            danger.append((cls, s + base, e + base, prog))
    amps = {cls for cls, (rx, first) in amp_rx.items()
            if (first is None or not first.isdisjoint(chars)) and rx.search(cur)}
    despair = bool(despair_rx.search(cur))
    core = re.sub(r"[\s。、,.!?！？…wｗ笑]", "", cur)
    return danger, amps, despair, len(core) <= 15
