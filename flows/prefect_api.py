"""Which Prefect API this process talks to (environment or Prefect profile)."""

from __future__ import annotations

from prefect.settings import get_current_settings


def api_url() -> str | None:
    url = get_current_settings().api.url
    return str(url) if url else None
