"""The label's standard operating procedures (checklist templates) and the django-q2 schedule of the weekly
checklists: the standing data operations needs to work.

`procedures_ensure` creates what is missing and never changes what exists: templates by slug (an editor's later
edits in the cockpit are kept), the schedule by function name. It runs from migration 0004 and after every
`migrate` and `flush` (post_migrate, see operations/apps.py), so a flushed database (transactional tests, an
operator's reset) gets its procedures back and releases can still be created and checked.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.utils import timezone

EDITOR, VA = "Editor", "VA"

# (title, help text, required, role[, applies_when]): a step with applies_when is copied only onto objects attached
# with that tag (checklist_attach(tags=...)), e.g. the manual upload's steps per target platform.
DDEX_STEPS = [
    (
        "Deliver the DDEX package to the distributor",
        "Upload the release's DDEX package (the ERN XML with its audio and cover, exactly as built) to the "
        "distributor's delivery point named on the account (SFTP or upload portal). Never edit the XML by hand.",
        True,
        VA,
        "ddex_distributor",
    ),
    (
        "Paste the distributor's release link into the publication",
        "When the distributor confirms ingestion, paste its release or tracking link into the release's DDEX "
        "distributor publication and save.",
        True,
        VA,
        "ddex_distributor",
    ),
]
TEMPLATES = {
    "release-qa": {
        "name": "Release QA",
        "applies_to": "release",
        "description": "Checks every release passes before it may be scheduled. Required steps block scheduling.",
        "items": [
            (
                "Listen through the master for artefacts",
                "Full length on closed headphones at normal volume. Listen for clicks, pops, digital clipping, "
                "dropouts, abrupt or clipped endings, loops that repeat audibly and silence at the start longer "
                "than 1 s. Note the track and timestamp of anything you hear.",
                True,
                VA,
            ),
            (
                "Check loudness and true peak",
                "Each track's QC report: integrated loudness within 1 LU of -14 LUFS and true peak at or below "
                "-1 dBTP. A failed QC badge on any track is a stop.",
                True,
                VA,
            ),
            (
                "Check title and metadata spelling",
                "Release title, track titles, artist name and credits: spelling, capitalisation (title case, no "
                "ALL CAPS), no emoji, no 'feat.' in the title field, same spelling as on the artwork.",
                True,
                VA,
            ),
            (
                "Check track order and durations",
                "Track order and lengths match the tracklist; a long mix's chapter timestamps match where each "
                "track really starts.",
                True,
                VA,
            ),
            (
                "Check artwork text legibility",
                "Open the cover at 3000x3000 and at thumbnail size (about 150 px): title and artist readable at "
                "both. No URLs, social handles, prices, store logos or third-party material (stores reject them).",
                True,
                VA,
            ),
            (
                "Check ISRC on every track and UPC on the release",
                "Every track carries an ISRC, the release a valid 12- or 13-digit UPC/EAN. Never reuse the code of "
                "another release.",
                True,
                VA,
            ),
            (
                "Check genre, P-line and C-line",
                "Genre is set; the P-line and C-line carry the year and the label name, e.g. '2026 Lantern LoFi'.",
                True,
                VA,
            ),
            (
                "Check the AI disclosure in the description",
                "The description says how the music was made (AI-generated or AI-assisted) where the release uses "
                "generated audio, and the platform's own AI/synthetic-content flag is set where it has one "
                "(YouTube 'altered or synthetic content', the distributor's AI question).",
                True,
                VA,
            ),
            (
                "Check the video",
                "For YouTube: audio in sync, no black frames at the start or end, artwork not cropped, chapters "
                "in the description. Skip with a note when the release has no video.",
                False,
                VA,
            ),
            (
                "Editor sign-off",
                "An editor has read the notes above and approves the release for scheduling.",
                True,
                EDITOR,
            ),
        ],
    },
    "manual-upload": {
        "name": "Manual upload",
        "applies_to": "release",
        "description": "Uploading a release by hand to the stores that have no API, and recording where it went.",
        "items": [
            (
                "Download the delivery package",
                "From the release's delivery package: WAV masters, the 3000x3000 cover and the metadata sheet. "
                "Upload exactly these files, never a re-export.",
                True,
                VA,
            ),
            (
                "Upload the package to the DistroKid web form",
                "Copy the metadata from the sheet field by field (titles, ISRCs, UPC, genre, P/C lines), answer "
                "the AI question as the sheet says and set the release date to the scheduled date.",
                True,
                VA,
                "distrokid",
            ),
            (
                "Paste the DistroKid URL into the publication",
                "Once DistroKid confirms, paste its release link into the release's DistroKid publication and save.",
                True,
                VA,
                "distrokid",
            ),
            (
                "Upload to Bandcamp",
                "New album or track with the same masters, cover, credits and release date; price and licence "
                "text as in the metadata sheet; tags: lofi plus the style and moods.",
                True,
                VA,
                "bandcamp",
            ),
            (
                "Paste the Bandcamp URL into the publication",
                "Paste the public Bandcamp page into the release's Bandcamp publication and save.",
                True,
                VA,
                "bandcamp",
            ),
            *DDEX_STEPS,
            (
                "Check the store links once live",
                "Stores take 2-5 days: when the release is live, open Spotify and Apple Music, check title, "
                "artwork and track order, and paste the links into the note.",
                False,
                VA,
            ),
        ],
    },
    "listen-and-approve": {
        "name": "Listen and approve",
        "applies_to": "batch",
        "description": "A render batch is listened to and judged before any of its tracks reaches the catalogue.",
        "items": [
            (
                "Listen to every track in the batch",
                "Each track to the end at normal volume. Note the tracks with artefacts, harsh highs, muddy lows, "
                "an obvious loop seam or a mood that misses the brief.",
                True,
                VA,
            ),
            (
                "Compare against the brief",
                "Tempo, key, mood and length match the brief; the batch does not sound like one track repeated.",
                True,
                VA,
            ),
            (
                "Review QC and duplicate flags",
                "Open the QC failures and any 'possible duplicate' verdicts from the fingerprint check; compare "
                "with the matched catalogue track before deciding.",
                True,
                VA,
            ),
            (
                "Archive the rejects with a reason",
                "Archive every track that fails and write the reason in this step's note, so the next brief can "
                "avoid it.",
                True,
                EDITOR,
            ),
            ("Approve the keepers", "Approve the remaining tracks; they become available for releases.", True, EDITOR),
        ],
    },
    "comment-triage": {
        "name": "Comment triage",
        "applies_to": "week",
        "description": "Once a week, the comment inbox is cleared. Due Friday 17:00.",
        "items": [
            (
                "Clear the triage queue",
                "Every new comment is marked: question, praise, request, complaint, spam. Hide spam and abuse.",
                True,
                VA,
            ),
            (
                "Reply to questions with approved templates",
                "Use the reply templates; anything not covered by a template goes to an editor, not a guess.",
                True,
                VA,
            ),
            (
                "Log track requests",
                "Turn concrete requests ('rainy 70 BPM jazz for studying') into track requests so they can become "
                "briefs.",
                True,
                VA,
            ),
            (
                "Escalate licensing and copyright messages the same day",
                "Licence questions, copyright claims, takedown threats and sync enquiries go to an editor at "
                "once, with a link to the comment.",
                True,
                VA,
            ),
            (
                "Note recurring feedback",
                "Themes that came up more than once this week (too quiet, loops too short, wanted moods) in this "
                "step's note, for the next batch briefs.",
                False,
                VA,
            ),
        ],
    },
}

SCHEDULES = (
    # (function, name, schedule type): daily, so a week is covered the first day a worker runs, even after downtime
    ("operations.tasks.weekly_checklists_ensure_task", "Weekly checklists (comment triage)", "D"),
    # Every minute (type "I", one minute): customer e-mails whose delivery request was lost or that failed.
    ("operations.tasks.outbox_sweep_task", "Customer mail outbox sweep", "I"),
)


def templates_ensure(templates: dict, apps=global_apps) -> None:
    """Create each template of `templates` (slug -> spec) that does not exist yet, with its steps."""
    ChecklistTemplate = apps.get_model("operations", "ChecklistTemplate")
    ChecklistTemplateItem = apps.get_model("operations", "ChecklistTemplateItem")
    for slug, spec in templates.items():
        template, created = ChecklistTemplate.objects.get_or_create(
            slug=slug,
            defaults={"name": spec["name"], "applies_to": spec["applies_to"], "description": spec["description"]},
        )
        if not created:
            continue
        # Migration 0004 runs this with the models as they were then, before steps had tags.
        tagged = any(field.name == "applies_when" for field in ChecklistTemplateItem._meta.get_fields())
        rows = []
        for position, (title, help_text, required, role, *tag) in enumerate(spec["items"], start=1):
            if tag and not tagged:
                continue  # a tagged step arrives with migration 0005
            extra = {"applies_when": tag[0] if tag else ""} if tagged else {}
            rows.append(
                ChecklistTemplateItem(
                    template=template,
                    position=position,
                    title=title,
                    help_text=help_text,
                    required=required,
                    role=role,
                    **extra,
                )
            )
        ChecklistTemplateItem.objects.bulk_create(rows)


def schedules_ensure(schedules, apps=global_apps) -> None:
    """Create each django-q2 schedule (function, name, type) whose function has none yet."""
    Schedule = apps.get_model("django_q", "Schedule")
    for func, name, schedule_type in schedules:
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(
                name=name, func=func, schedule_type=schedule_type, repeats=-1, next_run=timezone.now()
            )


def procedures_ensure(apps=global_apps, schema_editor=None) -> None:
    """Operations' templates and schedule exist (usable as a migration's RunPython function)."""
    templates_ensure(TEMPLATES, apps)
    schedules_ensure(SCHEDULES, apps)
