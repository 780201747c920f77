"""An HTML form as a browser would submit it: the fields' current values (text inputs,
hidden ones, checked boxes and radios, selected options), for tests that change a few."""
from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.select = form_id, False, None
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


Fields = dict[str, "str | list[str]"]


def form_fields(html: str, form_id: str) -> Fields:
    """name -> value (a list where several boxes of one name are checked, e.g. days_0)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.fields, f"no form #{form_id} on the page"
    fields: Fields = {}
    for name, value in reader.fields:
        if name.startswith("days_"):
            fields.setdefault(name, [])
            fields[name].append(value)      # type: ignore[union-attr]
        else:
            fields[name] = value
    return fields
