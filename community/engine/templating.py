"""Reply templates: "{author}", "{track_title}", "{release_title}" and "{channel}" filled in from a comment.

Substitution is a plain search-and-replace of known names, never str.format: a template typed in the cockpit
must not reach attributes of the values ("{author.__class__}") or fail on a stray brace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = ("author", "track_title", "release_title", "channel")
_FIELD = re.compile(r"\{([^{}]*)\}")


def unknown_placeholders(body: str) -> list[str]:
    """The "{...}" fields in `body` that are not one of PLACEHOLDERS, in order, once each."""
    unknown: list[str] = []
    for name in _FIELD.findall(body):
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def render_reply(body: str, values: Mapping[str, str]) -> str:
    """`body` with every known placeholder replaced by its value (an empty string when missing).

    Unknown fields are left as typed; templates are validated on save so none reach here in practice.
    """

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        return str(values.get(name, "") or "")

    return _FIELD.sub(substitute, body).strip()
