"""python -m bot.directory search|validate|lines

search: prints a JSON list of {"id","name","fields","phone","address","distance_km","match"}.
  Exit 0 with the list when the area is resolved (or none was given).
  Exit 2 when the area is ambiguous or unknown: nothing on stdout, the question and the
  candidates as JSON on stderr (the bot asks the resident instead of guessing).
validate [FILE]: exit 0 and a summary, or exit 1 with "file: entry.field: problem".
export [--out FILE]: the effective directory (the file with the admins' edits from
  $DATABASE_URL written in) as YAML that `validate` accepts; stdout without --out.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.config import Settings

from .core import Directory, DirectoryError
from .models import FIELD_KEYS


def _search(args: argparse.Namespace) -> int:
    d = Directory.load(args.file or Settings().directory_path)
    m = args.municipality
    if m not in d.municipalities():
        print(f"municipality not in the directory: {m} (have: {', '.join(d.municipalities())})",
              file=sys.stderr)
        return 2
    area = None
    if any(v is not None for v in (args.town, args.text, args.postal, args.lat)):
        if (args.lat is None) != (args.lng is None):
            print("--lat and --lng go together", file=sys.stderr)
            return 2
        area = d.resolve_area(m, text=args.text, town=args.town, postal=args.postal,
                              lat=args.lat, lng=args.lng)
        if area.status != "resolved":
            print(json.dumps({"status": area.status, "message": area.message,
                              "question": "どちらの地区にお住まいですか？" if area.status == "ambiguous"
                              else "地区名・郵便番号・位置情報のどれかを教えてください",
                              "candidates": area.candidates}, ensure_ascii=False), file=sys.stderr)
            return 2
    matches = d.search(m, args.field, area, complex_case=args.complex, limit=args.limit)
    out = [{"id": x.window.id, "name": x.window.name, "fields": x.window.fields,
            "phone": x.window.phone, "address": x.window.address,
            "distance_km": x.distance_km, "match": x.match} for x in matches]
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def _validate(args: argparse.Namespace) -> int:
    try:
        d = Directory.load(args.file or Settings().directory_path)
    except DirectoryError as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 1
    counts = {m: len(d.windows(m)) for m in d.municipalities()}
    print(f"ok: {d.path}: {len(d.data.national_lines)} national lines, windows {counts}")
    return 0


def _lines(args: argparse.Namespace) -> int:
    d = Directory.load(args.file or Settings().directory_path)
    lines = d.national_lines_for(args.risk, args.kind, args.field)
    print(json.dumps([{"key": x.key, "name": x.name, "number": x.number, "hours": x.hours_text}
                      for x in lines], ensure_ascii=False, indent=1))
    return 0


def _export(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot import clock
    from bot.db import make_engine

    from .live import LiveDirectory
    from .overrides import apply_overrides, export_note, export_yaml

    settings = Settings()
    path = Path(args.file or settings.directory_path)
    base = Directory.load(path)
    engine = make_engine(args.database_url or settings.database_url)
    try:
        edits = LiveDirectory(engine, path).overrides()
    except SQLAlchemyError as exc:
        print(f"cannot read the window edits from the database ({type(exc).__name__}); "
              "is it upgraded (python -m bot migrations upgrade)?", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    effective = apply_overrides(base, edits)
    text = export_yaml(path.read_text(encoding="utf-8"), effective,
                       note=export_note(clock.now(), len(edits)))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: {len(edits)} edited window(s) over {path}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bot.directory")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("search", help="windows for a field and an area")
    s.add_argument("--municipality", required=True)
    s.add_argument("--field", action="append", required=True, choices=FIELD_KEYS,
                   help="repeat for several fields, most important first")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--town")
    g.add_argument("--text")
    g.add_argument("--postal")
    g.add_argument("--lat", type=float)
    s.add_argument("--lng", type=float)
    s.add_argument("--limit", type=int, default=5)
    s.add_argument("--complex", action="store_true", help="add the 多機関協働 window")
    s.add_argument("--file", default=None, help="directory file (default: $DIRECTORY_PATH or data/)")
    s.set_defaults(func=_search)
    v = sub.add_parser("validate", help="check a directory file")
    v.add_argument("file", nargs="?", default=None)
    v.set_defaults(func=_validate)
    e = sub.add_parser("export", help="the file with the admins' edits, as YAML")
    e.add_argument("--out", default=None, help="write here (default: stdout)")
    e.add_argument("--file", default=None, help="directory file (default: $DIRECTORY_PATH or data/)")
    e.add_argument("--database-url", default=None, help="default: $DATABASE_URL")
    e.set_defaults(func=_export)
    ln = sub.add_parser("lines", help="national lines for a risk")
    ln.add_argument("--risk", default="none", choices=["none", "high", "emergency"])
    ln.add_argument("--kind", action="append", default=[])
    ln.add_argument("--field", action="append", default=[])
    ln.add_argument("--file", default=None)
    ln.set_defaults(func=_lines)
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except DirectoryError as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
