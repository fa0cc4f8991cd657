"""Approvals' section of the case-file export (rule R7.15): every decision on the debt with its
signature — who, when, the decision, the reason, and what the signature covered (the document
versions and their hashes) — as approvals.csv and the `approvals` list of manifest.json, both
under the export's SHA256SUMS. Registered in ApprovalsConfig.ready(); the archive, a lower layer,
never imports approvals."""
from documents.export import ManifestSection
from workflows.exports import local_iso
from workflows.models import Debt

from .models import Decision
from .signatures import verify

FIELDS = ("decision_id", "process_id", "chain", "chain_label", "step", "step_title", "decision", "decision_label",
          "by", "by_name", "on_behalf_of", "at", "reason", "signed", "signer", "signed_at", "signature_sha256",
          "signature_verifies", "covered_documents")


def _user(user):
    return user.get_username() if user else ""


def decision_rows(debt: Debt) -> list[dict]:
    rows = []
    decisions = (Decision.objects.filter(debt=debt).select_related("debt", "by", "on_behalf_of", "signature__signer")
                 .order_by("at", "pk"))
    for d in decisions:
        signature = getattr(d, "signature", None)
        rows.append({
            "decision_id": d.pk, "process_id": d.process_id, "chain": d.chain,
            "chain_label": str(d.get_chain_display()),
            "step": d.step, "step_title": d.step_title, "decision": d.decision,
            "decision_label": str(d.get_decision_display()), "by": _user(d.by),
            "by_name": d.by.get_full_name() if d.by else "", "on_behalf_of": _user(d.on_behalf_of),
            "at": local_iso(d.at), "reason": d.comment, "signed": signature is not None,
            "signer": _user(signature.signer) if signature else "",
            "signed_at": local_iso(signature.signed_at) if signature else None,
            "signature_sha256": signature.sha256 if signature else "",
            "signature_verifies": verify(signature) if signature else None,
            "covered_documents": list(signature.documents) if signature else [],
        })
    return rows


SECTION = ManifestSection(name="approvals", fields=FIELDS, rows=decision_rows)
