"""Search over the archive for auditors: filters on debtor, contract, debt code, document type
and upload date, plus free text over titles and metadata.

On PostgreSQL the free text is a full-text query (prefix match on each word, ranked). The
default parser keeps a run of Chinese characters as one token, so each word may also match
as a substring; SQLite has only the substring match.
"""
import re
from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from workflows.models import Debt, User
from workflows.scoping import scope_debts

from .models import Document

TEXT_FIELDS = ["title", "original_name", "doc_type", "case_file__debt__code", "case_file__debt__debtor__name",
               "case_file__debt__debtor__credit_code", "case_file__debt__contract__number",
               "uploaded_by__username", "uploaded_by__last_name", "uploaded_by__first_name"]
_WORD = re.compile(r"[\w\-.]+", re.UNICODE)


def _terms(text):
    return [t for t in _WORD.findall(text or "") if t][:10]


def _substring(term):
    q = Q()
    for field in TEXT_FIELDS:
        q |= Q(**{f"{field}__icontains": term})
    return q


def search_documents(user: User, *, debtor: str = "", contract: str = "", debt_code: str = "", doc_type: str = "",
                     date_from: date | None = None, date_to: date | None = None, text: str = "",
                     current_only: bool = False) -> QuerySet[Document]:
    debts = scope_debts(Debt.objects.all(), user)
    qs = (Document.objects.filter(case_file__debt__in=debts)
          .select_related("case_file__debt__debtor", "case_file__debt__contract", "uploaded_by"))
    if debtor:
        qs = qs.filter(Q(case_file__debt__debtor__name__icontains=debtor)
                       | Q(case_file__debt__debtor__credit_code__iexact=debtor))
    if contract:
        qs = qs.filter(case_file__debt__contract__number__icontains=contract)
    if debt_code:
        qs = qs.filter(case_file__debt__code__icontains=debt_code)
    if doc_type:
        qs = qs.filter(doc_type=doc_type)
    if date_from:
        qs = qs.filter(uploaded_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(uploaded_at__date__lte=date_to)
    if current_only:
        qs = qs.filter(superseded_by__isnull=True)
    terms = _terms(text)
    if terms and connection.vendor == "postgresql":
        return _full_text(qs, terms)
    for term in terms:
        qs = qs.filter(_substring(term))
    return qs.order_by("-uploaded_at", "-pk")


def _full_text(qs, terms):
    vector = SearchVector(*TEXT_FIELDS, config="simple")
    # to_tsquery syntax from user words: keep letters/digits only, each as a prefix match.
    words = [re.sub(r"[^\w]", "", t) for t in terms]
    words = [w for w in words if w]
    query = None
    for word in words:
        part = SearchQuery(f"{word}:*", search_type="raw", config="simple")
        query = part if query is None else query & part
    qs = qs.annotate(search=vector)
    if query is not None:
        qs = qs.annotate(rank=SearchRank(vector, query))
    condition = Q()
    for term, word in zip(terms, words + [""] * len(terms), strict=False):
        word_q = _substring(term)
        if word:
            word_q |= Q(search=SearchQuery(f"{word}:*", search_type="raw", config="simple"))
        condition &= word_q
    qs = qs.filter(condition)
    order = ["-rank", "-uploaded_at", "-pk"] if query is not None else ["-uploaded_at", "-pk"]
    return qs.order_by(*order)
