"""A published version of the agreement as PDF, to print or put on the intranet."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from veikart.agreements import selectors
from veikart.agreements.models import AgreementVersion
from veikart.core import pdf


def agreement_pdf(version: AgreementVersion) -> bytes:
    """The version's title, introduction and rules (ValueError for a draft: only what is in
    force, or was, goes on paper)."""
    if version.published_at is None:
        raise ValueError("only a published version is printed")
    agreement = version.agreement
    unit = agreement.unit
    scope = (
        _("Applies to everyone working in %(unit)s, in addition to the organisation's agreement.")
        % {"unit": unit.name}
        if unit is not None
        else _("Applies to all employees of %(organisation)s.")
        % {"organisation": agreement.organisation.name}
    )
    published = date_format(timezone.localtime(version.published_at), "DATE_FORMAT")
    facts = _("Version %(number)s, published %(date)s.") % {
        "number": version.number,
        "date": published,
    }
    if version.effective_from is not None:
        facts += " " + _("In force from %(date)s.") % {
            "date": date_format(version.effective_from, "DATE_FORMAT")
        }
    blocks: list[pdf.Block] = [
        pdf.Heading(version.title),
        pdf.Paragraph(scope, style="lead"),
        pdf.Paragraph(facts, style="note"),
    ]
    blocks += [pdf.Paragraph(part) for part in version.intro.split("\n\n") if part.strip()]
    rules = selectors.rules_of(version)
    replaced = selectors.replaceable_rules() if unit is not None else {}
    rows = []
    for rule in rules:
        need = rule.need + (" *" if rule.binding else "")
        if rule.replaces is not None and rule.replaces in replaced:
            need += " (" + _("replaces: %(need)s") % {"need": replaced[rule.replaces].need} + ")"
        rows.append((need, rule.tool, rule.example, rule.not_for))
    blocks.append(
        pdf.Table(
            (_("Need"), _("Tool"), _("Example"), _("Do not use")),
            rows,
            widths=(44, 44, 46, 40),
        )
    )
    if any(rule.binding for rule in rules):
        blocks.append(
            pdf.Paragraph(
                _("* Applies to everyone (law or our duties); a unit cannot replace it."),
                style="note",
            )
        )
    if version.change_note:
        blocks.append(
            pdf.Paragraph(_("What changed: %(note)s") % {"note": version.change_note}, "note")
        )
    return pdf.render(
        pdf.Document(
            title=f"{version.title} (v{version.number})",
            blocks=blocks,
            subject=str(agreement),
            footer=_("%(agreement)s · version %(number)s · %(date)s")
            % {"agreement": agreement, "number": version.number, "date": published},
        )
    )
