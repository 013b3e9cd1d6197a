"""The journal's append-only guard as plain SQL triggers instead of pgtrigger's Protect.

pgtrigger's trigger skips itself when the session sets ``pgtrigger.ignore``, which any session can
do; it fired per row, so TRUNCATE went through; and it fired only while session_replication_role is
"origin". These triggers have no escape hatch, one refuses TRUNCATE, and both fire ALWAYS. Only the
table's owner (the migration role) can still disable them, which the app's role is not.
"""

import pgtrigger.migrations
from django.db import migrations

CREATE = """
CREATE FUNCTION accounts_accessevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The access journal is append-only: % on % is refused.', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER accessevent_append_only BEFORE UPDATE OR DELETE ON accounts_accessevent
    FOR EACH ROW EXECUTE FUNCTION accounts_accessevent_append_only();
CREATE TRIGGER accessevent_no_truncate BEFORE TRUNCATE ON accounts_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_accessevent_append_only();
ALTER TABLE accounts_accessevent ENABLE ALWAYS TRIGGER accessevent_append_only;
ALTER TABLE accounts_accessevent ENABLE ALWAYS TRIGGER accessevent_no_truncate;
"""

DROP = """
DROP TRIGGER accessevent_no_truncate ON accounts_accessevent;
DROP TRIGGER accessevent_append_only ON accounts_accessevent;
DROP FUNCTION accounts_accessevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_accessevent_password_resets"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="accessevent",
            name="accessevent_append_only",
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
