"""E-mails community sends: a text and an HTML template per message, through Django's e-mail backend."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def message_from_templates(
    *, to: str, template: str, context: dict, headers: dict | None = None, connection=None
) -> EmailMultiAlternatives:
    """A message from community/email/<template>_subject.txt, <template>.txt and <template>.html."""
    context = {"label_name": settings.LABEL_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"community/email/{template}_subject.txt", context).split())
    text = render_to_string(f"community/email/{template}.txt", context)
    html = render_to_string(f"community/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def send_templated(*, to: str, template: str, context: dict, headers: dict | None = None) -> None:
    """Render and send one message. Raises on failure so the calling task is retried."""
    message_from_templates(to=to, template=template, context=context, headers=headers).send()


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with RFC 8058 one-click: mail clients show an unsubscribe button that POSTs
    "List-Unsubscribe=One-Click" to `url` (Gmail and Yahoo require it of bulk senders)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
