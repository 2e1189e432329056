"""Cockpit screens for operations: checklist templates, checklists, "My work" and the audit trail.

Helpers for other apps' admins (they may import operations; operations never imports them):

    checklist_progress_html(obj) -> SafeString   every checklist attached to obj, with progress and open
                                                 required steps (put it in a ModelAdmin's readonly_fields)
    audit_link_html(obj) -> SafeString           a "History" link to obj's audit events
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from lofi_site.admin_actions import for_each_selected
from operations import outbox, selectors, services
from operations.audit_verbs import audit_verb_choices
from operations.models import (
    AuditEvent,
    Checklist,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    OutboxMessage,
    WorkItem,
)

COCKPIT_CSS = {"all": ["cockpit/cockpit.css"]}  # tone-ok/warn/bad colours shared with the dashboard


def admin_change_url(content_type: ContentType, object_id) -> str:
    """The cockpit change page of an object given by content type and id; "" when it has no admin screen."""
    try:
        return reverse(f"admin:{content_type.app_label}_{content_type.model}_change", args=[object_id])
    except NoReverseMatch:
        return ""


def progress_html(done: int, total: int) -> SafeString:
    # A native <progress> needs no stylesheet, so the bar also shows on other apps' pages.
    return format_html(
        '<progress max="{}" value="{}" title="{} of {} done"></progress> {}/{}',
        max(total, 1),
        done,
        done,
        total,
        done,
        total,
    )


def checklist_progress_html(obj: models.Model | None) -> SafeString:
    """Progress of every checklist attached to `obj`: done/total, assignee, due date and the open required
    steps, each checklist linking to its page where steps are ticked. Two queries."""
    if obj is None or obj.pk is None:
        return mark_safe("Checklists appear once this is saved.")
    now = timezone.now()
    rows = []
    for checklist in selectors.checklists_for(obj):
        items = list(checklist.items.all())
        rows.append(
            {
                "checklist": checklist,
                "url": reverse("admin:operations_checklist_change", args=[checklist.pk]),
                "progress": progress_html(sum(item.is_done for item in items), len(items)),
                "open_required": [item for item in items if item.required and not item.is_done],
                "overdue": (checklist.completed_at is None and checklist.due_at is not None and checklist.due_at < now),
            }
        )
    return render_to_string("operations/checklist_progress.html", {"rows": rows})


def audit_link_html(obj: models.Model | None) -> SafeString:
    """A link to `obj`'s history in the audit trail, with the number of events. One query."""
    if obj is None or obj.pk is None:
        return mark_safe("—")
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)  # as audit_log records it
    count = selectors.audit_events_for(obj).count()
    url = (
        reverse("admin:operations_auditevent_changelist")
        + "?"
        + urlencode({"content_type__id__exact": content_type.pk, "object_id__exact": obj.pk})
    )
    return format_html('<a href="{}">History</a> ({} event{})', url, count, pluralize(count))


def _due_html(due_at, done: bool) -> SafeString:
    if due_at is None:
        return mark_safe("—")
    text = timezone.localtime(due_at).strftime("%a %d %b %H:%M")
    if not done and due_at < timezone.now():
        return format_html('<strong class="tone-bad" title="Overdue">{} · overdue</strong>', text)
    return format_html("{}", text)


# --- Templates --------------------------------------------------------------------------------------------


class ChecklistTemplateItemInline(admin.TabularInline):
    model = ChecklistTemplateItem
    extra = 1
    ordering = ["position"]
    fields = ["position", "title", "help_text", "required", "role"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """The label's procedures. Edits apply to checklists attached from now on; running ones keep their
    steps."""

    list_display = ["name", "slug", "applies_to", "step_count", "checklist_count"]
    list_filter = ["applies_to"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ChecklistTemplateItemInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_steps=Count("items", distinct=True), _checklists=Count("checklists", distinct=True))
        )

    def get_readonly_fields(self, request, obj=None):
        # Code attaches by slug: renaming one would silently stop its checklists from being created.
        return ["slug"] if obj is not None else []

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else self.prepopulated_fields

    @admin.display(description="Steps", ordering="_steps")
    def step_count(self, obj: ChecklistTemplate):
        return obj._steps

    @admin.display(description="Checklists", ordering="_checklists")
    def checklist_count(self, obj: ChecklistTemplate):
        return obj._checklists


