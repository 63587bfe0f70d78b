"""A deterministic machine translator for the hub's tests and demo: DeepL's API under `/deepl` (`POST
/deepl/v2/translate`, as the official `deepl` package calls it) and an OpenAI-compatible chat-completions API
under `/openai/v1` (`POST /openai/v1/chat/completions`).

The "translation" is `translate(text, target, ...)`: HTML tags, entities and numbers are kept, a small
Czech → Slovak / English word list is applied, and each text gets a `[xx] ` mark, so a suggestion is
recognisable and the same text always gives the same answer. Words that make it misbehave on purpose, for
the hub's checks: `BREAK-HTML` (a closing tag is lost), `BREAK-NUM` (digits change) and `BREAK-GLOSSARY`
(glossary entries are ignored). Do-not-translate terms and glossary pairs are honoured (DeepL: inside
`<keep>` with `ignore_tags=keep`, and a glossary made with `POST /deepl/v2/glossaries` named by `glossary_id`;
OpenAI: the lines `Do not translate:` and `term => translation` of the system message).

DeepL's glossaries (v2: create, list, get, entries as TSV, delete) are kept in memory with ids numbered in
the order they were made, so a run gives the same ids every time.

Admin: `POST /_sandbox/translator/faults {"script": [429, 500, 0, ...]}` answers the next requests with
those statuses (0 = pass); `GET /_sandbox/translator/state` counts requests and characters per API.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

bp = Blueprint("translator", __name__)

WORDS = {
    "sk": {"konev": "kanva", "žlutá": "žltá", "žlutý": "žltý", "zahradní": "záhradná", "hadice": "hadica",
           "objem": "objem", "barva": "farba", "červená": "červená", "velký": "veľký", "malý": "malý",
           "a": "a", "s": "s", "pro": "pre", "na": "na"},
    "en": {"konev": "watering can", "žlutá": "yellow", "žlutý": "yellow", "zahradní": "garden",
           "hadice": "hose", "objem": "volume", "barva": "colour", "velký": "large", "malý": "small",
           "pro": "for", "na": "on", "a": "and", "s": "with"},
}
TOKEN = re.compile(r"(<keep>.*?</keep>|<[^>]+>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)", re.S)
WORD = re.compile(r"[^\W\d_]+", re.U)


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.script: list[int] = []
        self.requests = {"deepl": 0, "openai": 0}
        self.characters = {"deepl": 0, "openai": 0}
        self.faults = 0
        self.glossaries: dict[str, dict] = {}  # id → name, languages, entries, creation_time
        self.glossaries_made = 0

    def next_fault(self) -> int:
        with self.lock:
            return self.script.pop(0) if self.script else 0


STATE = _State()


def _words(segment: str, target: str, keep: set[str], glossary: dict[str, str]) -> str:
    table = WORDS.get(target, {})

    def replace(match: re.Match) -> str:
        word = match.group(0)
        if word in keep or word.lower() in {k.lower() for k in keep}:
            return word
        for term, translation in glossary.items():
            if word.lower() == term.lower():
                return translation
        translated = table.get(word.lower())
        if translated is None:
            return word
        return translated.capitalize() if word[:1].isupper() else translated

    return WORD.sub(replace, segment)


def translate(text: str, target: str, *, keep: set[str] | frozenset = frozenset(),
              glossary: dict[str, str] | None = None) -> str:
    """The sandbox's deterministic translation of `text` into `target`."""
    glossary = {} if "BREAK-GLOSSARY" in text else (glossary or {})
    for term, translation in glossary.items():  # multi-word terms first, as DeepL's glossaries do
        if " " in term:
            text = re.sub(re.escape(term), translation, text, flags=re.I)
    parts = []
    for piece in TOKEN.split(text):
        if not piece:
            continue
        if piece.startswith("<keep>"):
            parts.append(piece[len("<keep>"):-len("</keep>")])
        elif TOKEN.fullmatch(piece):
            parts.append(piece)
        else:
            parts.append(_words(piece, target, set(keep), glossary))
    out = f"[{target}] " + "".join(parts)
    if "BREAK-HTML" in text:
        out = re.sub(r"</[a-z0-9]+>", "", out, count=1)
    if "BREAK-NUM" in text:
        out = re.sub(r"\d", "7", out)
    return out


