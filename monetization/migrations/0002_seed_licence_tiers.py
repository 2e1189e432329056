"""The four track licence tiers and the sample-pack licence, with plain-language terms (version 1): see
monetization/default_tiers.py, which also runs after every migrate and flush while no tier exists.

Finance and Editors edit prices and terms in the cockpit afterwards; every text change publishes a new
terms version, and licences keep the version they were sold under.
"""

from django.db import migrations

from lofi_site.roles import roles_sync
from monetization.default_tiers import default_tiers_ensure


class Migration(migrations.Migration):
    dependencies = [
        ("monetization", "0001_initial"),
        ("operations", "0002_audit"),
    ]

    operations = [
        migrations.RunPython(default_tiers_ensure, migrations.RunPython.noop),
        migrations.RunPython(roles_sync, migrations.RunPython.noop),
    ]
