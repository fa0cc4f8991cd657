"""REST API for the archive: list, upload and download. Uploads and downloads go through the
same services and views as the pages (scoping, auditor refusal, content checks, access log)."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from workflows.rest import MayViewDebts, form_errors
from workflows.scoping import debts_for, get_debt_for

from . import services
from .forms import UploadForm
from .models import Document
from .views import DocumentDownload


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
        return Document.objects.filter(case_file__debt__in=debts_for(self.request.user)).select_related(
            "case_file", "uploaded_by").order_by("-uploaded_at", "-pk")

    @extend_schema(request={"multipart/form-data": UploadInput}, responses={201: DocumentSerializer})
    def create(self, request):
        """Upload one file to a debt's case file (a correction names the version it supersedes)."""
        if services.is_auditor(request.user):
            raise PermissionDenied(_("审计人员只能查阅档案，不能修改"))
        if not services.may_upload(request.user):
            raise PermissionDenied(_("没有上传档案文件的权限"))
        incoming = UploadInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        debt = get_debt_for(request.user, pk=incoming.validated_data["debt"])
        form = UploadForm(request.data, request.FILES, current=services.current_documents(debt))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        try:
            doc = services.attach(debt, form.cleaned_data["doc_type"], form.cleaned_data["file"], request.user,
                                  title=form.cleaned_data["title"], request=request._request,
                                  supersedes=form.cleaned_data["supersedes"])
        except services.UploadRefused as exc:
            raise ValidationError({"file": [_("文件：%(msg)s") % {"msg": exc.message}]}) from None
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file itself; the archive's download view checks access and logs it."""
        return DocumentDownload.as_view()(request._request, pk=int(pk))


routes = [("documents", DocumentViewSet, "api-document")]
