"""CSV and XLSX exports of the callout list. Without the ``export_identities`` capability (the
coordination only) an export holds no name, contact or free text: roles, age bands, kinds of help
and services — what statistics need."""

import csv
from io import BytesIO

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def header(with_names: bool) -> list[str]:
    columns = [
        _("Reference"),
        _("Received"),
        _("Status"),
        _("Incident category"),
        _("Commune"),
        _("Mode"),
        _("Received through"),
        _("Unit"),
        _("Assistant"),
        _("Accepted"),
        _("Departed"),
        _("Arrived"),
        _("Ended"),
        _("Persons"),
        _("Roles"),
        _("Help given"),
        _("Referred to"),
    ]
    if with_names:
        columns += [_("Names"), _("Place"), _("Police report number (PV)"), _("Summary")]
    return columns


def row(callout, with_names: bool) -> list:
    involvements = list(callout.involvements.all())
    values = [
        callout.reference,
        _local(callout.received_at),
        callout.get_status_display(),
        callout.category.name,
        callout.commune.name,
        callout.get_mode_display() if callout.mode else "",
        callout.get_channel_display(),
        callout.requesting_unit.code if callout.requesting_unit else "",
        callout.assistant.full_name if callout.assistant else "",
        _local(callout.accepted_at),
        _local(callout.departed_at),
        _local(callout.arrived_at),
        _local(callout.ended_at),
        len(involvements),
        ", ".join(involvement.get_role_display() for involvement in involvements),
        ", ".join(sorted({action.get_kind_display() for action in callout.actions.all()})),
        ", ".join(sorted({referral.service.name for referral in callout.referrals.all()})),
    ]
    if with_names:
        values += [
            ", ".join(involvement.person.display_name for involvement in involvements),
            callout.place,
            callout.pv_number,
            callout.summary,
        ]
    return values


def _safe(value):
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def callouts_response(rows, *, file_format: str, with_names: bool):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"callouts-{stamp}.{file_format}"
    if file_format == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff"  # Excel opens UTF-8 with accents correctly only with a BOM
            yield writer.writerow(header(with_names))
            for callout in rows.iterator(chunk_size=500):
                yield writer.writerow([_safe(value) for value in row(callout, with_names)])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Callouts"))
        sheet.append(header(with_names))
        for callout in rows.iterator(chunk_size=500):
            sheet.append([_safe(value) for value in row(callout, with_names)])
        buffer = BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
