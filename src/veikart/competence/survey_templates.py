"""Survey templates Veikart ships: concrete statements, each tied to one DigComp 2.2 competence.

A statement is answered on DigComp's eight proficiency levels (:data:`digcomp.LEVELS`). The texts
are bokmål content (like a course title), copied into the survey when it is created, so the
programme lead can adjust a survey without changing the template.
"""

from __future__ import annotations

from dataclasses import dataclass

from veikart.competence import digcomp


@dataclass(frozen=True)
class TemplateQuestion:
    competence: str  # DigComp number, e.g. "2.2"
    text: str


@dataclass(frozen=True)
class SurveyTemplate:
    key: str
    title: str
    description: str
    questions: tuple[TemplateQuestion, ...]

    def __post_init__(self) -> None:
        for question in self.questions:
            digcomp.competence(question.competence)  # refuses a number DigComp does not have


M365_COLLABORATION = SurveyTemplate(
    key="m365-samarbeid",
    title="Samarbeid i Microsoft 365",
    description=(
        "Egenvurdering av digital kompetanse i samarbeid med Teams, OneDrive, SharePoint og "
        "Outlook, bygget på EUs rammeverk DigComp 2.2. Svar ut fra hva du faktisk gjør i dag."
    ),
    questions=(
        TemplateQuestion(
            "1.1",
            "Jeg finner dokumenter, meldinger og personer med søket i Microsoft 365 og Teams.",
        ),
        TemplateQuestion(
            "1.3",
            "Jeg lagrer arbeidsfiler i OneDrive eller i Teams i stedet for på egen maskin eller "
            "minnepinne, og vet hvor jeg finner dem igjen.",
        ),
        TemplateQuestion(
            "1.3",
            "Jeg organiserer filer i et team med mapper og tydelige navn, slik at andre "
            "finner dem.",
        ),
        TemplateQuestion(
            "2.1",
            "Jeg bruker chat og innlegg i kanaler i Teams til å stille spørsmål og gi beskjeder "
            "i stedet for e-post internt.",
        ),
        TemplateQuestion(
            "2.1",
            "Jeg kan starte og delta i et Teams-møte med lyd, bilde og skjermdeling.",
        ),
        TemplateQuestion(
            "2.2",
            "Jeg kan dele en fil i Teams slik at kollegene redigerer samme versjon.",
        ),
        TemplateQuestion(
            "2.2",
            "Jeg sender lenke til filen i stedet for vedlegg, og velger hvem lenken skal "
            "gjelde for.",
        ),
        TemplateQuestion(
            "2.4",
            "Jeg kan skrive i samme dokument som kollegene samtidig, og bruke kommentarer og "
            "versjonslogg.",
        ),
        TemplateQuestion(
            "2.4",
            "Jeg bruker Planner, oppgaver eller OneNote i Teams til å fordele og følge opp arbeid.",
        ),
        TemplateQuestion(
            "2.5",
            "Jeg vet når det passer å bruke chat, kanal, møte eller e-post, og tilpasser "
            "tonen til mottakerne.",
        ),
        TemplateQuestion(
            "3.1",
            "Jeg lager og redigerer dokumenter, presentasjoner og skjemaer i Microsoft 365 "
            "(Word, PowerPoint, Forms).",
        ),
        TemplateQuestion(
            "4.1",
            "Jeg logger på med tofaktorautentisering, låser skjermen og holder telefon og PC "
            "oppdatert.",
        ),
        TemplateQuestion(
            "4.2",
            "Jeg vet hvilke opplysninger som ikke skal deles i Teams, og hvordan jeg unngår å "
            "dele personopplysninger med feil personer.",
        ),
        TemplateQuestion(
            "4.2",
            "Jeg kjenner igjen falske e-poster og påloggingssider (phishing) og vet hvordan "
            "jeg melder fra.",
        ),
        TemplateQuestion(
            "5.1",
            "Når noe ikke virker i Teams eller OneDrive, finner jeg en løsning selv eller vet "
            "hvor jeg får hjelp.",
        ),
        TemplateQuestion(
            "5.4",
            "Jeg vet hva jeg bør lære mer om i Microsoft 365, og hvor jeg finner opplæring.",
        ),
    ),
)

TEMPLATES: dict[str, SurveyTemplate] = {M365_COLLABORATION.key: M365_COLLABORATION}
