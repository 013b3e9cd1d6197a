# Built CONCURRENTLY: the journal takes a row on every request and must not wait for the index.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_accessevent_code_params"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="accessevent",
            index=models.Index(
                condition=models.Q(("code__startswith", "password_reset.")),
                fields=["ip", "-at"],
                name="accessevent_password_resets",
            ),
        ),
    ]
