"""Print the Content ID allow list (one channel id per line, or CSV) for YouTube's CMS."""

import csv

from django.core.management.base import BaseCommand

from monetization.selectors import active_channel_allowlist


class Command(BaseCommand):
    help = "Channel ids covered by valid licences, for the YouTube Content ID allow list."

    def add_arguments(self, parser):
        parser.add_argument("--csv", action="store_true", help="CSV with licence codes instead of bare ids.")

    def handle(self, *args, **options):
        rows = active_channel_allowlist()
        if options["csv"]:
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(["channel_id", "licence_codes", "tiers"])
            for row in rows:
                writer.writerow([row["channel_id"], " ".join(row["licence_codes"]), "; ".join(row["tiers"])])
        else:
            for row in rows:
                self.stdout.write(row["channel_id"])
