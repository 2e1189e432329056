"""System checks: a typo in community's settings shows at start-up (`manage.py check`, runserver, migrate),
not as an error page in the cockpit later."""

from __future__ import annotations

from django.core.checks import Error, register

from community import conf


@register()
def best_upload_defaults_check(app_configs, **kwargs) -> list[Error]:
    try:
        conf.best_upload_defaults()
    except (ValueError, TypeError) as error:
        return [
            Error(
                f"BEST_UPLOAD_DEFAULTS cannot be read: {error}",
                hint='Write slots as "Weekday hour", comma-separated, e.g. "Friday 17,Sunday 18".',
                id="community.E001",
            )
        ]
    return []
