"""Signals other apps listen to."""
from django.dispatch import Signal

# Sent inside the transaction that registered debts in bulk (bulk_create sends no post_save);
# kwargs: debt_ids. The archive opens their case files with it.
debts_registered = Signal()

# Sent inside the demo seed's transaction once the demo's units exist (workflows.demo);
# kwargs: units (code → OrgUnit). Higher apps add their own demo settings (letterheads …).
demo_seeded = Signal()

# Sent by workflows.demo.seed after the demo debts exist (users: username → User,
# password: the demo password, pdf: title → bytes of a demo PDF); higher apps
# add their part of the demo (chains waiting at each step, ...) through their own services.
demo_debts_seeded = Signal()
