"""Releases get a public slug (/releases/<slug>/); tracks can be licensed before their release is out."""

from django.db import migrations, models
from django.utils.text import slugify


def fill_release_slugs(apps, schema_editor):
    Release = apps.get_model("catalog", "Release")
    used: set[str] = set()
    for release in Release.objects.select_related("artist").order_by("pk"):
        base = slugify(release.title)[:200] or "release"
        candidates = [base, f"{slugify(release.artist.name)[:100]}-{base}"]
        candidates += [f"{candidates[1]}-{n}" for n in range(2, 10000)]
        release.slug = next(c for c in candidates if c not in used)
        used.add(release.slug)
        release.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_bpm_message")]

    operations = [
        migrations.AddField(
            model_name="track",
            name="licensable_before_release",
            field=models.BooleanField(
                default=False,
                help_text="Show and sell this track on the storefront, the API and the radio before its release is "
                "out. Its ISRC stays hidden until then.",
                verbose_name="available for licensing before release",
            ),
        ),
        migrations.AddField(
            model_name="release",
            name="slug",
            field=models.SlugField(max_length=220, blank=True, default="", db_index=False),
            preserve_default=False,
        ),
        migrations.RunPython(fill_release_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="release",
            name="slug",
            field=models.SlugField(
                blank=True,
                help_text="The public page's address, /releases/<slug>/; made from the title when left empty.",
                max_length=220,
                unique=True,
            ),
        ),
    ]
