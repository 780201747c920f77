"""A deployment's edits of its windows, laid over data/resource_directory.yaml (pure: the
database side is bot/directory/live.py).

Staff may change a window's phone (with the page it was read from), opening hours (the
structured `Opening`, its `source` a page), one-line description and status. An edit is
checked by the same pydantic models as the file, so what the admin page accepts the file
would accept, and `export_yaml` writes the effective directory back as a valid file.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .core import Directory
from .models import Opening, Window, is_source_url

log = logging.getLogger(__name__)

EXPORT_MARK = "# EXPORTED "
EDITABLE = ("phone", "phone_source", "opening", "description", "status")


class EditRejected(ValueError):
    """An edit the directory's rules refuse; the message is the reason shown to staff."""


def reason(exc: ValidationError) -> str:
    """'phone: not a phone number as printed: …' for each problem."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def stored(value: Any) -> Any:
    """A field's value as the YAML (and the override row) holds it."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    return value


def overlay(window: Window, values: Mapping[str, Any]) -> Window:
    """`window` with `values` (editable fields only) over it, validated as in the file."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise EditRejected(f"not editable here: {', '.join(sorted(unknown))}")
    raw = {**window.model_dump(mode="json", exclude_defaults=True), **values}
    try:
        return Window.model_validate(raw)
    except ValidationError as exc:
        raise EditRejected(reason(exc)) from None


def changed_fields(before: Window, after: Window) -> list[str]:
    return [key for key in EDITABLE if getattr(before, key) != getattr(after, key)]


def check_sources(before: Window, after: Window) -> None:
    """Every phone number and every hour staff enter comes with the official page it was
    read from (clearing one to unknown needs none: unknown is said honestly)."""
    changed = changed_fields(before, after)
    if "phone" in changed and after.phone is not None and not after.phone_source:
        raise EditRejected("phone_source: 電話番号を変えるときは、その番号が載っている公式ページの"
                           "URL（https://…）を入れてください")
    if "opening" in changed and after.opening is not None and not is_source_url(after.opening.source):
        raise EditRejected("opening.source: 受付時間を変えるときは、その時間が載っている公式ページの"
                           "URL（https://…）を入れてください")


def apply_overrides(base: Directory, overrides: Mapping[str, Mapping[str, Any]]) -> Directory:
    """The effective directory. An override that no longer fits the file (the window left
    the YAML, or a new file's rules refuse it) is skipped with a warning: the file's entry
    stands, and the service keeps answering."""
    windows = []
    for window in base.data.windows:
        values = overrides.get(window.id)
        if values:
            try:
                window = overlay(window, values)
            except EditRejected as exc:
                log.warning("window override %s ignored: %s", window.id, exc)
        windows.append(window)
    for gone in sorted(set(overrides) - {w.id for w in base.data.windows}):
        log.warning("window override %s ignored: no such window in %s", gone, base.path)
    return base.with_windows(windows)


def opening_text(opening: Opening | None) -> str:
    """The hours in one compact line for the audit log (every field, nothing lost)."""
    if opening is None:
        return "不明"
    parts = ["always"] if opening.always else []
    parts += [f"{','.join(r.days)} {r.opens}-{r.closes}" for r in opening.weekly]
    parts += [f"day{r.day_of_month} {r.opens}-{r.closes}" for r in opening.monthly]
    parts.append(f"holidays={opening.holidays}")
    if opening.year_end_closed:
        parts.append("year_end_closed")
    parts.append(f"source={opening.source}")
    return "; ".join(parts)


def value_text(window: Window, key: str) -> str:
    value = getattr(window, key)
    if key == "opening":
        return opening_text(value)
    return "不明" if value is None else str(value)


def export_yaml(base_text: str, effective: Directory, *, note: str) -> str:
    """The file `base_text` with the effective windows' editable fields written in: its
    header comment kept, `note` added under it, keys in the schema's order."""
    raw = yaml.safe_load(base_text)
    windows = {w.id: w for w in effective.data.windows}
    entries = []
    for entry in raw["windows"]:
        window = windows[entry["id"]]
        edited = {key: stored(getattr(window, key)) for key in EDITABLE}
        entries.append({key: edited[key] if key in edited else entry[key]
                        for key in Window.model_fields
                        if key in entry or (key in edited and edited[key] is not None)})
    raw["windows"] = entries
    header = []
    for line in base_text.splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(EXPORT_MARK):        # an earlier export's note gives way
            header = header[:-1] if header and header[-1] == "#" else header
            continue
        header.append(line)
    header += ["#", f"{EXPORT_MARK}{note}"]
    body = yaml.dump(raw, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(header) + "\n" + body


class _Dumper(yaml.SafeDumper):
    """Lists of plain values on one line, as the file writes them (fields: [kaigo])."""


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(item, (dict, list)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list)


def export_note(when: datetime, count: int) -> str:
    return (f"{when.isoformat(timespec='seconds')}: this file with the deployment's "
            f"edits of {count} window(s) written in (python -m bot.directory export).")