# --- Ticking steps: one form for the checklist page and for "My work" ---------------------------------------


class StepForm(forms.ModelForm):
    """A step's editable part. `done` is not a field: ticking goes through the services (who, when, audit)."""

    done = forms.BooleanField(required=False, label="Done")
    user = None  # the signed-in user, set per request by the admin

    class Meta:
        model = ChecklistItem
        fields = ["note", "assignee", "due_at"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("done", self.instance.is_done)

    def clean(self):
        cleaned = super().clean()
        ticking = "done" in self.changed_data and self.user is not None
        if ticking and not self.instance.may_be_ticked_by(self.user):
            self.add_error("done", f"This is a {self.instance.get_role_display()} step: ask an Editor.")
        return cleaned


def step_form_save(*, request, form: StepForm, item: ChecklistItem) -> ChecklistItem:
    """Apply a step form's changes through the services. Assignment only reaches here from Editors' forms."""
    data, changed = form.cleaned_data, set(form.changed_data)
    if changed & {"assignee", "due_at"}:
        item = services.checklist_assign(item=item, user=data.get("assignee"), due_at=data.get("due_at"))
    if "done" in changed and data["done"]:
        item = services.checklist_item_tick(item=item, user=request.user, note=data.get("note", ""))
    elif "done" in changed:
        item = services.checklist_item_untick(item=item, user=request.user)
    if "note" in changed and not ("done" in changed and data["done"]):
        item = services.checklist_item_note_set(item=item, note=data["note"])
    return item


def _may_assign(request) -> bool:
    return request.user.has_perm("operations.change_checklist")


class AssigneeChoicesMixin:
    """Assignees are picked from a plain list of active staff, not an autocomplete: the team is a handful of
    people, and the user autocomplete would need the auth permissions Editors do not hold."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Checklists ---------------------------------------------------------------------------------------------


class ChecklistItemInline(AssigneeChoicesMixin, admin.TabularInline):
    model = ChecklistItem
    form = StepForm
    extra = 0
    can_delete = False
    ordering = ["position"]
    fields = ["position", "step", "role", "required", "done", "note", "done_by", "done_at", "assignee", "due_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assignee", "done_by")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["position", "step", "role", "required", "done_by", "done_at"]
        return readonly if _may_assign(request) else [*readonly, "assignee", "due_at"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"user": request.user})
        assignee = formset.form.base_fields.get("assignee")
        if assignee is not None:
            # Read the staff list once; every row's field is a copy of this one and keeps the list.
            assignee.choices = list(assignee.choices)
        return formset

    def has_add_permission(self, request, obj=None):
        return False  # steps come from the template when the checklist is attached

    @admin.display(description="Step")
    def step(self, item: ChecklistItem):
        return format_html("<strong>{}</strong><div class='help'>{}</div>", item.title, item.help_text)


class CompletionFilter(admin.SimpleListFilter):
    title = "completion"
    parameter_name = "complete"

    def lookups(self, request, model_admin):
        return [("no", "Open"), ("yes", "Complete")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(completed_at__isnull=self.value() == "no")
        return queryset


@admin.register(Checklist)
class ChecklistAdmin(AssigneeChoicesMixin, admin.ModelAdmin):
    """Checklists are attached by the apps' services, never added here. VAs tick steps; Editors also
    assign."""

    list_display = ["title", "template", "object_link", "assignee", "due_display", "progress", "completed_at"]
    list_filter = [
        CompletionFilter,
        "template",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "object_id"]
    list_select_related = ["template", "assignee", "content_type"]
    date_hierarchy = "created_at"
    fields = ["title", "template", "object_link", "assignee", "due_at", "progress", "completed_at", "created_at"]
    inlines = [ChecklistItemInline]

    class Media:
        css = COCKPIT_CSS

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("template", "assignee", "content_type")
            .annotate(_done=Count("items", filter=Q(items__done_at__isnull=False)), _total=Count("items"))
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = ["title", "template", "object_link", "progress", "completed_at", "created_at"]
        return readonly if _may_assign(request) else [*readonly, "assignee", "due_at"]

    def has_add_permission(self, request):
        return False  # attached by services (checklist_attach) so each object gets one per template

    def has_change_permission(self, request, obj=None):
        # Ticking steps happens on this page, so a VA who may only change steps must still reach the form;
        # the checklist's own fields stay read-only for them (get_readonly_fields).
        return super().has_change_permission(request, obj) or request.user.has_perm("operations.change_checklistitem")

    @admin.display(description="For")
    def object_link(self, checklist: Checklist):
        url = admin_change_url(checklist.content_type, checklist.object_id)
        # The object's name as the checklist was titled after it ("Release QA: Window Seat Tapes"), not its id.
        _, _, name = checklist.title.partition(": ")
        label = f"{checklist.content_type.name.capitalize()} “{name}”" if name else str(checklist.target or "—")
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description="Due", ordering="due_at")
    def due_display(self, checklist: Checklist):
        return _due_html(checklist.due_at, checklist.completed_at is not None)

    @admin.display(description="Progress", ordering="_done")
    def progress(self, checklist: Checklist):
        if hasattr(checklist, "_done"):
            return progress_html(checklist._done, checklist._total)
        items = list(checklist.items.all())
        return progress_html(sum(item.is_done for item in items), len(items))

    def save_model(self, request, obj, form, change):
        if change and _may_assign(request) and {"assignee", "due_at"} & set(form.changed_data):
            services.checklist_assign(
                checklist=obj, user=form.cleaned_data["assignee"], due_at=form.cleaned_data["due_at"]
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is not ChecklistItem:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads these lists, which formset.save() would have filled.
        formset.new_objects, formset.deleted_objects, formset.changed_objects = [], [], []
        for step_form in formset.forms:
            if step_form.has_changed():
                step_form_save(request=request, form=step_form, item=step_form.instance)
                formset.changed_objects.append((step_form.instance, step_form.changed_data))
        return None


# --- My work ------------------------------------------------------------------------------------------------


class WorkStateFilter(admin.SimpleListFilter):
    """Open steps unless asked otherwise: the screen is a to-do list."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("done", "Done"), ("all", "All")]

    def value(self):
        return super().value() or "open"

    def choices(self, changelist):
        for lookup, label in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "display": label,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
            }

    def queryset(self, request, queryset):
        if self.value() == "open":
            return selectors.only_open(queryset)
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    """ "My work": the signed-in person's checklist steps across every object, soonest due first."""

    form = StepForm
    list_display = ["step", "for_object", "checklist_link", "role", "required", "due", "done_at"]
    list_display_links = ["step"]
    list_filter = [WorkStateFilter, "role", "required", "checklist__template"]
    search_fields = ["title", "checklist__title"]
    actions = ["tick"]
    fields = ["step", "for_object", "checklist_link", "role", "required", "due", "done", "note", "done_by", "done_at"]
    readonly_fields = ["step", "for_object", "checklist_link", "role", "required", "due", "done_by", "done_at"]

    class Media:
        css = COCKPIT_CSS

    def get_queryset(self, request):
        return selectors.work_items_for(request.user, items=WorkItem.objects.all())

    def get_ordering(self, request):
        return selectors.WORK_ORDERING

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "My work", **(extra_context or {})})

    # Permissions are ChecklistItem's: the proxy only gives the screen its own name.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("operations.view_checklistitem") or self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("operations.change_checklistitem")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Step", ordering="title")
    def step(self, item: ChecklistItem):
        return format_html('<span title="{}">{}</span>', item.help_text, item.title)

    @admin.display(description="For")
    def for_object(self, item: ChecklistItem):
        checklist = item.checklist
        # The object's own page when it has one (a release), else the checklist page (a week).
        url = admin_change_url(checklist.content_type, checklist.object_id) or reverse(
            "admin:operations_checklist_change", args=[checklist.pk]
        )
        return format_html('<a href="{}">{}</a>', url, checklist.title)

    @admin.display(description="Checklist", ordering="checklist__template__name")
    def checklist_link(self, item: ChecklistItem):
        url = reverse("admin:operations_checklist_change", args=[item.checklist_id])
        return format_html('<a href="{}">{}</a>', url, item.checklist.template.name)

    @admin.display(description="Due", ordering="effective_due")
    def due(self, item: ChecklistItem):
        # The list's queryset annotates the effective due date; a single object falls back to the property.
        due_at = item.effective_due if hasattr(item, "effective_due") else item.effective_due_at
        return _due_html(due_at, item.is_done)

    def save_model(self, request, obj, form, change):
        step_form_save(request=request, form=form, item=obj)

    @admin.action(description="Mark selected steps as done", permissions=["change"])
    def tick(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda item: services.checklist_item_tick(item=item, user=request.user),
            done="Marked {count} step(s) as done.",
        )


