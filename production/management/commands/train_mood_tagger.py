"""`manage.py train_mood_tagger [--seed N] [--no-suggest] [--queue]`: train the mood tagger on the editors'
tagged tracks, keep it, and propose moods for the catalogue."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from production.models import MoodModel


class Command(BaseCommand):
    help = (
        "Train the mood tagger (a small MLP on each track's analysis) on every tagged, analysed track, "
        "store it with its held-out accuracy and confusion matrix, and propose moods for the catalogue's "
        "tracks as suggestions for editors. Exits non-zero, training nothing, when too few tracks are "
        "tagged."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=0, help="Seed of the held-out split and the weights.")
        parser.add_argument(
            "--no-suggest", action="store_true", help="Store the model without proposing moods for the catalogue now."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the training for the worker (the django-q2 task) instead of running it here.",
        )

    def handle(self, *args, **options) -> None:
        from production.services.moods import mood_model_train, mood_model_train_enqueue

        try:
            if options["queue"]:
                mood_model_train_enqueue()
                self.stdout.write("Training queued for the worker; the model appears under Mood models.")
                return
            model = mood_model_train(seed=options["seed"], suggest=not options["no_suggest"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(_report(model))


def _report(model: MoodModel) -> str:
    pending = model.suggestions.filter(status="pending").count()
    width = max(len(label) for label in model.labels)
    lines = [
        f"Mood model #{model.pk} ({model.uuid}) trained on {model.n_train} tracks in "
        f"{model.metrics.get('train_seconds', 0):.1f} s.",
        f"Held-out accuracy: {model.held_out_accuracy:.1%} on {model.n_test} tracks.",
        "Confusion matrix (rows: editors' mood, columns: predicted):",
        " " * (width + 2) + " ".join(f"{label[:6]:>6}" for label in model.labels),
    ]
    for label, row in zip(model.labels, model.confusion_matrix, strict=True):
        lines.append(f"  {label:<{width}}" + " ".join(f"{count:>6}" for count in row))
    lines.append(f"Pending mood suggestions from this model: {pending}.")
    return "\n".join(lines)
