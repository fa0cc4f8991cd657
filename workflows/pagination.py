"""Paging for list pages: an out-of-range page number shows the nearest page, and page links
keep the other query parameters (filters, search)."""
from django.core.paginator import Paginator

PAGE_SIZE = 25


def page_of(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
