"""A small client for any OpenAI-compatible ``/v1/chat/completions`` endpoint (Ollama, vLLM, llama.cpp server).

The API key is read from an environment variable whose name is configurable (default ``NARRASCOPE_LLM_API_KEY``);
servers that need none (llama.cpp, Ollama) work without it. Connection errors, timeouts, HTTP 429 and 5xx answers are
retried with exponential backoff; anything else, and an answer without a message text, raises ``ModelError``.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from narrascope.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

DEFAULT_API_KEY_ENV = "NARRASCOPE_LLM_API_KEY"


@dataclass
class ChatClient:
    """Chat completions from ``base_url`` (``http://host:port/v1`` or the full ``.../chat/completions`` URL)."""

    base_url: str
    model: str
    api_key_env: str = DEFAULT_API_KEY_ENV
    timeout_s: float = 30.0
    retries: int = 2
    backoff_s: float = 0.5
    max_tokens: int = 160
    temperature: float = 0.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"LLM url {self.base_url!r} must start with http:// or https://")
        if not self.model:
            raise ConfigError("LLM model name is empty; pass the name the server knows the model by")
        if self.retries < 0 or self.timeout_s <= 0:
            raise ConfigError("LLM retries must be >= 0 and timeout_s > 0")

    @property
    def url(self) -> str:
        """The chat-completions endpoint."""
        base = self.base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply to ``messages``; ``ModelError`` after the retries are spent or on a bad answer."""
        import httpx

        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": False,
        }
        last = "no attempt made"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = httpx.post(self.url, json=payload, headers=self._headers(), timeout=self.timeout_s)
            except httpx.TimeoutException:
                last = f"timed out after {self.timeout_s:g}s"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 429 or response.status_code >= 500:
                    last = f"HTTP {response.status_code}"
                elif response.status_code >= 400:
                    raise ModelError(f"LLM server {self.url} answered HTTP {response.status_code}: {response.text[:200]}")
                else:
                    return _message_text(response, self.url)
            log.info("LLM request to %s failed (%s), attempt %d of %d", self.url, last, attempt + 1, self.retries + 1)
        raise ModelError(f"LLM server {self.url} failed after {self.retries + 1} attempt(s): {last}")


def _message_text(response: Any, url: str) -> str:
    """``choices[0].message.content`` of a chat-completions answer; ``ModelError`` when it is not there."""
    try:
        data = response.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ModelError(f"LLM server {url} sent an answer that is not a chat completion: {response.text[:200]!r}") from None
    if not isinstance(content, str) or not content.strip():
        raise ModelError(f"LLM server {url} sent an empty message")
    return content
