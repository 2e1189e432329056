"""`manage.py build_delivery_package RELEASE_UUID ACCOUNT`: build a release's delivery package now."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Release
from distribution.models import PlatformAccount
from distribution.services import delivery as delivery_services


class Command(BaseCommand):
    help = (
        "Build the DDEX ERN 4.3 package (XML, 16-bit WAVs, cover, CSV) of a release for a platform account "
        "into private storage and print its stored path, size and SHA-256."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("release", help="The release's UUID.")
        parser.add_argument("account", help="The recipient platform account's name.")

    def handle(self, *args, **options) -> None:
        release = Release.objects.filter(uuid=options["release"]).select_related("artist").first()
        account = PlatformAccount.objects.filter(name=options["account"]).first()
        if release is None or account is None:
            raise CommandError("No such release" if release is None else "No such platform account")
        try:
            package = delivery_services.delivery_package_build(release=release, account=account)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"{package.path} {package.size_bytes} bytes sha256 {package.sha256}")
