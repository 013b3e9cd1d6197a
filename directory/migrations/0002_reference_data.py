from django.db import migrations

COMMUNES = [
    # code, French, Dutch, postal code, in the zone, order
    ("schaerbeek", "Schaerbeek", "Schaarbeek", "1030", True, 1),
    ("evere", "Evere", "Evere", "1140", True, 2),
    ("saint-josse", "Saint-Josse-ten-Noode", "Sint-Joost-ten-Node", "1210", True, 3),
    ("outside", "Hors zone", "Buiten de zone", "", False, 9),
]

SERVICE_KINDS = [
    # code, French, Dutch (official terms, ../shared/notes/domain-research.md §1 and §8)
    ("bav", "Bureau d'assistance aux victimes (BAV)", "Bureau slachtofferbejegening", 1),
    ("sav", "Service d'aide aux victimes (SAV)", "Dienst slachtofferhulp (SAV)", 2),
    ("caw", "CAW – Slachtofferhulp", "CAW – Slachtofferhulp", 3),
    ("justice-reception", "Accueil des victimes (Maison de justice)", "Slachtofferonthaal (justitiehuis)", 4),
    ("cpvs", "Centre de prise en charge des violences sexuelles (CPVS)", "Zorgcentrum na Seksueel Geweld (ZSG)", 5),
    ("eva", "Emergency Victim Assistance (EVA)", "Emergency Victim Assistance (EVA)", 6),
    ("cpas", "CPAS", "OCMW", 7),
    ("hospital", "Hôpital", "Ziekenhuis", 8),
    ("mental-health", "Santé mentale", "Geestelijke gezondheid", 9),
    ("shelter", "Hébergement, refuge", "Opvang, vluchthuis", 10),
    ("mediation", "Médiation locale", "Lokale bemiddeling", 11),
    ("other", "Autre service", "Andere dienst", 99),
]


def load(apps, schema_editor):
    Commune = apps.get_model("directory", "Commune")
    Kind = apps.get_model("directory", "PartnerServiceKind")
    for code, fr, nl, postal_code, in_zone, order in COMMUNES:
        Commune.objects.update_or_create(
            code=code,
            defaults={"name_fr": fr, "name_nl": nl, "postal_code": postal_code, "is_in_zone": in_zone, "sort_order": order},
        )
    for code, fr, nl, order in SERVICE_KINDS:
        Kind.objects.update_or_create(code=code, defaults={"name_fr": fr, "name_nl": nl, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
