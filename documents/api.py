"""REST API for the archive: list, upload and download. Uploads and downloads go through the
same services and views as the pages (scoping, auditor refusal, content checks, access log)."""
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from workflows.rest import MayViewDebts, form_errors

from . import access, services
from .exceptions import UploadRefused
from .forms import UploadForm
from .models import Document
from .permissions import Act, require
from .views import DocumentDownload


@contextmanager
def _refusals_as_api_errors():
    """The access helpers raise Django's PermissionDenied with a message for the user; DRF
    would answer it with its generic English text, so hand the message over."""
    try:
        yield
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from None


class DocumentSerializer(serializers.ModelSerializer):
    debt = serializers.IntegerField(source="case_file.debt_id", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, default=None)

    class Meta:
        model = Document
        fields = ["id", "debt", "doc_type", "title", "original_name", "mime_type", "size", "sha256", "version",
                  "supersedes", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class UploadInput(serializers.Serializer):
    debt = serializers.IntegerField()
    doc_type = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    file = serializers.FileField()
    supersedes = serializers.IntegerField(required=False, allow_null=True)


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DocumentSerializer
    lookup_value_regex = r"[0-9]+"  # anything else is 404 at the URL, not a 500 in the query
    permission_classes = [MayViewDebts]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    filterset_fields = {"case_file__debt": ["exact"], "doc_type": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return access.documents_in_scope(self.request.user).select_related(
            "case_file", "uploaded_by").order_by("-uploaded_at", "-pk")

    def get_object(self):
        with _refusals_as_api_errors():
            document = access.get_document_for(self.request.user, self.kwargs["pk"], for_=Act.READ)
        self.check_object_permissions(self.request, document)
        return document

    @extend_schema(request={"multipart/form-data": UploadInput}, responses={201: DocumentSerializer})
    def create(self, request):
        """Upload one file to a debt's case file (a correction names the version it supersedes)."""
        with _refusals_as_api_errors():
            require(request.user, Act.UPLOAD)  # before the input is read
            incoming = UploadInput(data=request.data)
            incoming.is_valid(raise_exception=True)
            debt = access.get_case_file_for(request.user, incoming.validated_data["debt"], for_=Act.UPLOAD).debt
        form = UploadForm(request.data, request.FILES, current=services.current_documents(debt))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        try:
            doc = services.attach(debt, form.cleaned_data["doc_type"], form.cleaned_data["file"], request.user,
                                  title=form.cleaned_data["title"], request=request._request,
                                  supersedes=form.cleaned_data["supersedes"])
        except UploadRefused as exc:
            raise ValidationError({"file": [_("文件：%(msg)s") % {"msg": exc.message}]}) from None
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file itself; the archive's download view checks access and logs it."""
        return DocumentDownload.as_view()(request._request, pk=int(pk))


routes = [("documents", DocumentViewSet, "api-document")]
