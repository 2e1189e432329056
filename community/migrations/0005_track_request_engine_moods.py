"""Track requests use the engine's mood vocabulary (the one list of the whole product)."""

from django.db import migrations, models

RENAMED = {"melancholic": "melancholy", "focused": "focus", "upbeat": "happy"}


def to_engine_moods(apps, schema_editor):
    TrackRequest = apps.get_model("community", "TrackRequest")
    for old, new in RENAMED.items():
        TrackRequest.objects.filter(mood=old).update(mood=new)


def to_earlier_moods(apps, schema_editor):
    TrackRequest = apps.get_model("community", "TrackRequest")
    for old, new in RENAMED.items():
        TrackRequest.objects.filter(mood=new).update(mood=old)
    TrackRequest.objects.filter(mood="nostalgic").update(mood="dreamy")


class Migration(migrations.Migration):
    dependencies = [("community", "0004_lead_magnet_own_file")]

    operations = [
        migrations.RunPython(to_engine_moods, to_earlier_moods),
        migrations.AlterField(
            model_name="trackrequest",
            name="mood",
            field=models.CharField(
                choices=[
                    ("chill", "Chill"),
                    ("cozy", "Cozy"),
                    ("melancholy", "Melancholy"),
                    ("dreamy", "Dreamy"),
                    ("focus", "Focus"),
                    ("happy", "Happy"),
                    ("sleepy", "Sleepy"),
                    ("nostalgic", "Nostalgic"),
                ],
                max_length=12,
            ),
        ),
    ]
