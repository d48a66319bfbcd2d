"""Load and validate the knowledge base in ``knowledge/*.yml``.

The knowledge base is data clinicians edit, so a bad file must fail loudly with
the file, entry and field named — never start half-loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"

LEVELS = ("emergency", "urgent", "see_doctor", "self_care")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")

# Field specs per collection: name -> (type, required).
_STR, _LIST, _DICT = str, list, dict
SCHEMA: dict[str, dict[str, tuple[type, bool]]] = {
    "causes": {
        "id": (_STR, True),
        "name": (_STR, True),
        "aliases": (_LIST, True),
        "category": (_STR, True),
        "explanation": (_STR, True),
        "pattern": (_DICT, True),
        "distinguish": (_STR, True),
        "self_care": (_LIST, True),
        "prevention": (_LIST, True),
        "seek_care": (_STR, True),
        "signals": (_LIST, True),
        "sources": (_LIST, True),
    },
    "remedies": {
        "id": (_STR, True),
        "name": (_STR, True),
        "aliases": (_LIST, True),
        "summary": (_STR, True),
        "how": (_STR, True),
        "cautions": (_STR, False),
        "sources": (_LIST, True),
    },
    "exercises": {
        "id": (_STR, True),
        "name": (_STR, True),
        "aliases": (_LIST, True),
        "common_faults": (_LIST, True),
        "form_cues": (_LIST, True),
        "regressions": (_LIST, True),
        "return_to_training": (_STR, True),
        "sources": (_LIST, True),
    },
    "prevention": {
        "id": (_STR, True),
        "name": (_STR, True),
        "aliases": (_LIST, True),
        "advice": (_STR, True),
        "sources": (_LIST, True),
    },
    "guidance": {
        "id": (_STR, True),
        "name": (_STR, True),
        "aliases": (_LIST, True),
        "answer": (_STR, True),
        "sources": (_LIST, True),
    },
    "red_flags": {
        "id": (_STR, True),
        "level": (_STR, True),
        "name": (_STR, True),
        "cause": (_STR, True),
        "message": (_STR, True),
        "sources": (_LIST, True),
    },
    "triage_rules": {
        "id": (_STR, True),
        "level": (_STR, True),
        "when": (_DICT, True),
        "reason": (_STR, True),
        "sources": (_LIST, True),
    },
}
PATTERN_KEYS = ("onset", "character", "side", "spread", "eases", "worsens")
CAUSE_CATEGORIES = {"muscular", "mechanical", "structural", "lifestyle", "systemic", "emergency"}


class KnowledgeError(ValueError):
    """A knowledge file is malformed; the message names file, entry and field."""


@dataclass(frozen=True)
class KnowledgeBase:
    """All knowledge collections, keyed by id, plus the slot vocabulary."""

    causes: dict[str, dict[str, Any]]
    remedies: dict[str, dict[str, Any]]
    exercises: dict[str, dict[str, Any]]
    prevention: dict[str, dict[str, Any]]
    guidance: dict[str, dict[str, Any]]
    red_flags: dict[str, dict[str, Any]]
    triage_rules: list[dict[str, Any]]
    vocabulary: dict[str, dict[str, list[str]]]
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    _alias_index: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    def source_title(self, source_id: str) -> str:
        """The readable title of a cited source (sources.yml)."""
        return self.sources[source_id]["title"]

    def collection(self, name: str) -> dict[str, dict[str, Any]]:
        return getattr(self, name)

    def topics(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """Every answerable entry as (collection, entry)."""
        for coll in ("causes", "remedies", "exercises", "prevention", "guidance"):
            for entry in self.collection(coll).values():
                yield coll, entry

    def alias_index(self) -> dict[str, tuple[str, str]]:
        """Lower-cased alias -> (collection, id); built once per knowledge base."""
        if not self._alias_index:
            for coll, entry in self.topics():
                for alias in [entry["name"], entry["id"].replace("_", " "), *entry["aliases"]]:
                    self._alias_index.setdefault(str(alias).lower().strip(), (coll, entry["id"]))
        return self._alias_index


def _fail(path: Path, entry: str, fld: str, problem: str) -> KnowledgeError:
    return KnowledgeError(f"{path.name}: entry '{entry}': field '{fld}': {problem}")


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc


def _check_entries(path: Path, coll: str, entries: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError(f"{path.name}: top-level key '{coll}' must be a non-empty list")
    out: dict[str, dict[str, Any]] = {}
    for pos, entry in enumerate(entries):
        label = str(entry.get("id", f"#{pos}")) if isinstance(entry, dict) else f"#{pos}"
        if not isinstance(entry, dict):
            raise _fail(path, label, "-", "entry must be a mapping")
        for fld, (typ, required) in SCHEMA[coll].items():
            if fld not in entry or entry[fld] is None:
                if required:
                    raise _fail(path, label, fld, "missing")
                continue
            if not isinstance(entry[fld], typ):
                raise _fail(path, label, fld, f"must be a {typ.__name__}")
            if typ is str and not entry[fld].strip():
                raise _fail(path, label, fld, "empty")
        unknown = set(entry) - set(SCHEMA[coll])
        if unknown:
            raise _fail(path, label, sorted(unknown)[0], "unknown field")
        if not ID_RE.match(entry["id"]):
            raise _fail(path, label, "id", "must be snake_case")
        if entry["id"] in out:
            raise _fail(path, label, "id", "duplicate id")
        if not entry["sources"] or not all(isinstance(s, str) and s.strip() for s in entry["sources"]):
            raise _fail(path, label, "sources", "every entry must cite at least one source")
        out[entry["id"]] = entry
    return out


def _check_cross_refs(kb_files: dict[str, Path], kb: KnowledgeBase) -> None:
    cpath = kb_files["causes"]
    for cid, cause in kb.causes.items():
        if cause["category"] not in CAUSE_CATEGORIES:
            raise _fail(cpath, cid, "category", f"must be one of {sorted(CAUSE_CATEGORIES)}")
        missing = [k for k in PATTERN_KEYS if not str(cause["pattern"].get(k, "")).strip()]
        if missing:
            raise _fail(cpath, cid, f"pattern.{missing[0]}", "missing")
        for rid in cause["self_care"]:
            if rid not in kb.remedies:
                raise _fail(cpath, cid, "self_care", f"unknown remedy '{rid}'")
        for pid in cause["prevention"]:
            if pid not in kb.prevention:
                raise _fail(cpath, cid, "prevention", f"unknown prevention '{pid}'")
        for sig in cause["signals"]:
            _check_condition(cpath, cid, "signals", sig.get("slot"), sig.get("values"), kb)
            if not isinstance(sig.get("weight"), int) or not str(sig.get("reason", "")).strip():
                raise _fail(cpath, cid, "signals", "each signal needs an int weight and a reason")
    rpath = kb_files["red_flags"]
    for fid, flag in kb.red_flags.items():
        if flag["level"] not in ("emergency", "urgent"):
            raise _fail(rpath, fid, "level", "must be emergency or urgent")
        if flag["cause"] not in kb.causes:
            raise _fail(rpath, fid, "cause", f"unknown cause '{flag['cause']}'")
    tpath = kb_files["triage_rules"]
    for rule in kb.triage_rules:
        if rule["level"] not in LEVELS:
            raise _fail(tpath, rule["id"], "level", f"must be one of {LEVELS}")
        for slot, values in rule["when"].items():
            _check_condition(tpath, rule["id"], "when", slot, values, kb)


def _check_condition(path: Path, entry: str, fld: str, slot: Any, values: Any, kb: KnowledgeBase) -> None:
    allowed = set(kb.vocabulary.get(slot, {})) if slot != "exercise" else set(kb.exercises)
    if not allowed:
        raise _fail(path, entry, fld, f"unknown slot '{slot}'")
    if not isinstance(values, list) or not values:
        raise _fail(path, entry, fld, f"'{slot}' needs a list of values")
    bad = [v for v in values if str(v) not in allowed]
    if bad:
        raise _fail(path, entry, fld, f"value '{bad[0]}' is not a known {slot} value")


def load(directory: Path | str = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Read and validate every knowledge file; raise KnowledgeError on the first problem."""
    directory = Path(directory)
    files: dict[str, Path] = {}
    data: dict[str, Any] = {}
    for coll in SCHEMA:
        path = directory / f"{coll}.yml"
        files[coll] = path
        if not path.exists():
            raise KnowledgeError(f"{path.name}: file missing from {directory}")
        doc = _load_yaml(path)
        if not isinstance(doc, dict) or coll not in doc:
            raise KnowledgeError(f"{path.name}: must have a top-level key '{coll}'")
        data[coll] = _check_entries(path, coll, doc[coll])
    vpath = directory / "vocabulary.yml"
    vocab = _load_yaml(vpath) if vpath.exists() else None
    if not isinstance(vocab, dict) or not isinstance(vocab.get("vocabulary"), dict):
        raise KnowledgeError(f"{vpath.name}: must have a top-level mapping 'vocabulary'")
    for slot, values in vocab["vocabulary"].items():
        if not isinstance(values, dict) or not all(isinstance(v, list) for v in values.values()):
            raise _fail(vpath, slot, "-", "each value must map to a list of phrases")
    vocabulary = {
        slot: {str(value): [str(p) for p in phrases] for value, phrases in values.items()}
        for slot, values in vocab["vocabulary"].items()
    }
    spath = directory / "sources.yml"
    registry = _load_yaml(spath) if spath.exists() else None
    if not isinstance(registry, dict) or not isinstance(registry.get("sources"), dict):
        raise KnowledgeError(f"{spath.name}: must have a top-level mapping 'sources'")
    for sid, src in registry["sources"].items():
        if not isinstance(src, dict) or not str(src.get("title", "")).strip():
            raise _fail(spath, str(sid), "title", "every source needs a readable title")
    kb = KnowledgeBase(
        vocabulary=vocabulary,
        sources={str(k): {f: str(v) for f, v in src.items()} for k, src in registry["sources"].items()},
        triage_rules=list(data.pop("triage_rules").values()),
        **data,
    )
    _check_cross_refs(files, kb)
    _check_sources(files, data, kb)
    return kb


def _check_sources(files: dict[str, Path], data: dict[str, Any], kb: KnowledgeBase) -> None:
    """Every cited source is in the registry, so a person is always shown a readable title."""
    for coll in SCHEMA:
        entries = kb.triage_rules if coll == "triage_rules" else kb.collection(coll).values()
        for entry in entries:
            for sid in entry["sources"]:
                if sid not in kb.sources:
                    raise _fail(files[coll], entry["id"], "sources", f"'{sid}' is not in sources.yml")


@lru_cache(maxsize=1)
def default() -> KnowledgeBase:
    """The project's knowledge base, loaded on first use (never at import)."""
    return load(KNOWLEDGE_DIR)
