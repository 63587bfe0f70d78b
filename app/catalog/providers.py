"""Machine translation providers behind one interface: DeepL (the official `deepl` package, its server URL
configurable) and any OpenAI-compatible chat-completions API (the `openai` package with a base URL).

The libraries' own retries are off: the caller (app/catalog/suggest.py) retries 429 and 5xx with its own
bounded backoff, so a budget or a job's lease is never outrun by a library sleeping on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

PROVIDERS = ("deepl", "openai")
# DeepL's target codes where the bare language is ambiguous or deprecated.
DEEPL_TARGETS = {"en": "EN-GB", "pt": "PT-PT", "zh": "ZH-HANS"}


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


class Provider(Protocol):
    name: str

    def translate(self, texts: list[str], source: str, target: str, *, html: bool, glossary: Glossary) -> list[str]:
        """The translations of `texts`, in order; ProviderError (retryable for 429 and 5xx) otherwise."""


class DeepLProvider:
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
                ignore_tags=["keep"] if glossary.keep else None)
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
