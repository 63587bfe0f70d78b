"""Machine translation providers behind one interface: DeepL (the official `deepl` package, its server URL
configurable) and any OpenAI-compatible chat-completions API (the `openai` package with a base URL).

The libraries' own retries are off: the caller (app/catalog/suggest.py) retries 429 and 5xx with its own
bounded backoff, so a budget or a job's lease is never outrun by a library sleeping on its own.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Protocol

PROVIDERS = ("deepl", "openai")
# DeepL's target codes where the bare language is ambiguous or deprecated.
DEEPL_TARGETS = {"en": "EN-GB", "pt": "PT-PT", "zh": "ZH-HANS"}
# The hub's DeepL glossaries are named by this prefix, the language pair and a digest of their entries.
GLOSSARY_PREFIX = "commerce-hub"


class ProviderError(RuntimeError):
    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Glossary:
    """The organization's terms for one language: term → translation, and terms never translated."""

    pairs: dict[str, str] = field(default_factory=dict)
    keep: frozenset[str] = frozenset()

    def as_checks(self) -> dict[str, str | None]:
        return {**self.pairs, **dict.fromkeys(self.keep)}

    def digest(self) -> str:
        """The pairs' fingerprint: a changed glossary is a new DeepL glossary (DeepL's v2 ones are immutable)."""
        lines = "\n".join(f"{term}\t{translation}" for term, translation in sorted(self.pairs.items()))
        return hashlib.sha256(lines.encode()).hexdigest()[:16]


class Provider(Protocol):
    name: str

    def translate(self, texts: list[str], source: str, target: str, *, html: bool, glossary: Glossary) -> list[str]:
        """The translations of `texts`, in order; ProviderError (retryable for 429 and 5xx) otherwise."""


class DeepLProvider:
    """Do-not-translate terms travel inside `<keep>` tags DeepL ignores; term → translation pairs as a DeepL
    glossary of the language pair, made once per set of entries (found again by its name, older ones of the
    pair deleted) and named by `glossary_id` in each request."""

    name = "deepl"

    def __init__(self, api_key: str, server_url: str | None = None):
        import deepl
        from deepl import http_client

        http_client.max_network_retries = 0
        self._deepl = deepl
        # The package joins "v2/translate" onto the URL: without a trailing slash a path (…/deepl) is lost.
        server_url = server_url.rstrip("/") + "/" if server_url else None
        self.translator = deepl.Translator(api_key or "none", server_url=server_url,
                                           send_platform_info=False)
        self._glossary_ids: dict[str, str] = {}
        self._glossary_lock = threading.Lock()  # the suggestion job translates from several threads

    def _glossary_id(self, source: str, target: str, glossary: Glossary) -> str | None:
        """The id of the DeepL glossary holding `glossary.pairs` for source → target (made if missing)."""
        if not glossary.pairs:
            return None
        pair = f"{GLOSSARY_PREFIX} {source.lower()}-{target.lower()} "
        name = pair + glossary.digest()
        with self._glossary_lock:
            if name not in self._glossary_ids:
                self._glossary_ids[name] = self._make_glossary(pair, name, source, target, glossary)
            return self._glossary_ids[name]

    def _make_glossary(self, pair: str, name: str, source: str, target: str, glossary: Glossary) -> str | None:
        try:
            existing = self.translator.list_glossaries()
            found = next((g.glossary_id for g in existing if g.name == name and g.ready), None)
            if found is None:
                found = self.translator.create_glossary(name, source.upper(), target.upper(),
                                                        dict(glossary.pairs)).glossary_id
            for old in existing:  # the pair's glossaries of earlier entries: DeepL limits their number
                if old.name.startswith(pair) and old.name != name:
                    self.translator.delete_glossary(old.glossary_id)
            return found
        except self._deepl.exceptions.DeepLException as exc:
            status = getattr(exc, "http_status_code", None) or 0
            if status == 429 or status >= 500 or status == 0:
                raise
            # A pair DeepL makes no glossary for (or entries it refuses): translate without one; the check
            # afterwards flags every text where a term's translation is missing.
            return None

    @staticmethod
    def _protect(text: str, keep: frozenset[str]) -> str:
        for term in sorted(keep, key=len, reverse=True):
            text = text.replace(term, f"<keep>{term}</keep>")
        return text

    def translate(self, texts: list[str], source: str, target: str, *, html: bool, glossary: Glossary) -> list[str]:
        deepl = self._deepl
        protected = [self._protect(text, glossary.keep) for text in texts]
        try:
            results = self.translator.translate_text(
                protected, source_lang=source.upper(), target_lang=DEEPL_TARGETS.get(target, target.upper()),
                tag_handling="html" if html or glossary.keep else None,
                ignore_tags=["keep"] if glossary.keep else None,
                glossary=self._glossary_id(source, target, glossary))
        except deepl.exceptions.TooManyRequestsException as exc:
            raise ProviderError(f"DeepL: too many requests ({exc})", retryable=True) from exc
        except deepl.exceptions.QuotaExceededException as exc:
            raise ProviderError(f"DeepL: the account's quota is used up ({exc})") from exc
        except deepl.exceptions.DeepLException as exc:
            status = getattr(exc, "http_status_code", None) or 0
            raise ProviderError(f"DeepL: {exc}", retryable=status >= 500 or status == 0) from exc
        results = results if isinstance(results, list) else [results]
        return [result.text.replace("<keep>", "").replace("</keep>", "") for result in results]


