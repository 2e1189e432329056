"""Helpers for commands whose stdout is machine-readable JSON: nothing else may reach stdout."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def stdout_kept_for_json() -> Iterator[None]:
    """For the block, library chatter (print, logging handlers on stdout) goes to stderr instead."""
    moved = []
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is sys.stdout:
            moved.append(handler)
            handler.setStream(sys.stderr)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        for handler in moved:
            handler.setStream(sys.stdout)
