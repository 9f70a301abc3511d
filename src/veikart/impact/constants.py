from veikart.core.constants import Role

# Who sees the impact page and its reports: the programme lead, the executive and administrators.
# Unit managers and employees do not: the evaluation is organisation-wide.
IMPACT_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD, Role.EXECUTIVE})
# Who may run a new evaluation from the page (the executive reads the stored one).
EVALUATE_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_LEAD})
