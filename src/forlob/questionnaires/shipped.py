"""The two questionnaires that come with Forløb, as data (seeded by migration 0002).

Both are written for Forløb (own wording). The health-literacy screening is *inspired by* the
ideas of the Health Literacy Questionnaire (HLQ) and the Danish conversation tools on
sundhedskompetence (talk with the citizen about a few domains and rate how easy or hard each is);
it copies no licensed item text. A municipality holding a licence for an official instrument can
build it in the questionnaire builder instead.

Scoring of both is in ``questionnaires/scoring.py``.
"""

from __future__ import annotations

SATISFACTION_CODE = "borgertilfredshed"
HEALTH_LITERACY_CODE = "sundhedskompetence"

_AGREE4 = [
    ("Ja, i høj grad", 4, True),
    ("Ja, i nogen grad", 3, True),
    ("Nej, kun i ringe grad", 2, False),
    ("Nej, slet ikke", 1, False),
]

_EASE4 = [
    ("Meget svært", 1, False),
    ("Svært", 2, False),
    ("Let", 3, False),
    ("Meget let", 4, False),
]

# Each question: kind, text, required, extra fields (domain, scale, help), options
# (label, value, positive).
QUESTIONNAIRES: list[dict] = [
    {
        "code": SATISFACTION_CODE,
        "name": "Borgertilfredshed",
        "purpose": "satisfaction",
        "intro": (
            "Vi vil gerne vide, hvordan du har oplevet dit forløb hos os. Det tager cirka "
            "3 minutter. Dine svar bruges til at gøre vores tilbud bedre og påvirker ikke den "
            "hjælp, du får."
        ),
        "questions": [
            {
                "kind": "single",
                "text": "Hvor tilfreds er du samlet set med dit forløb?",
                "options": [
                    ("Meget tilfreds", 5, True),
                    ("Tilfreds", 4, True),
                    ("Hverken tilfreds eller utilfreds", 3, False),
                    ("Utilfreds", 2, False),
                    ("Meget utilfreds", 1, False),
                ],
            },
            {
                "kind": "single",
                "text": "Blev du mødt med respekt og venlighed?",
                "options": _AGREE4,
            },
            {
                "kind": "single",
                "text": "Fik du den information om dit forløb, som du havde brug for?",
                "options": _AGREE4,
            },
            {
                "kind": "single",
                "text": "Har forløbet hjulpet dig til at klare din hverdag bedre?",
                "options": _AGREE4,
            },
            {
                "kind": "scale",
                "text": (
                    "Hvor sandsynligt er det, at du vil anbefale forløbet til andre i samme "
                    "situation?"
                ),
                "scale_min": 0,
                "scale_max": 10,
                "scale_min_label": "Slet ikke sandsynligt",
                "scale_max_label": "Meget sandsynligt",
                "positive_from": 7,
            },
            {
                "kind": "multiple",
                "text": "Hvad var særligt godt? (Du kan vælge flere)",
                "required": False,
                "options": [
                    ("Træningen", 1, False),
                    ("Medarbejderne", 2, False),
                    ("Tiderne passede mig", 3, False),
                    ("Stedet og lokalerne", 4, False),
                    ("Informationen", 5, False),
                ],
            },
            {
                "kind": "text",
                "text": "Er der andet, du vil fortælle os?",
                "required": False,
                "help_text": "Skriv ikke dit CPR-nummer eller andres navne.",
            },
        ],
    },
    {
        "code": HEALTH_LITERACY_CODE,
        "name": "Sundhedskompetence – samtale",
        "purpose": "health_literacy",
        "intro": (
            "Spørgsmålene er tænkt som en samtale mellem dig og en medarbejder. Der er ingen "
            "rigtige eller forkerte svar. Dine svar hjælper os med at tilrettelægge forløbet, så "
            "det passer til dig."
        ),
        "questions": [
            {
                "kind": "single",
                "domain": "Finde information",
                "text": (
                    "Hvor let eller svært er det for dig at finde information om dit helbred, "
                    "som du kan stole på?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Finde information",
                "text": (
                    "Hvor let eller svært er det for dig at finde ud af, hvor du skal henvende "
                    "dig, når du har brug for hjælp?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Forstå information",
                "text": (
                    "Hvor let eller svært er det for dig at forstå det, sundhedspersoner "
                    "fortæller dig?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Forstå information",
                "text": (
                    "Hvor let eller svært er det for dig at forstå breve, vejledninger og "
                    "indlægssedler?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Tale med sundhedspersoner",
                "text": (
                    "Hvor let eller svært er det for dig at spørge, når der er noget, du ikke "
                    "forstår?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Tale med sundhedspersoner",
                "text": (
                    "Hvor let eller svært er det for dig at fortælle en sundhedsperson, hvad "
                    "der er vigtigt for dig?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Holde styr på forløbet",
                "text": (
                    "Hvor let eller svært er det for dig at holde styr på aftaler med kommune, "
                    "læge og hospital?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Holde styr på forløbet",
                "text": (
                    "Hvor let eller svært er det for dig at vide, hvad der skal ske i dit forløb "
                    "og hvornår?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Bruge viden i hverdagen",
                "text": (
                    "Hvor let eller svært er det for dig at gøre det, du har aftalt med en "
                    "sundhedsperson, for eksempel øvelser eller medicin?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "single",
                "domain": "Bruge viden i hverdagen",
                "text": (
                    "Hvor let eller svært er det for dig at vurdere, om et råd om sundhed "
                    "passer til dig?"
                ),
                "options": _EASE4,
            },
            {
                "kind": "text",
                "text": "Er der noget, vi kan gøre for at gøre det lettere for dig?",
                "required": False,
            },
        ],
    },
]
