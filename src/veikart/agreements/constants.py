"""Who edits and who sees what of the working agreement."""

from __future__ import annotations

from veikart.core.constants import Role

# Roles that write and publish the organisation's agreement, and edit every unit's addition.
# A unit manager edits and publishes the additions of units in their own subtree.
EDITOR_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD})

# Roles that see the acknowledgement figures of the whole organisation (counts only, never who).
# A unit manager sees the figures of the units in their own subtree.
ACKNOWLEDGEMENT_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD, Role.EXECUTIVE})

# Lengths of a rule's fields: short enough to fit a table cell on a phone.
NEED_LENGTH = 300
TOOL_LENGTH = 300
EXAMPLE_LENGTH = 500
NOT_FOR_LENGTH = 300
