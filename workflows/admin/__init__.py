"""Django admin of the workflows app, one module per concept; Django's autodiscovery imports this
package, which registers them all."""
from workflows.admin import clock, debts, holidays, imports, plans  # noqa: F401
