"""Helpers for driving approval chains over HTTP in tests."""
import re
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from viewflow.workflow.status import STATUS

from approvals import inbox
from approvals.models import ChainProcess
from tests import factories as f
from tests.factories import user as make_user  # noqa: F401
from workflows import lifecycle
from workflows.models import State

PASSWORD = "pw-Qingqian-2026"


def pdf_bytes(name="evidence.pdf") -> bytes:
    """A one-page PDF that a viewer renders (the page previews show it), naming `name` on the
    page so that each file differs."""
    text = name.encode("ascii", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 24 Tf 72 760 Td (Evidence: " + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(name), content_type="application/pdf")


def overdue_debt(org, people, amount="1000.00", due=date(2020, 1, 31), **debtor_flags):
    debtor = f.debtor(**debtor_flags) if debtor_flags else None
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount=amount, due=due, debtor_obj=debtor)
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    debt.refresh_from_db()
    return debt


def text(response):
    """A page's HTML with whitespace runs folded, for assertions on what it says."""
    return re.sub(r"\s+", " ", response.content.decode())


def api(user):
    """A REST client authenticated with `user`'s token."""
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return c


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def files(*doc_types):
    data = {}
    for i, doc_type in enumerate(doc_types, start=1):
        data[f"doc_type_{i}"] = doc_type
        data[f"file_{i}"] = pdf(f"{doc_type}.pdf")
    return data


def start(user, chain, debt, **data):
    c = client_for(user)
    first = c.get(reverse("approvals:start", args=[chain, debt.pk]))
    assert first.status_code == 302, first.status_code
    response = c.post(first["Location"], data)
    process = ChainProcess.objects.filter(debt=debt, chain=chain).order_by("-pk").first()
    return response, process


def open_task(process, step):
    return process.task_set.filter(flow_task=getattr(type(process.flow_class.instance), step)
                                   if False else process.flow_class.instance.node(step),
                                   status__in=[STATUS.NEW, STATUS.ASSIGNED]).first()


def claim(user, task):
    return client_for(user).post(inbox.task_url(task))


def act(user, process, step, decision="approve", comment="", password=None, **extra):
    """Claim (if needed) and decide one step as `user`; returns the decision response."""
    task = open_task(process, step)
    assert task is not None, f"no open task {step}"
    c = client_for(user)
    if task.owner_id is None:
        r = c.post(inbox.task_url(task))
        if r.status_code != 302:
            return r
        task.refresh_from_db()
    data = {"decision": decision, "comment": comment, **extra}
    if password is not None:
        data["password"] = password
        data.setdefault("covers", shown_covers(c, task))
    return c.post(inbox.execute_url(task), data)


def shown_covers(c, task):
    """The versions the decision page shows next to the password field (its hidden token)."""
    page = c.get(inbox.execute_url(task))
    found = re.search(r'name="covers" value="([0-9,]*)"', page.content.decode())
    return found.group(1) if found else ""


def reload(process):
    return ChainProcess.objects.get(pk=process.pk)


Decimal = Decimal
