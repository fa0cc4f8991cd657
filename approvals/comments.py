"""评论 (rule R4.120): a participant's remark on a running chain, recorded and told to the other
participants. A comment is not a decision: it writes no Decision, touches no task, takes no
flow lock, and four eyes (four_eyes.py reads Decision only) never sees it."""
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import User

from .exceptions import DecisionError
from .models import ChainComment, ChainProcess, NotificationKind
from .notifications import notify_many
from .participants import participants, takes_part

MAX_LENGTH = 2000


def chain_comment(*, process: ChainProcess, user: User, text: str) -> ChainComment:
    """Record `user`'s comment on `process` and notify the other participants (one read, one
    bulk insert). Raises DecisionError (nothing saved); the caller has loaded the process
    through access.get_process_to_comment, so a non-participant never gets here."""
    text = (text or "").strip()
    if not text:
        raise DecisionError(_("评论内容：必须填写"), "text")
    if len(text) > MAX_LENGTH:
        raise DecisionError(_("评论内容：不能超过 %(n)s 个字") % {"n": MAX_LENGTH}, "text")
    if not process.active:
        raise DecisionError(_("审批链已结束（%(outcome)s），不能再评论") % {"outcome": process.get_outcome_display()})
    if not takes_part(user, process):
        raise DecisionError(_("只有审批链的参与人可以评论"))
    with transaction.atomic():
        comment = ChainComment.objects.create(process=process, debt_id=process.debt_id, by=user,
                                              at=timezone.now(), text=text)
        message = _("%(user)s 评论了 %(chain)s %(code)s（流程 #%(pk)s）：%(text)s") % {
            "user": user, "chain": process.get_chain_display(), "code": process.debt.code, "pk": process.pk,
            "text": text}
        notify_many(participants(process).exclude(pk=user.pk).order_by("pk"), NotificationKind.COMMENT, message,
                    reverse("approvals:process", args=[process.pk]))
    return comment
