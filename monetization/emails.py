"""E-mails to buyers: a text and an HTML template per message, through Django's e-mail backend."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated(
    *, to: str, template: str, context: dict, attachments: list[tuple[str, bytes, str]] | None = None
) -> None:
    """Render monetization/email/<template>_subject.txt, <template>.txt and <template>.html and send them.

    The backend is settings.EMAIL_BACKEND (console by default, SMTP when configured). Raises on failure so
    the calling task is retried.
    """
    context = {"label_name": settings.LABEL_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"monetization/email/{template}_subject.txt", context).split())
    text = render_to_string(f"monetization/email/{template}.txt", context)
    html = render_to_string(f"monetization/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()
