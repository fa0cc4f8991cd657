"""A minimal vanilla django-viewflow app with the shape of our write-off chain C (three human
steps, then a function node that writes the debt off), the yardstick of bench/approval_steps.py.
It uses only viewflow, django-fsm-2 and PostgreSQL (settings: bench.vanilla.settings); nothing of
the product is imported."""
