"""The staff roles and exactly which permissions each holds.

Patterns are matched (fnmatch) against "app_label.codename". A role gets every permission that matches one of
its patterns and nothing else: `roles_sync` sets the groups to exactly this. Finance data (the monetization
app: orders, licences, prices, the ledger) is never given to VAs, and only Editors may publish.

`roles_sync` runs after every `migrate` and `flush` (post_migrate, see lofi_site/apps.py), so new models'
permissions reach the groups and a flushed database (transactional tests) gets its groups back. Some data
migrations also call it, so the groups exist at that point of the migration history.
"""

from __future__ import annotations

from fnmatch import fnmatch

EDITOR = "Editor"
VA = "VA"
FINANCE = "Finance"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    EDITOR: [
        "catalog.*",
        "production.*",
        "distribution.*",
        "community.*",
        "listeners.*",  # listener accounts (no orders: those stay Finance's), playlists, feedback, A/B tests
        # Everything in operations except writing the audit trail, which only services do.
        "operations.*_checklist*",
        "operations.*_week",
        "operations.view_auditevent",
        # Editors set up what the storefront sells, but orders and money stay with Finance.
        "monetization.*_licencetier",
        "monetization.*_samplepack",
        "monetization.*_samplepackitem",
        "monetization.view_licenceterms",  # a tier's terms text is versioned: editing it adds a version
        "monetization.add_licenceterms",
        "radio.*",  # stations, their outputs and schedules; the play log and incidents
    ],
    VA: [
        "catalog.view_*",
        "catalog.change_track",  # metadata checks
        "production.view_*",
        "distribution.view_*",
        "distribution.change_publication",  # record a manual upload's URL
        # Community: triage comments, draft replies (approving them is an Editor's), triage track requests and
        # record social posts. Subscribers' addresses, campaigns and the lead magnet stay with Editors.
        "community.view_comment",
        "community.change_comment",
        "community.view_commenter",
        "community.view_commentsyncstate",
        "community.view_reply",
        "community.add_reply",
        "community.change_reply",
        "community.view_replytemplate",
        "community.view_trackrequest",
        "community.change_trackrequest",
        "community.view_socialpost",
        "community.change_socialpost",
        "community.view_videostatssnapshot",
        "listeners.view_feedback",  # moderate listeners' ratings and words, as they triage comments
        "listeners.change_feedback",
        "operations.view_*",  # templates (the SOPs), checklists, weeks, the audit trail of what they may see
        "operations.change_checklistitem",  # tick steps and write notes; never templates or assignments
        "radio.view_*",  # stations' state, the play log and incidents; never their settings or stream keys
    ],
    FINANCE: [
        "monetization.*",
        "catalog.view_*",
        "distribution.view_release*",
        "operations.view_auditevent",
        "operations.view_outboxmessage",  # customer e-mails (order confirmations, refund notices) and their state
        "community.view_videostatssnapshot",  # the analytics page, where Finance also sees revenue per source
    ],
}
# Never granted to a VA whatever the patterns above say: publishing, anything in the money app, customer e-mail.
VA_FORBIDDEN = ["catalog.publish_release", "distribution.publish_*", "monetization.*", "operations.*_outboxmessage"]


def permitted(role: str, perm: str) -> bool:
    if role == VA and any(fnmatch(perm, pattern) for pattern in VA_FORBIDDEN):
        return False
    return any(fnmatch(perm, pattern) for pattern in ROLE_PERMISSIONS[role])


def roles_sync(apps, schema_editor=None) -> None:
    """Create the groups and give each exactly its permissions. Safe to run again (data migrations do)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    # Permissions normally appear after all migrations (post_migrate); create them now so we can assign them.
    # A migration's historical app configs have no models module, which the two helpers require: lend one.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_contenttypes(app_config, apps=apps, verbosity=0)
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    all_perms = list(Permission.objects.select_related("content_type"))
    for role in ROLE_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([p for p in all_perms if permitted(role, f"{p.content_type.app_label}.{p.codename}")])
