# Built CONCURRENTLY: the journal takes a row on every request and must not wait for the index.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_roles"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="accessevent",
            index=models.Index(
                condition=models.Q(("action__in", ["sign-in", "sign-in-failed"])),
                fields=["actor", "-id"],
                name="accessevent_actor_signins",
            ),
        ),
    ]
