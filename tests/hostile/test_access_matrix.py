"""Every URL, as every persona: nobody gets a 500, the anonymous are sent to sign in, and each
persona gets the page or a refusal exactly as the access table below says.

The table is explicit on purpose: a new view that is not in it fails
:func:`test_every_url_is_in_the_access_table` with "add <name> to the access table", so nobody
adds a page without deciding who may open it. Each URL is requested with GET and (except the
admin site) with an empty POST, each request in a savepoint that is rolled back, so one persona's
POST does not change what the next one sees. Path parameters are filled with objects of the small
world in tests/hostile/conftest.py; a URL whose answer depends on *which* object (a unit manager's
own unit or another) is requested for both.

Outcomes: ``ok`` (2xx, or a redirect that is not to the sign-in page), ``denied`` (403 or 404),
``login`` (a redirect to the sign-in page, or 401 from the API), ``n/a`` (405: the method is not
offered; 400/422: the input is refused before access is decided — says nothing about access),
``error`` (5xx: always a failure).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.hostile.conftest import ROLES, World

# --- who may open what ----------------------------------------------------------------------

SIGNED_IN = frozenset(ROLES) - {"anonymous"}
NOBODY: frozenset[str] = frozenset()


def roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLES)
    assert not unknown, unknown
    return frozenset(names)


# The organisation-wide roles, as veikart.core.constants has them; Ola (unit manager) and Nils
# (employee) are the scoped ones, Per is a trainer and employee 1009.
ORG_WIDE = roles("per", "ida", "dina", "kari", "eva", "ada")
EMPLOYEES_LIST = roles("ida", "dina", "kari", "ada")  # EMPLOYEE_LIST_ROLES
IMPORTERS = roles("ida", "kari", "ada")  # IMPORT_ROLES
EMPLOYEES = roles("nils", "ola", "per", "kari")  # linked to an employee in the HR data

# Names anyone may open without signing in.
PUBLIC = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "health:live",
        "health:ready",
        "oidc:start",
        "oidc:callback",
        "oidc:signed-out",
        "api-v1:openapi-json",
        "api-v1:openapi-view",
        "api-v1:api-root",  # django-ninja's root: 404 for everyone
    }
)

STRUCTURE = ORG_WIDE | {"ola"}  # the unit tree and adoption: Ola for his own subtree
SYSTEMS_READERS = roles("ida", "kari", "eva", "ada")
PROGRAMME = roles("kari", "ada")  # also the roadmap's and the working agreement's editors
TRAINING_EDITORS = roles("per", "kari", "ada")
STATUS_REPORT = roles("kari", "eva", "ada")  # roadmaps REPORT_ROLES
# Acknowledgement counts: ACKNOWLEDGEMENT_ROLES, and Ola for his own subtree (never names).
ACKNOWLEDGEMENTS = roles("ola", "kari", "eva", "ada")
PRIVACY = roles("dina", "ada")  # the data-protection officer, and the administrator

Allowed = frozenset[str] | dict[str, frozenset[str]]

# URL name (with "@variant" for a second object) -> the personas that get "ok", for GET and POST
# alike or per method ({"GET": …, "POST": …}). Everyone else signed in must get "denied" (or
# "n/a"). NOBODY marks a URL every persona gets 404 for in this small world (no adoption figures
# and no evaluation are stored): only "the anonymous are sent to sign in" and "no 500" are checked.
ACCESS: dict[str, Allowed] = {
    "home": SIGNED_IN,
    "area": SIGNED_IN,
    # The organisation
    "organisations:tree": STRUCTURE,
    "organisations:unit": STRUCTURE,
    "organisations:unit@other": ORG_WIDE,
    "organisations:employees": EMPLOYEES_LIST | {"ola"},
    "organisations:employee": EMPLOYEES_LIST | {"ola"},
    "organisations:employee@other": EMPLOYEES_LIST | {"nils"},  # Nils himself
    "organisations:me": SIGNED_IN,
    "organisations:import": IMPORTERS,
    "organisations:import-apply": IMPORTERS,
    "organisations:import-template": IMPORTERS,
    # Usage reports and adoption
    "usage:upload": IMPORTERS,
    "adoption:overview": STRUCTURE,
    "adoption:unit": STRUCTURE,
    "adoption:unit@other": ORG_WIDE,
    "adoption:compare": STRUCTURE,
    "adoption:former": STRUCTURE,
    "adoption:leaders": STRUCTURE,
    "adoption:help": STRUCTURE,
    "adoption:hidden": STRUCTURE,
    "adoption:export": NOBODY,  # no figures stored: 404 "Nothing to export"
    # Training
    "trainings:catalogue": SIGNED_IN,
    "trainings:mine": SIGNED_IN,
    "trainings:course": SIGNED_IN,
    "trainings:course-create": TRAINING_EDITORS,
    "trainings:course-edit": TRAINING_EDITORS,
    "trainings:session-create": TRAINING_EDITORS,
    "trainings:session": SIGNED_IN,
    "trainings:session-edit": TRAINING_EDITORS,  # Per runs this session
    "trainings:session-cancel": PROGRAMME,
    "trainings:trainer-calendar": roles("per"),  # only the session's own trainer
    "trainings:enrol": SIGNED_IN,  # the view answers everyone; it enrols only an employee
    "trainings:attendance": {"GET": TRAINING_EDITORS, "POST": NOBODY},  # empty POST: 404
    "trainings:cancel": roles("nils", "kari", "ada"),  # Nils's own enrolment
    "trainings:calendar": roles("nils"),
    "trainings:certificate": roles("nils"),
    "trainings:roster": TRAINING_EDITORS,
    "trainings:path-create": PROGRAMME,
    "trainings:path-edit": PROGRAMME,
    "trainings:import": PROGRAMME,
    "trainings:import-apply": PROGRAMME,
    "trainings:plan": PROGRAMME | {"ola"},
    "trainings:target": PROGRAMME | {"ola"},
    "trainings:target-unit": PROGRAMME | {"ola"},
    "trainings:target-unit@other": PROGRAMME,
    "trainings:target-missing": PROGRAMME | {"ola"},
    "trainings:target-missing@other": PROGRAMME,
    "trainings:target-create": PROGRAMME,
    "trainings:target-edit": PROGRAMME,
    "trainings:target-delete": PROGRAMME,
    # Impact
    "impact:page": {"GET": roles("kari", "eva", "ada"), "POST": PROGRAMME},
    "impact:report": NOBODY,  # no evaluation stored: 404 "No evaluation yet"
    # Competence self-assessment
    "competence:index": SIGNED_IN,
    "competence:mine": SIGNED_IN,
    "competence:answer": SIGNED_IN,
    "competence:results": PROGRAMME | {"ola"},
    "competence:survey-create": PROGRAMME,
    "competence:survey": PROGRAMME,
    "competence:question-add": PROGRAMME,
    "competence:wave-create": PROGRAMME,
    "competence:survey-open": PROGRAMME,
    "competence:change": NOBODY,  # no wave has answers: 404 "Choose two waves"
    # Systems
    "systems:list": SYSTEMS_READERS,
    "systems:detail": SYSTEMS_READERS,
    "systems:matrix": SYSTEMS_READERS,
    "systems:export": SYSTEMS_READERS,
    "systems:create": IMPORTERS,
    "systems:edit": IMPORTERS,
    "systems:delete": IMPORTERS,
    "systems:decision": IMPORTERS,
    "systems:import": IMPORTERS,
    "systems:import-apply": IMPORTERS,
    "systems:template": IMPORTERS,
    # Roadmap: read by everyone signed in (figures only where the persona may see them)
    "roadmaps:overview": SIGNED_IN,
    "roadmaps:initiative": SIGNED_IN,
    "roadmaps:target": SIGNED_IN,
    "roadmaps:initiative-create": PROGRAMME,
    "roadmaps:initiative-edit": PROGRAMME,
    "roadmaps:initiative-delete": PROGRAMME,
    "roadmaps:milestone-create": PROGRAMME,
    "roadmaps:milestone-edit": PROGRAMME,
    "roadmaps:milestone-done": PROGRAMME,
    "roadmaps:milestone-delete": PROGRAMME,
    "roadmaps:target-create": PROGRAMME,
    "roadmaps:target-edit": PROGRAMME,
    "roadmaps:target-delete": PROGRAMME,
    "roadmaps:status-report": STATUS_REPORT,
    "roadmaps:status-report-pdf": STATUS_REPORT,
    "roadmaps:status-report-xlsx": STATUS_REPORT,
    # The working agreement: published versions for everyone, drafts for their editors only
    "agreements:index": SIGNED_IN,
    "agreements:acknowledge": SIGNED_IN,  # the view answers everyone; it records employees only
    "agreements:manage": PROGRAMME | ACKNOWLEDGEMENTS,
    "agreements:create": PROGRAMME,
    "agreements:unit-create": PROGRAMME | {"ola"},  # Ola for a unit of his subtree
    "agreements:draft-start": PROGRAMME,
    "agreements:history": SIGNED_IN,
    "agreements:acknowledgements": ACKNOWLEDGEMENTS,
    "agreements:version": SIGNED_IN,
    "agreements:version@draft": PROGRAMME,
    "agreements:version-edit": PROGRAMME,
    "agreements:rule-add": PROGRAMME,
    "agreements:publish": PROGRAMME,
    "agreements:discard": PROGRAMME,
    "agreements:pdf": SIGNED_IN,
    "agreements:rule-edit": PROGRAMME,
    "agreements:rule-delete": PROGRAMME,
    # An empty POST: 404 "Move a rule up or down" for the editors too (GET is not offered).
    "agreements:rule-move": NOBODY,
    # Privacy (/personvern/): the audit log, retention and subject access for the DPO
    "privacy:index": SIGNED_IN,
    "privacy:mine": SIGNED_IN,  # one's own data
    "privacy:log": PRIVACY,
    "privacy:log-export": PRIVACY,
    "privacy:retention": PRIVACY,
    "privacy:subject-search": PRIVACY,
    "privacy:employee-report": PRIVACY,
    "privacy:user-report": PRIVACY,
    # The API (token or session): the same rules
    "api-v1:me": SIGNED_IN,
    "api-v1:organisation": STRUCTURE,
    "api-v1:units": SIGNED_IN,  # a list: empty for those who see no units
    "api-v1:unit": STRUCTURE,
    "api-v1:unit@other": ORG_WIDE,
    "api-v1:employees": SIGNED_IN,  # a list: only oneself for an employee
    "api-v1:employee": EMPLOYEES_LIST | {"ola"},
    "api-v1:employee@other": EMPLOYEES_LIST | {"nils"},
    "api-v1:metrics": STRUCTURE,
    "api-v1:figures": STRUCTURE,
    "api-v1:table": NOBODY,  # no figures stored: 404 "This table is empty"
    "api-v1:systems": SYSTEMS_READERS,
    "api-v1:decisions": SYSTEMS_READERS,
    "api-v1:courses": SIGNED_IN,
    "api-v1:course": SIGNED_IN,
    "api-v1:sessions": SIGNED_IN,
    "api-v1:session": SIGNED_IN,
    "api-v1:my_enrolments": SIGNED_IN,
    "api-v1:enrol": EMPLOYEES,  # enrols the caller: only someone in the HR data
    "api-v1:cancel": roles("nils"),  # his own enrolment
    "api-v1:initiatives": SIGNED_IN,
    "api-v1:targets": SIGNED_IN,  # figures only where the persona may see them
    "api-v1:current": SIGNED_IN,
    "api-v1:acknowledgements": ACKNOWLEDGEMENTS,
}

# Known access bugs (each with an xfail repro test below): (name, method, persona) -> the bug.
KNOWN_LEAKS: dict[tuple[str, str, str], str] = {}

# --- filling in path parameters ---------------------------------------------------------------

# URL name -> {variant: {path parameter: key of World.ids or a literal}}.
PARAMS: dict[str, dict[str, dict[str, Any]]] = {
    "area": {"": {"key": "decide"}},
    "organisations:unit": {"": {"pk": "unit"}, "other": {"pk": "unit_other"}},
    "organisations:employee": {"": {"pk": "employee"}, "other": {"pk": "employee_other"}},
    "organisations:import-template": {"": {"name": "mal-ansatte.csv"}},
    "adoption:unit": {"": {"pk": "unit"}, "other": {"pk": "unit_other"}},
    "adoption:export": {"": {"table": "oversikt", "fmt": "csv"}},
    "trainings:course": {"": {"pk": "course"}},
    "trainings:course-edit": {"": {"pk": "course"}},
    "trainings:session-create": {"": {"course_pk": "course"}},
    "trainings:session": {"": {"pk": "session"}},
    "trainings:session-edit": {"": {"pk": "session"}},
    "trainings:session-cancel": {"": {"pk": "session_coming"}},
    "trainings:trainer-calendar": {"": {"pk": "session"}},
    "trainings:enrol": {"": {"pk": "session_coming"}},
    "trainings:attendance": {"": {"pk": "session"}},
    "trainings:cancel": {"": {"pk": "enrolment_coming"}},
    "trainings:calendar": {"": {"pk": "enrolment_coming"}},
    "trainings:certificate": {"": {"pk": "enrolment"}},
    "trainings:roster": {"": {"pk": "session"}},
    "trainings:path-edit": {"": {"pk": "path"}},
    "trainings:target": {"": {"pk": "training_target"}},
    "trainings:target-edit": {"": {"pk": "training_target"}},
    "trainings:target-delete": {"": {"pk": "training_target"}},
    "trainings:target-unit": {
        "": {"pk": "training_target", "unit_pk": "unit"},
        "other": {"pk": "training_target", "unit_pk": "unit_other"},
    },
    "trainings:target-missing": {
        "": {"pk": "training_target", "unit_pk": "unit"},
        "other": {"pk": "training_target", "unit_pk": "unit_other"},
    },
    "impact:report": {"": {"fmt": "html"}},
    "competence:answer": {"": {"pk": "wave"}},
    "competence:results": {"": {"pk": "wave"}},
    "competence:survey": {"": {"pk": "survey"}},
    "competence:question-add": {"": {"pk": "survey"}},
    "competence:wave-create": {"": {"pk": "survey"}},
    "competence:survey-open": {"": {"pk": "survey"}},
    "competence:change": {"": {"pk": "survey"}},
    "systems:detail": {"": {"pk": "system"}},
    "systems:edit": {"": {"pk": "system"}},
    "systems:delete": {"": {"pk": "system"}},
    "systems:decision": {"": {"pk": "system"}},
    "systems:template": {"": {"name": "mal-systemer.csv"}},
    "roadmaps:initiative": {"": {"pk": "initiative"}},
    "roadmaps:initiative-edit": {"": {"pk": "initiative"}},
    "roadmaps:initiative-delete": {"": {"pk": "initiative"}},
    "roadmaps:milestone-create": {"": {"pk": "initiative"}},
    "roadmaps:target-create": {"": {"pk": "initiative"}},
    "roadmaps:milestone-edit": {"": {"pk": "milestone"}},
    "roadmaps:milestone-done": {"": {"pk": "milestone"}},
    "roadmaps:milestone-delete": {"": {"pk": "milestone"}},
    "roadmaps:target": {"": {"pk": "roadmap_target"}},
    "roadmaps:target-edit": {"": {"pk": "roadmap_target"}},
    "roadmaps:target-delete": {"": {"pk": "roadmap_target"}},
    "agreements:draft-start": {"": {"pk": "agreement"}},
    "agreements:history": {"": {"pk": "agreement"}},
    "agreements:acknowledgements": {"": {"pk": "agreement"}},
    "agreements:version": {"": {"pk": "version"}, "draft": {"pk": "draft"}},
    "agreements:version-edit": {"": {"pk": "draft"}},
    "agreements:rule-add": {"": {"pk": "draft"}},
    "agreements:publish": {"": {"pk": "draft"}},
    "agreements:discard": {"": {"pk": "draft"}},
    "agreements:pdf": {"": {"pk": "version"}},
    "agreements:rule-edit": {"": {"pk": "rule"}},
    "agreements:rule-delete": {"": {"pk": "rule"}},
    "agreements:rule-move": {"": {"pk": "rule"}},
    "privacy:employee-report": {"": {"pk": "employee"}},
    "privacy:user-report": {"": {"pk": "user_dina"}},
    "api-v1:unit": {"": {"unit_id": "unit"}, "other": {"unit_id": "unit_other"}},
    "api-v1:employee": {
        "": {"employee_id": "employee"},
        "other": {"employee_id": "employee_other"},
    },
    "api-v1:table": {"": {"table": "oversikt"}},
    "api-v1:course": {"": {"course_id": "course"}},
    "api-v1:session": {"": {"session_id": "session"}},
    "api-v1:enrol": {"": {"session_id": "session_coming"}},
    "api-v1:cancel": {"": {"enrolment_id": "enrolment_coming"}},
}


# URL name -> the query string it is requested with (views that need one to get past the form).
QUERY: dict[str, str] = {
    "api-v1:figures": "metric=active_teams",
}


@dataclass(frozen=True)
class Url:
    name: str  # "namespace:name"
    route: str  # the pattern, e.g. "organisasjon/enheter/<int:pk>/"
    params: tuple[str, ...]


def all_urls() -> list[Url]:
    """Every named URL pattern, with its namespaces; the admin site is tested apart."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Url]:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = ":".join(filter(None, [namespace, p.namespace or ""]))
                if inner == "admin":
                    continue  # Django's own: staff only, tested by Django
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                assert p.name, f"the URL {route} has no name; name it"
                name = f"{namespace}:{p.name}" if namespace else p.name
                yield Url(name, route, tuple(p.pattern.regex.groupindex))

    return list(walk(get_resolver().url_patterns, "", ""))


