import django_filters

from catalog.models import PITCH_CLASSES, Release, Track


class TrackFilter(django_filters.FilterSet):
    mood = django_filters.CharFilter(field_name="moods__slug", label="Mood slug")
    style = django_filters.CharFilter(field_name="style__slug", label="Style slug")
    artist = django_filters.CharFilter(field_name="artist__slug", label="Artist slug")
    key = django_filters.ChoiceFilter(choices=[(pc, pc) for pc in PITCH_CLASSES])
    mode = django_filters.ChoiceFilter(choices=Track.Mode.choices)
    bpm_min = django_filters.NumberFilter(field_name="bpm", lookup_expr="gte", label="BPM at least")
    bpm_max = django_filters.NumberFilter(field_name="bpm", lookup_expr="lte", label="BPM at most")
    status = django_filters.ChoiceFilter(choices=Track.Status.choices)

    class Meta:
        model = Track
        fields = ["mood", "style", "artist", "key", "mode", "bpm_min", "bpm_max", "status"]


class ReleaseFilter(django_filters.FilterSet):
    artist = django_filters.CharFilter(field_name="artist__slug")
    kind = django_filters.ChoiceFilter(choices=Release.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Release.Status.choices)
    released_after = django_filters.DateFilter(field_name="release_date", lookup_expr="gte")

    class Meta:
        model = Release
        fields = ["artist", "kind", "status", "released_after"]
