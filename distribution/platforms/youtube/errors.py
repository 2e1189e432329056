"""What the YouTube client raises: a refusal retrying will not fix, and a spent daily quota. No Django."""

from __future__ import annotations

from datetime import datetime


class YouTubeError(RuntimeError):
    """The API refused a request for a reason retrying will not fix (bad request, forbidden, not found)."""

    def __init__(self, message: str, *, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class QuotaExceeded(YouTubeError):
    """The project's daily quota is spent; nothing more can be done before `resume_at` (UTC)."""

    def __init__(self, resume_at: datetime, *, reason: str = "quotaExceeded") -> None:
        super().__init__(
            f"YouTube quota exhausted ({reason}); resume at {resume_at.isoformat()}",
            status=403,
            reason=reason,
        )
        self.resume_at = resume_at
