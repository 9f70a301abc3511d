"""The shipped template of the working agreement, in bokmål.

This is content, not interface text: it is the agreement a Norwegian municipality starts from,
and it stays in Norwegian whatever language a reader has chosen (so it is not marked for
translation). It follows the agreement Moss kommune made for the merger in 2020 (the demo's
``arbeidsavtale.csv``) and common practice in municipalities that moved to Microsoft 365: chat
and channels in Teams, files in Teams and OneDrive instead of e-mail attachments, e-mail for the
outside world, archive and sensitive personal data only where the law puts them.

Rules marked ``binding`` follow from law or the organisation's duties (the Archives Act, the duty
of confidentiality, the GDPR); a unit's addition cannot replace them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateRule:
    need: str
    tool: str
    example: str = ""
    not_for: str = ""
    binding: bool = False


@dataclass(frozen=True)
class AgreementTemplate:
    key: str
    title: str
    intro: str
    rules: tuple[TemplateRule, ...]


BOKMAL = AgreementTemplate(
    key="nb-standard",
    title="Arbeidsavtale: hvilket verktøy bruker vi til hva",
    intro=(
        "Før brukte mange av oss verktøyene slik hver enkelt mente var best, og ulikt fra "
        "kollegene. Da vet ingen hvor en beskjed, en fil eller en beslutning ligger. Denne "
        "avtalen sier hvilket verktøy vi bruker til hva, slik at vi finner informasjonen der "
        "den skal være, slipper dobbeltarbeid og tar vare på personopplysninger og arkivplikten.\n"
        "\n"
        "Avtalen gjelder alle ansatte. En enhet kan ha egne tillegg, for eksempel for turnus "
        "eller undervisning; de står etter de felles reglene. Regler merket «gjelder alle» "
        "følger av lov eller kommunens plikter og kan ikke fravikes av en enhet.\n"
        "\n"
        "Er du i tvil, spør nærmeste leder eller en superbruker i enheten."
    ),
    rules=(
        TemplateRule(
            "Korte beskjeder og spørsmål til en kollega eller noen få",
            "Chat i Teams",
            "«Har du tid til en prat om budsjettet i dag?»",
            "Intern e-post, SMS til jobbtelefonen",
        ),
        TemplateRule(
            "Dialog i enheten, et prosjekt eller en arbeidsgruppe",
            "Innlegg i en kanal i teamet (svar i samme tråd)",
            "Spørsmål og beslutninger i prosjektet, synlige for alle i teamet – også for dem "
            "som kommer til senere",
            "Gruppechat eller e-post med mange mottakere om saker teamet eier",
        ),
        TemplateRule(
            "Interne møter, også med deltakere på hjemmekontor",
            "Teams-møte, innkalt fra Outlook-kalenderen eller fra kanalen",
            "Avdelingsmøtet, ukemøtet i prosjektet; dokumenter og referat legges i kanalen",
            "Skype for Business, telefonmøte, private møtetjenester",
        ),
        TemplateRule(
            "Egne arbeidsfiler og utkast",
            "OneDrive",
            "Et notat du ikke har delt ennå",
            "Hjemmeområdet (H:), skrivebordet på PC-en, minnepinne",
        ),
        TemplateRule(
            "Felles filer i enheten eller prosjektet",
            "Filer-fanen i teamet (SharePoint)",
            "Turnusplaner, maler, prosjektdokumenter – alle jobber i den samme filen",
            "Fellesområdet (F:), egne kopier av felles filer",
        ),
        TemplateRule(
            "Dele en fil med en kollega",
            "Send en lenke til filen fra OneDrive eller teamet",
            "«Her er utkastet – skriv kommentarene rett i dokumentet»",
            "Vedlegg i intern e-post",
        ),
        TemplateRule(
            "Kommunikasjon med innbyggere, leverandører og andre virksomheter",
            "E-post (Outlook), gjerne fra enhetens felles postkasse",
            "Svar til en leverandør, møteinnkalling til eksterne",
            "Teams-chat med eksterne uten avtale, private e-postkontoer",
        ),
        TemplateRule(
            "Saksbehandling og dokumenter som skal arkiveres",
            "Sak/arkiv-systemet",
            "Vedtak, innkommende brev, avtaler, klager – også e-post som gjelder en sak",
            "Teams, OneDrive eller innboksen som arkiv",
            binding=True,
        ),
        TemplateRule(
            "Personopplysninger og helseopplysninger om brukere, elever og pasienter",
            "Fagsystemet (for eksempel journalsystemet i helse og omsorg, elevadministrasjon i "
            "skolen, barnevernets fagsystem)",
            "Rapport om en pasient, bekymringsmelding om et barn, opplysninger om en elev",
            "Teams-chat, kanaler, OneDrive, e-post og SMS – heller ikke «bare navnet»",
            binding=True,
        ),
        TemplateRule(
            "Brev med vedtak eller personopplysninger til innbyggere",
            "Digital post (SvarUt) fra sak/arkiv-systemet",
            "Vedtaksbrev, innkalling til møte om en sak",
            "Vanlig e-post",
            binding=True,
        ),
        TemplateRule(
            "Informasjon til alle ansatte",
            "Intranettet",
            "Nyheter, rutiner, personalhåndboken",
            "E-post til alle ansatte",
        ),
        TemplateRule(
            "Dele filer med eksterne samarbeidspartnere",
            "Deling fra OneDrive eller teamet, med pålogging og utløpsdato",
            "Et utkast til en samarbeidspartner",
            "Dropbox, WeTransfer, private kontoer, vedlegg med personopplysninger",
        ),
        TemplateRule(
            "Oppgaver og oppfølging i teamet",
            "Planner i Teams",
            "Hvem gjør hva til neste møte",
            "Oppgavelister i e-post, huskelapper",
        ),
        TemplateRule(
            "Spørreundersøkelser og påmeldinger",
            "Microsoft Forms (anonyme medarbeiderundersøkelser i kommunens egne verktøy for det)",
            "Påmelding til fagdag, evaluering av et kurs",
            "Skjema på papir, svar på e-post",
        ),
        TemplateRule(
            "Vise om du er tilgjengelig",
            "Status i Teams og kalenderen i Outlook",
            "«Opptatt» i møter, «Ikke forstyrr» når du trenger ro; fraværsmelding når du er "
            "borte en dag eller mer",
            "Status «Tilgjengelig» når du ikke er det; privat kalender for jobbavtaler",
        ),
        TemplateRule(
            "Hva vi forventer av svartid",
            "Chat: samme arbeidsdag. Kanal: innen to arbeidsdager. E-post fra innbyggere og "
            "andre: svar, eller et foreløpig svar, innen to arbeidsdager",
            "Haster det, ring – eller skriv «Haster» først i meldingen",
            "Å vente svar utenfor arbeidstiden til den du skriver til",
        ),
        TemplateRule(
            "Noe som må ordnes nå",
            "Ring (Teams-samtale eller telefon)",
            "En kollega som ikke har kommet på vakt, et akutt avvik",
            "E-post eller kanalinnlegg for noe som haster",
        ),
    ),
)

TEMPLATES: dict[str, AgreementTemplate] = {BOKMAL.key: BOKMAL}