def cases(url: Url, ids: dict[str, int]) -> list[tuple[str, str]]:
    """(key in ACCESS, path) for each object ``url`` is requested with."""
    if not url.params:
        query = QUERY.get(url.name)
        path = reverse(url.name)
        return [(url.name, f"{path}?{query}" if query else path)]
    variants = PARAMS.get(url.name)
    assert variants is not None, (
        f"{url.name} ({url.route}) takes {', '.join(url.params)}: add it to PARAMS in {__file__}"
    )
    out = []
    for variant, values in variants.items():
        kwargs = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
        key = f"{url.name}@{variant}" if variant else url.name
        out.append((key, reverse(url.name, kwargs=kwargs)))
    query = QUERY.get(url.name)
    return [(key, f"{path}?{query}" if query else path) for key, path in out]


# --- requesting -------------------------------------------------------------------------------


def outcome(response: Any) -> str:
    status = response.status_code
    if status >= 500:
        return "error"
    if status == 401:
        return "login"
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        login = reverse("login")
        return "login" if location.startswith((login, "/admin/login/")) else "ok"
    if status in (403, 404):
        return "denied"
    if status in (400, 405, 422):
        return "n/a"  # the method is not offered, or the input is refused before any access check
    return "ok"


def clients(world: World) -> dict[str, Client]:
    out = {}
    for persona, user in world.users.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        out[persona] = client
    return out


