"""Finance may now open the analytics page (community.view_videostatssnapshot), where it also sees revenue per
source: give the groups their permissions again."""

from django.db import migrations

from lofi_site.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("community", "0002_social_post_template_and_schedules")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
