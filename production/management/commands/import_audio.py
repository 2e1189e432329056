"""`manage.py import_audio PATH... [--artist NAME] [--now]`: import audio files as draft tracks."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from production.engine.cli_output import stdout_kept_for_json
from production.models import IngestUpload
from production.services.ingest import files_ingest

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Import audio files (WAV, FLAC, AIFF, MP3, OGG: judged by content, not extension) as draft tracks. "
        "Prints one JSON object per file and line: file (as given), track_id (null when refused) and "
        "error (null when imported). A folder stands for every file inside it. Exits with status 1 when any "
        "file was refused."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--artist",
            default="",
            metavar="NAME",
            help="Artist of every imported track (created when new). Default: INGEST_DEFAULT_ARTIST.",
        )
        parser.add_argument(
            "--now",
            action="store_true",
            help="Analyse and fingerprint each track (with its duplicate check) in this "
            "process instead of queueing that work for the worker.",
        )

    def handle(self, *args, **options) -> None:
        paths = [path for given in options["paths"] for path in _expand(given)]
        with stdout_kept_for_json():
            results = files_ingest(
                paths=paths, channel=IngestUpload.Channel.CLI, artist_name=options["artist"], queue=not options["now"]
            )
            lines = []
            for result in results:
                document = result.to_dict()
                if options["now"] and result.track is not None:
                    _analyse_now(result.track)
                lines.append(document)
        for document in lines:
            self.stdout.write(json.dumps(document))
        refused = sum(1 for document in lines if document["error"])
        if refused:
            # Scripts and cron jobs must notice: the exit status is 1 when any file was refused.
            raise CommandError(f"{refused} of {len(lines)} file(s) refused; see their error above.", returncode=1)


def _expand(given: str) -> list[str]:
    """A folder becomes its files (recursively, sorted, hidden ones skipped); anything else stays as given."""
    path = Path(given)
    if not path.is_dir():
        return [given]
    return [
        str(p)
        for p in sorted(path.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    ]


def _analyse_now(track) -> None:
    """Imported is imported: a failure of the follow-up work is logged (the track stays "not checked"
    and unapprovable), not reported as a refusal."""
    from production.services.analysis import track_analyze
    from production.services.fingerprints import track_fingerprint

    try:
        track_analyze(track=track)
        track_fingerprint(track=track)
    except (ValidationError, ValueError) as error:
        logger.warning("track %s imported; its analysis or fingerprint failed: %s", track.pk, error)
