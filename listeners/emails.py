"""E-mails to listeners: a text and an HTML template per message, through Django's e-mail backend."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def message_from_templates(
    *, to: str, template: str, context: dict, headers: dict | None = None, connection=None
) -> EmailMultiAlternatives:
    """A message from listeners/email/<template>_subject.txt, <template>.txt and <template>.html."""
    context = {"label_name": settings.LABEL_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"listeners/email/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"listeners/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"listeners/email/{template}.html", context), "text/html")
    return message


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with RFC 8058 one-click (Gmail and Yahoo require it of bulk senders), as the
    newsletter sends it."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