class OpenAIProvider:
    """One chat completion per text: the glossary and the rules travel in the system message."""

    name = "openai"

    def __init__(self, api_key: str, base_url: str | None, model: str):
        import openai

        self._openai = openai
        self.client = openai.OpenAI(api_key=api_key or "none", base_url=base_url or None, max_retries=0,
                                    timeout=60)
        self.model = model or "gpt-4o-mini"

    @staticmethod
    def system_message(source: str, target: str, html: bool, glossary: Glossary) -> str:
        lines = [f"You translate e-shop product texts from {source} into {target}.",
                 "Keep every number, unit and placeholder exactly as written."
                 + (" Keep the HTML markup (tags, attributes, entities) unchanged; translate only the text." if html
                    else ""),
                 "Answer with the translation only."]
        if glossary.keep:
            lines.append("Do not translate: " + ", ".join(sorted(glossary.keep)))
        if glossary.pairs:
            lines.append("Glossary (always use these translations):")
            lines += [f"{term} => {translation}" for term, translation in sorted(glossary.pairs.items())]
        return "\n".join(lines)

    def translate(self, texts: list[str], source: str, target: str, *, html: bool, glossary: Glossary) -> list[str]:
        openai = self._openai
        system = self.system_message(source, target, html, glossary)
        out = []
        for text in texts:
            try:
                answer = self.client.chat.completions.create(
                    model=self.model, temperature=0,
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": text}])
            except openai.RateLimitError as exc:
                raise ProviderError(f"OpenAI-compatible API: too many requests ({exc})", retryable=True) from exc
            except openai.APIStatusError as exc:
                raise ProviderError(f"OpenAI-compatible API: {exc}", retryable=exc.status_code >= 500) from exc
            except openai.APIConnectionError as exc:
                raise ProviderError(f"OpenAI-compatible API unreachable: {exc}", retryable=True) from exc
            out.append((answer.choices[0].message.content or "").strip())
        return out


def provider_from_settings(values: dict, name: str | None = None) -> Provider:
    """The organization's provider (`translation_*` settings), or `name` instead of its choice."""
    from app.settings.secrets import reveal

    name = name or str(values.get("translation_provider") or "deepl")
    url = str(values.get("translation_api_url") or "") or None
    key = reveal(values, "translation_api_key")
    if name == "deepl":
        return DeepLProvider(key, url)
    if name == "openai":
        return OpenAIProvider(key, url, str(values.get("translation_model") or ""))
    raise ProviderError(f"Unknown translation provider {name!r}: one of {', '.join(PROVIDERS)}.")
