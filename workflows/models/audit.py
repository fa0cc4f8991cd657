"""The heads of the tamper-evident hash chains (workflows.audit): one row per chain, its last
link. Written only by the chains' SECURITY DEFINER triggers; the application role reads it."""
from django.db import models


class AuditHead(models.Model):
    chain = models.CharField(max_length=63)  # the chained table
    key = models.BigIntegerField()  # the debt (the signer for signatures)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    # Only the chains' triggers (running as the owner) write here (workflows.db_roles).
    app_role_revoke = ("INSERT", "UPDATE", "DELETE")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "key"], name="audit_head_one_per_chain")]

    def __str__(self):
        return f"{self.chain}#{self.key}@{self.seq}"
