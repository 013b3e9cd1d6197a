"""Demo directory: the zone's units, some officers and the victim services ACs refer to.

Addresses of the communal BAV were not found in public sources: these rows are placeholders
for the demo (example.org addresses), to be replaced by the admin with the real ones.
"""

from django.db import transaction

from directory.models import Commune, Officer, PartnerService, PartnerServiceKind, PoliceUnit

UNITS = [
    ("DISP", "Dispatching", "Dispatching", "+3222492211"),
    ("INT", "Service d'intervention", "Interventiedienst", ""),
    ("COM1", "Commissariat 1 – Schaerbeek", "Commissariaat 1 – Schaarbeek", ""),
    ("COM4", "Commissariat 4 – Evere", "Commissariaat 4 – Evere", ""),
    ("COM5", "Commissariat 5 – Quartier Nord", "Commissariaat 5 – Noordwijk", ""),
    ("EVA", "Emergency Victim Assistance", "Emergency Victim Assistance", ""),
    ("JEU", "Cellule jeunesse", "Jeugdcel", ""),
]

OFFICERS = [
    ("Karim", "El Amrani", "inspector", "INT", ["fr", "nl"]),
    ("Lies", "Janssens", "chief_inspector", "INT", ["nl", "fr"]),
    ("Pierre", "Dumont", "inspector", "COM1", ["fr"]),
    ("Fatima", "Ouali", "inspector", "COM4", ["fr", "nl"]),
    ("Jan", "De Smet", "commissioner", "COM5", ["nl", "fr"]),
    ("Aurélie", "Lefèvre", "chief_inspector", "EVA", ["fr", "nl"]),
    ("Mehdi", "Benaissa", "agent", "JEU", ["fr"]),
    ("Sarah", "Van den Bossche", "inspector", "INT", ["nl"]),
]

SERVICES = [
    # kind, commune, French name, Dutch name, language, phone, e-mail, address, hours
    (
        "bav",
        "schaerbeek",
        "BAV Schaerbeek",
        "Slachtofferbejegening Schaarbeek",
        "fr",
        "+3222000001",
        "bav.schaerbeek@example.org",
        "Adresse à compléter, 1030 Schaerbeek",
        "lu–ve 8h30–17h",
    ),
    (
        "bav",
        "evere",
        "BAV Evere",
        "Slachtofferbejegening Evere",
        "fr",
        "+3222000002",
        "bav.evere@example.org",
        "Adresse à compléter, 1140 Evere",
        "lu–ve 8h30–17h",
    ),
    (
        "bav",
        "saint-josse",
        "BAV Saint-Josse",
        "Slachtofferbejegening Sint-Joost",
        "fr",
        "+3222000003",
        "bav.saint-josse@example.org",
        "Adresse à compléter, 1210 Saint-Josse-ten-Noode",
        "lu–ve 8h30–17h",
    ),
    (
        "caw",
        None,
        "CAW Brussel – Slachtofferhulp",
        "CAW Brussel – Slachtofferhulp",
        "nl",
        "+3222000004",
        "slachtofferhulp@example.org",
        "Adres aan te vullen, 1000 Brussel",
        "ma–vr 9u–17u",
    ),
    (
        "sav",
        None,
        "Service d'aide aux victimes de Bruxelles",
        "Dienst slachtofferhulp Brussel (Franstalig)",
        "fr",
        "+3222000005",
        "sav.bruxelles@example.org",
        "Adresse à compléter, 1000 Bruxelles",
        "lu–ve 9h–17h",
    ),
    (
        "justice-reception",
        None,
        "Accueil des victimes – Maison de justice de Bruxelles",
        "Slachtofferonthaal – Justitiehuis Brussel",
        "fr",
        "+3222000006",
        "accueil.victimes@example.org",
        "Rue des Quatre Bras 4, 1000 Bruxelles",
        "lu–ve 9h–16h",
    ),
    (
        "cpvs",
        None,
        "CPVS Bruxelles (CHU Saint-Pierre)",
        "ZSG Brussel (UMC Sint-Pieter)",
        "fr",
        "+3222000007",
        "cpvs@example.org",
        "Rue Haute 320, 1000 Bruxelles",
        "24 h/24, 7 j/7",
    ),
    (
        "eva",
        "evere",
        "EVA – Emergency Victim Assistance (PolBruNo)",
        "EVA – Emergency Victim Assistance (PolBruNo)",
        "fr",
        "+3222000008",
        "eva@example.org",
        "Evere",
        "24 h/24, 7 j/7",
    ),
]


@transaction.atomic
def load(out) -> None:
    units = {}
    for code, fr, nl, phone in UNITS:
        units[code], _created = PoliceUnit.objects.update_or_create(
            code=code, defaults={"name_fr": fr, "name_nl": nl, "phone": phone}
        )
    for first, last, grade, unit, languages in OFFICERS:
        Officer.objects.update_or_create(
            first_name=first, last_name=last, defaults={"grade": grade, "unit": units[unit], "languages": languages}
        )
    kinds = {kind.code: kind for kind in PartnerServiceKind.objects.all()}
    communes = {commune.code: commune for commune in Commune.objects.all()}
    for kind, commune, fr, nl, language, phone, email, address, hours in SERVICES:
        PartnerService.objects.update_or_create(
            name_fr=fr,
            defaults={
                "name_nl": nl,
                "kind": kinds[kind],
                "commune": communes.get(commune),
                "language": language,
                "phone": phone,
                "email": email,
                "address": address,
                "hours": hours,
            },
        )
    out.write(f"  directory: {len(UNITS)} units, {len(OFFICERS)} officers, {len(SERVICES)} victim services")
