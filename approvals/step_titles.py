"""Step titles are stored in the product's own language and shown in the reader's.

A task's title is written once, when the task is made, by whoever's request made it: stored in
that request's language, a 总经理 reading Chinese found "General manager signs the litigation
list" in his inbox after an English-speaking approver had decided the step before. So the
stored title is always the catalogue's msgid (zh-hans, whatever LANGUAGE_CODE says), and the pages
translate it when they show it: a plain title is a msgid; the composed ones (加签：〈step〉, rule
R4.159; 〈step〉（会签：〈member〉）, rule R4.153) are taken apart and each part translated.
"""
import re
from contextlib import contextmanager

from django.utils import translation
from django.utils.translation import gettext as _

# Fixed, not settings.LANGUAGE_CODE: a site run in English by default still stores the msgids,
# which the patterns below and the catalogue read.
STORED = "zh-hans"
_JOINT = re.compile(r"^(?P<step>.+)（(?P<kind>会签|或签)：(?P<member>.+)）$")
_ADDED = re.compile(r"^加签：(?P<step>.+)$")


@contextmanager
def stored_language():
    """Titles and stored texts made inside are in the product's language (the msgids)."""
    with translation.override(STORED):
        yield


def composed(stored: str) -> bool:
    """A title made of parts (an added signer's, a 会签 member's), not a step's own."""
    return bool(stored) and bool(_JOINT.match(stored) or _ADDED.match(stored))


def shown(stored: str) -> str:
    """`stored` (a title in the product's language) in the active language."""
    if not stored:
        return stored
    found = _JOINT.match(stored)
    if found:
        return _("%(step)s（%(kind)s：%(member)s）") % {
            "step": _(found["step"]), "kind": _(found["kind"]), "member": _(found["member"])}
    found = _ADDED.match(stored)
    if found:
        return _("加签：%(step)s") % {"step": _(found["step"])}
    return _(stored)
