from django.db import migrations

# domain-research.md §7: the events behind a callout, in the official FR/NL terms.
CATEGORIES = [
    ("death-notification", "Annonce de décès", "Slechtnieuwsmelding"),
    ("suicide", "Suicide", "Zelfdoding"),
    ("suicide-attempt", "Tentative de suicide", "Poging tot zelfdoding"),
    ("sudden-death", "Mort subite ou inopinée", "Plots overlijden"),
    ("sids", "Mort subite du nourrisson", "Wiegendood"),
    ("homicide", "Homicide, meurtre", "Moord, doodslag"),
    ("attempted-murder", "Tentative de meurtre", "Poging tot moord"),
    ("assault", "Coups et blessures", "Slagen en verwondingen"),
    ("violent-theft", "Vol avec violence", "Diefstal met geweld"),
    ("homejacking", "Home-jacking, car-jacking, hold-up", "Homejacking, carjacking, overval"),
    ("burglary", "Cambriolage", "Woninginbraak"),
    ("domestic-violence", "Violences intrafamiliales", "Intrafamiliaal geweld"),
    ("sexual-violence", "Violences sexuelles, faits de mœurs", "Seksueel geweld, zedenfeiten"),
    ("road-accident", "Accident de la route grave ou mortel", "(Dodelijk) verkeersongeval"),
    ("fire", "Incendie", "(Woning)brand"),
    ("disaster", "Catastrophe, incident collectif", "Ramp"),
    ("hostage", "Prise d'otage", "Gijzeling"),
    ("disappearance", "Disparition inquiétante", "Onrustwekkende verdwijning"),
    ("harassment", "Harcèlement, menaces", "Belaging, bedreiging"),
    ("officer-victim", "Policier victime", "Politieambtenaar als slachtoffer"),
    ("other", "Autre événement traumatisant", "Andere schokkende gebeurtenis"),
]


def load(apps, schema_editor):
    IncidentCategory = apps.get_model("victims", "IncidentCategory")
    for order, (code, fr, nl) in enumerate(CATEGORIES, start=1):
        IncidentCategory.objects.update_or_create(
            code=code, defaults={"name_fr": fr, "name_nl": nl, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("victims", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
