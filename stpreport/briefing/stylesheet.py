"""The briefings' templates folder and their one stylesheet, shared by the exporters and the
index page (a module of its own, so the index can be written without importing nbconvert)."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CSS = (TEMPLATES / "briefing" / "briefing.css").read_text(encoding="utf-8")