def _fault(api: str):
    status = STATE.next_fault()
    if not status:
        return None
    with STATE.lock:
        STATE.faults += 1
    if api == "deepl":
        response = jsonify({"message": "Too many requests" if status == 429 else "Internal error"})
    else:
        response = jsonify({"error": {"message": f"sandbox fault {status}", "type": "server_error",
                                      "code": str(status)}})
    response.status_code = status
    if status == 429:
        response.headers["Retry-After"] = "0"
    return response


def _count(api: str, characters: int) -> None:
    with STATE.lock:
        STATE.requests[api] += 1
        STATE.characters[api] += characters


@bp.post("/deepl/v2/translate")
def deepl_translate():
    if not request.headers.get("Authorization", "").startswith("DeepL-Auth-Key "):
        return jsonify({"message": "Authorization failure, check auth_key"}), 403
    fault = _fault("deepl")
    if fault is not None:
        return fault
    data = request.get_json(silent=True) or {}
    form = request.form
    texts = data.get("text") if data else form.getlist("text")
    if isinstance(texts, str):
        texts = [texts]
    target = str((data.get("target_lang") if data else form.get("target_lang")) or "").split("-")[0].lower()
    if not texts or not target:
        return jsonify({"message": "Parameter 'text' and 'target_lang' are required"}), 400
    source = (data.get("source_lang") if data else form.get("source_lang")) or "CS"
    glossary_id = (data.get("glossary_id") if data else form.get("glossary_id")) or None
    entries = {}
    if glossary_id:
        glossary = STATE.glossaries.get(str(glossary_id))
        if glossary is None:
            return jsonify({"message": "Glossary not found"}), 404
        if glossary["source_lang"] != str(source).lower() or glossary["target_lang"] != target:
            return jsonify({"message": "Glossary languages do not match the request's languages"}), 400
        entries = glossary["entries"]
    _count("deepl", sum(len(t) for t in texts))
    return jsonify({"translations": [{"detected_source_language": str(source).upper(),
                                      "text": translate(t, target, glossary=entries), "billed_characters": len(t)}
                                     for t in texts]})


def _glossary_json(glossary_id: str, glossary: dict) -> dict:
    return {"glossary_id": glossary_id, "name": glossary["name"], "ready": True,
            "source_lang": glossary["source_lang"], "target_lang": glossary["target_lang"],
            "creation_time": glossary["creation_time"], "entry_count": len(glossary["entries"])}


def _tsv_entries(value: str) -> dict[str, str] | None:
    entries = {}
    for line in value.splitlines():
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            return None
        entries[parts[0].strip()] = parts[1].strip()
    return entries


