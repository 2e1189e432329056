"""`manage.py youtube_connect ACCOUNT`: connect a YouTube account with the installed-app OAuth flow.

For a machine where the cockpit's own connect page is not reachable from the browser: a local redirect
server on --port catches Google's answer; the consent URL is printed to open anywhere on this machine.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from distribution.models import Platform, PlatformAccount
from distribution.platforms import youtube as yt
from distribution.services import youtube as youtube_services


class Command(BaseCommand):
    help = "Connect the named YouTube platform account to a channel (OAuth installed-app flow)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("account", help="The platform account's name, as in the cockpit.")
        parser.add_argument("--port", type=int, default=8765, help="Local port Google redirects to.")
        parser.add_argument("--open-browser", action="store_true")

    def handle(self, *args, **options) -> None:
        account = PlatformAccount.objects.filter(name=options["account"], platform=Platform.YOUTUBE).first()
        if account is None:
            raise CommandError(f"No YouTube platform account named {options['account']!r}.")
        try:
            config = youtube_services.youtube_client_config(account)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        tokens = yt.run_installed_app_flow(config, port=options["port"], open_browser=options["open_browser"])
        account = youtube_services.youtube_tokens_store(account=account, actor=None, tokens=tokens)
        self.stdout.write(f"{account.name} is {account.connected_as}.")
