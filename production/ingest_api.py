"""REST upload of audio files (several per request) and the record of past uploads. Staff only.

POST /api/v1/uploads/ (multipart: one or more `files`, optional `artist` name) imports each file on its own
(production.services.ingest) and answers with one result per file, in order: the new track's UUID, or
the reason the file was refused. 201 when at least one file went in, 400 when none did.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from production.models import IngestUpload
from production.services.ingest import uploads_ingest


class IngestPermissions(permissions.DjangoModelPermissions):
    """Reading the upload log needs view permission too (the default lets any staff member read)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class IngestUploadSerializer(serializers.ModelSerializer):
    track = serializers.UUIDField(source="track.uuid", read_only=True)
    title = serializers.CharField(source="track.title", read_only=True)
    duplicate_verdict = serializers.CharField(source="track.duplicate_verdict", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, default=None)

    class Meta:
        model = IngestUpload
        fields = [
            "uuid",
            "track",
            "title",
            "original_filename",
            "format",
            "size_bytes",
            "sha256",
            "channel",
            "duplicate_verdict",
            "uploaded_by",
            "created_at",
        ]


class UploadRequestSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        allow_empty=False,
        help_text="One or more audio files: WAV, FLAC, AIFF, MP3 or OGG.",
    )
    artist = serializers.CharField(
        required=False, allow_blank=True, max_length=120, help_text="Artist name for every file (created when new)."
    )


class UploadResultSerializer(serializers.Serializer):
    file = serializers.CharField(help_text="The file name as sent.")
    track = serializers.UUIDField(allow_null=True, help_text="The new draft track; null when refused.")
    error = serializers.CharField(allow_null=True, help_text="Why the file was refused; null when imported.")


class UploadResponseSerializer(serializers.Serializer):
    results = UploadResultSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="List uploads", description="Audio files uploaded so far, newest first. Staff only."),
    retrieve=extend_schema(summary="One upload", description="An upload by UUID, with the draft track it became."),
)
class IngestUploadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = IngestUploadSerializer
    permission_classes = [permissions.IsAuthenticated, IngestPermissions]
    queryset = IngestUpload.objects.select_related("track", "uploaded_by")
    lookup_field = "uuid"
    parser_classes = [MultiPartParser, FormParser]
    search_fields = ["original_filename", "track__title", "sha256"]
    ordering_fields = ["created_at", "size_bytes"]

    @extend_schema(
        summary="Upload audio files",
        description="Send one or more audio files (WAV, FLAC, AIFF, MP3 or OGG) as multipart `files`. Each is "
        "imported on its own as a draft track; the answer lists, in order, the new track's UUID or why the file "
        "was refused. 201 when at least one file went in, 400 when none did. Needs a staff token.",
        request={"multipart/form-data": UploadRequestSerializer},
        responses={201: UploadResponseSerializer, 400: UploadResponseSerializer},
    )
    def create(self, request, *args, **kwargs):
        files = request.FILES.getlist("files")
        request_data = UploadRequestSerializer(data={"files": files, "artist": request.data.get("artist", "")})
        request_data.is_valid(raise_exception=True)
        results = uploads_ingest(
            uploads=files,
            channel=IngestUpload.Channel.API,
            artist_name=request_data.validated_data.get("artist", ""),
            uploaded_by=request.user,
        )
        body = {
            "results": [{"file": r.file, "track": r.track.uuid if r.track else None, "error": r.error} for r in results]
        }
        imported = any(r.track is not None for r in results)
        return Response(
            UploadResponseSerializer(body).data,
            status=status.HTTP_201_CREATED if imported else status.HTTP_400_BAD_REQUEST,
        )