@bp.post("/deepl/v2/glossaries")
def deepl_create_glossary():
    if not request.headers.get("Authorization", "").startswith("DeepL-Auth-Key "):
        return jsonify({"message": "Authorization failure, check auth_key"}), 403
    fault = _fault("deepl")
    if fault is not None:
        return fault
    data = request.get_json(silent=True) or request.form.to_dict()
    name, source, target = data.get("name"), str(data.get("source_lang") or ""), str(data.get("target_lang") or "")
    if data.get("entries_format", "tsv") != "tsv":
        return jsonify({"message": "Value for 'entries_format' not supported."}), 400
    entries = _tsv_entries(str(data.get("entries") or ""))
    if not name or not source or not target or not entries:
        return jsonify({"message": "Invalid glossary: name, source_lang, target_lang and entries are required"}), 400
    with STATE.lock:
        STATE.glossaries_made += 1
        glossary_id = f"00000000-0000-4000-8000-{STATE.glossaries_made:012d}"
        STATE.glossaries[glossary_id] = {
            "name": str(name), "source_lang": source.lower(), "target_lang": target.split("-")[0].lower(),
            "entries": entries, "creation_time": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
        return jsonify(_glossary_json(glossary_id, STATE.glossaries[glossary_id])), 201


@bp.get("/deepl/v2/glossaries")
def deepl_list_glossaries():
    with STATE.lock:
        return jsonify({"glossaries": [_glossary_json(gid, g) for gid, g in STATE.glossaries.items()]})


@bp.get("/deepl/v2/glossaries/<glossary_id>")
def deepl_get_glossary(glossary_id: str):
    glossary = STATE.glossaries.get(glossary_id)
    if glossary is None:
        return jsonify({"message": "Glossary not found"}), 404
    return jsonify(_glossary_json(glossary_id, glossary))


@bp.get("/deepl/v2/glossaries/<glossary_id>/entries")
def deepl_glossary_entries(glossary_id: str):
    glossary = STATE.glossaries.get(glossary_id)
    if glossary is None:
        return jsonify({"message": "Glossary not found"}), 404
    body = "\n".join(f"{term}\t{translation}" for term, translation in glossary["entries"].items())
    return Response(body, mimetype="text/tab-separated-values")


@bp.delete("/deepl/v2/glossaries/<glossary_id>")
def deepl_delete_glossary(glossary_id: str):
    with STATE.lock:
        if STATE.glossaries.pop(glossary_id, None) is None:
            return jsonify({"message": "Glossary not found"}), 404
    return "", 204


@bp.get("/deepl/v2/usage")
def deepl_usage():
    return jsonify({"character_count": STATE.characters["deepl"], "character_limit": 1_000_000_000})


def _prompt_rules(system: str) -> tuple[str, set[str], dict[str, str]]:
    target = (re.search(r"into ([a-z]{2})\b", system) or re.search(r"to ([a-z]{2})\b", system))
    keep = set()
    found = re.search(r"Do not translate: (.*)", system)
    if found:
        keep = {term.strip() for term in found.group(1).split(",") if term.strip()}
    glossary = dict(re.findall(r"^\s*(.+?) => (.+?)\s*$", system, flags=re.M))
    return (target.group(1) if target else "en"), keep, glossary


@bp.post("/openai/v1/chat/completions")
def openai_chat():
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        return jsonify({"error": {"message": "Missing bearer token", "type": "invalid_request_error"}}), 401
    fault = _fault("openai")
    if fault is not None:
        return fault
    body = request.get_json(silent=True) or {}
    messages = body.get("messages") or []
    system = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
    user = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    target, keep, glossary = _prompt_rules(system)
    _count("openai", len(user))
    answer = translate(user, target, keep=keep, glossary=glossary)
    return jsonify({
        "id": f"chatcmpl-sandbox-{STATE.requests['openai']}", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model") or "sandbox-translator",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": len(system + user) // 4, "completion_tokens": len(answer) // 4,
                  "total_tokens": (len(system + user) + len(answer)) // 4},
    })


@bp.post("/_sandbox/translator/faults")
def set_faults():
    script = (request.get_json(silent=True) or {}).get("script") or []
    if not all(status in (0, 429, 500, 502, 503) for status in script):
        return jsonify({"error": "script entries: 0, 429, 500, 502, 503"}), 400
    with STATE.lock:
        STATE.script = list(script)
    return jsonify({"script": STATE.script})


@bp.get("/_sandbox/translator/state")
def state():
    with STATE.lock:
        return jsonify({"requests": dict(STATE.requests), "characters": dict(STATE.characters),
                        "faults": STATE.faults, "script": list(STATE.script),
                        "glossaries": {gid: {**_glossary_json(gid, g), "entries": g["entries"]}
                                       for gid, g in STATE.glossaries.items()},
                        "glossaries_made": STATE.glossaries_made})