def request(client: Client, method: str, path: str) -> str:
    """One request in a savepoint that is rolled back: it changes nothing for the next one."""
    with transaction.atomic():
        response = client.get(path) if method == "GET" else client.post(path, {})
        transaction.set_rollback(True)
    return outcome(response)


def grid(world: World) -> dict[tuple[str, str, str], str]:
    """(key, method, persona) -> outcome, for every URL."""
    found: dict[tuple[str, str, str], str] = {}
    by_persona = clients(world)
    for url in all_urls():
        for key, path in cases(url, world.ids):
            methods = ["GET"] if url.name in PUBLIC else ["GET", "POST"]
            for method in methods:
                for persona in ROLES:
                    found[(key, method, persona)] = request(by_persona[persona], method, path)
    return found


def write_grid(found: dict[tuple[str, str, str], str], path: str) -> None:
    """The grid as text, one URL and method a line, for reading the table against."""
    lines = [f"{'':45} {'':4} " + " ".join(f"{p:>9}" for p in ROLES)]
    for key in sorted({k for k, _m, _p in found}):
        for method in ("GET", "POST"):
            if (key, method, "anonymous") in found:
                row = " ".join(f"{found[(key, method, p)]:>9}" for p in ROLES)
                lines.append(f"{key:45} {method:4} {row}")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


