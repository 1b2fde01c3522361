"""How core's own records plug into core.visibility: the change log is for those who oversee it."""

from . import visibility
from .models import ChangeLogEntry
from .visibility import AUDITOR, roles

# Directors and admins see everything; auditors verify the whole history; nobody changes it.
visibility.register(ChangeLogEntry, view=roles(AUDITOR), change=visibility.nobody)
