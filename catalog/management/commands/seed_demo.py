"""`manage.py seed_demo`: the demo catalogue for a fresh install (run by `make run`; safe to run again)."""

from django.core.management.base import BaseCommand, CommandError

from lofi_site.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo catalogue: an admin superuser if there is none, one demo staff account per "
        "role, the style and mood vocabularies, artist personas, and whatever seed steps the apps add "
        "(see lofi_site/demo.py). Idempotent."
    )

    def handle(self, *args, **options) -> None:
        failed = seed_demo(out=self.stdout.write)
        if failed:
            raise CommandError(f"Demo seed steps failed (see above): {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS("Demo catalogue ready."))
