"""`manage.py publish_due [--wait]`: what the every-minute schedule does, now (for cron or a stuck queue)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from distribution.models import Publication
from distribution.services import publishing


class Command(BaseCommand):
    help = (
        "Claim the publications that are due and publish them. By default one publish task per publication "
        "is queued for the workers; with --wait each one runs here, one after another, and its outcome is "
        "printed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--wait", action="store_true", help="Publish here instead of queueing tasks.")

    def handle(self, *args, **options) -> None:
        if not options["wait"]:
            claimed = publishing.publications_run_due()
            self.stdout.write(f"Queued {len(claimed)} publication(s).")
            return
        publishing.publications_release_stale()
        for publication_id in publishing.publications_claim_due():
            publication = publishing.publication_publish(
                publication=Publication.objects.select_related("release", "account").get(pk=publication_id)
            )
            self.stdout.write(
                f"{publication}: {publication.status_text}"
                + (f" {publication.external_url}" if publication.external_url else "")
            )