# --- Audit trail --------------------------------------------------------------------------------------------


class AuditVerbFilter(admin.SimpleListFilter):
    """The verbs the apps registered (operations.audit_verbs), by their labels; a verb found in the trail
    that no app registers any more (an old event) is still offered, by its value."""

    title = "what happened"
    parameter_name = "verb"

    def lookups(self, request, model_admin):
        known = dict(audit_verb_choices())
        stored = model_admin.get_queryset(request).order_by().values_list("verb", flat=True).distinct()
        return sorted([(verb, known.get(verb, verb)) for verb in {*stored}], key=lambda item: item[1].lower())

    def queryset(self, request, queryset):
        return queryset.filter(verb=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by services and never edited by hand.

    Everyone sees the history of what they may view, and nothing else (a VA sees no order or licence
    events). Filter one object's history with ?content_type__id__exact=<id>&object_id__exact=<pk>
    (audit_link_html builds that link).
    """

    list_display = ["created_at", "actor", "verb", "content_type", "object_link", "summary"]
    list_filter = [AuditVerbFilter, ("content_type", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["object_repr", "summary", "=object_id"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        visible = [
            content_type.pk
            for content_type in ContentType.objects.all()
            if request.user.has_perm(f"{content_type.app_label}.view_{content_type.model}")
        ]
        return queryset.filter(content_type__in=visible)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def changelist_view(self, request, extra_context=None):
        object_id = request.GET.get("object_id__exact") or request.GET.get("object_id")
        content_type_id = request.GET.get("content_type__id__exact")
        if object_id and content_type_id and content_type_id.isdigit():
            shown = (
                self.get_queryset(request)
                .filter(content_type_id=content_type_id, object_id=object_id)
                .values_list("object_repr", flat=True)
                .first()
            )
            if shown:
                extra_context = {"title": f"History of {shown}", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description="Object", ordering="object_repr")
    def object_link(self, event: AuditEvent):
        url = admin_change_url(event.content_type, event.object_id)
        return format_html('<a href="{}">{}</a>', url, event.object_repr) if url else event.object_repr

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutboxStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "Waiting to go out"), ("given_up", "Given up"), ("sent", "Sent")]

    def queryset(self, request, queryset):
        limit = outbox.max_attempts()
        return {
            "pending": queryset.filter(sent_at__isnull=True, attempts__lt=limit),
            "given_up": queryset.filter(sent_at__isnull=True, attempts__gte=limit),
            "sent": queryset.filter(sent_at__isnull=False),
        }.get(self.value(), queryset)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: customer e-mails recorded with the change that called for them, and whether they went out.
    "Waiting" rows are picked up by the worker or the every-minute sweep; "given up" ones need a look."""

    list_display = ["created_at", "description", "state", "attempts", "last_error_short"]
    list_filter = [OutboxStateFilter, "created_at"]
    search_fields = ["description", "task"]
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.display(description="state")
    def state(self, message: OutboxMessage) -> str:
        if message.sent_at:
            return f"sent {timezone.localtime(message.sent_at):%Y-%m-%d %H:%M}"
        return "given up" if message.attempts >= outbox.max_attempts() else "waiting"

    @admin.display(description="last error")
    def last_error_short(self, message: OutboxMessage) -> str:
        return message.last_error[:120]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Try sending the selected e-mails again now", permissions=["view"])
    def retry(self, request, queryset):
        for_each_selected(
            self,
            request,
            queryset,
            lambda message: outbox.outbox_retry(message=message),
            done="{count} e-mail(s) handed to the worker again.",
        )
