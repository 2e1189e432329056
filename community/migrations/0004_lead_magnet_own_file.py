"""The lead magnet holds its own zip (in the private storage) instead of pointing at a monetization sample pack:
community may not depend on monetization (docs/ARCHITECTURE.md). An existing lead magnet keeps its headline and
has no file until an editor uploads the zip; until then no free download is offered."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("community", "0003_roles_sync")]

    operations = [
        migrations.RemoveField(model_name="leadmagnet", name="pack"),
        migrations.AddField(
            model_name="leadmagnet",
            name="archive_path",
            field=models.CharField(blank=True, editable=False, help_text="In private storage.", max_length=400),
        ),
        migrations.AddField(
            model_name="leadmagnet",
            name="archive_name",
            field=models.CharField(
                blank=True, editable=False, help_text="The file name subscribers download.", max_length=200
            ),
        ),
        migrations.AddField(
            model_name="leadmagnet",
            name="archive_size_bytes",
            field=models.BigIntegerField(default=0, editable=False),
        ),
    ]