# --- the tests --------------------------------------------------------------------------------


def test_every_url_is_in_the_access_table() -> None:
    missing = []
    for url in all_urls():
        if url.name in PUBLIC:
            continue
        keys = (
            [url.name]
            if not url.params
            else [f"{url.name}@{v}" if v else url.name for v in PARAMS.get(url.name, {"": {}})]
        )
        missing += [
            f"add {key} ({url.route}) to the access table" for key in keys if key not in ACCESS
        ]
    stale = set(ACCESS) - {
        f"{u.name}@{v}" if v else u.name for u in all_urls() for v in PARAMS.get(u.name, {"": {}})
    }
    assert not missing, "\n".join(missing)
    assert not stale, f"the access table names URLs that no longer exist: {sorted(stale)}"


def test_every_url_answers_every_persona_as_the_access_table_says(world: World) -> None:
    found = grid(world)
    if os.environ.get("HOSTILE_GRID_FILE"):  # to read the table against: HOSTILE_GRID_FILE=/tmp/g
        write_grid(found, os.environ["HOSTILE_GRID_FILE"])
    wrong = []
    for (key, method, persona), got in sorted(found.items()):
        name = key.split("@", 1)[0]
        if got == "error":
            wrong.append(f"{method} {key} as {persona}: a server error (5xx)")
            continue
        if persona == "anonymous":
            if name not in PUBLIC and got not in ("login", "n/a"):
                wrong.append(f"{method} {key} as anonymous: {got}, not sent to sign in")
            continue
        if name in PUBLIC or key not in ACCESS:
            continue  # a missing one fails test_every_url_is_in_the_access_table
        allowed = ACCESS[key]
        if isinstance(allowed, dict):
            allowed = allowed[method]
        expected = "ok" if persona in allowed else "denied"
        if got in (expected, "n/a") or (key, method, persona) in KNOWN_LEAKS:
            continue
        wrong.append(f"{method} {key} as {persona}: {got}, the access table says {expected}")
    assert not wrong, "\n".join(wrong)
