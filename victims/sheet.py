"""The referral sheet (fiche d'orientation / doorverwijzingsfiche): what the service needs to take
the person in charge, in the service's language, as printable HTML and as PDF (WeasyPrint)."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.fields import display_phone

# The PDF's own style sheet (the web page uses static/css/app.css; WeasyPrint gets this string,
# so no file has to be reachable from the worker).
PDF_CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; color: #1f2933; line-height: 1.35; }
h1 { font-size: 16pt; margin: 0 0 2mm; color: #1d4f91; }
h2 { font-size: 11pt; margin: 6mm 0 2mm; border-bottom: 0.4mm solid #d9e2ec; padding-bottom: 1mm; }
dl { display: grid; grid-template-columns: 45mm 1fr; margin: 0; }
dt { font-weight: bold; padding: 1mm 0; }
dd { margin: 0; padding: 1mm 0; }
.sheet-meta { color: #4f5b67; font-size: 9pt; }
.sheet-message { white-space: pre-wrap; border: 0.3mm solid #d9e2ec; padding: 3mm; }
.sheet-footer { margin-top: 8mm; font-size: 8pt; color: #4f5b67; }
.d-print-none { display: none; }
"""


def context(referral) -> dict:
    """The sheet's data. Called inside translation.override(service language)."""
    language = referral.service.language
    callout = referral.callout
    person = referral.person
    ac = referral.created_by
    return {
        "referral": referral,
        "language": language,
        "service_name": referral.service.name_in(language),
        "person": person,
        "category": callout.category.name_in(language) if callout else "",
        "commune": callout.commune.name_in(language) if callout else "",
        "received_at": callout.received_at if callout else None,
        "callout_reference": callout.reference if callout else "",
        # Without the person's consent to be contacted the service gets no way to reach them
        # directly: it goes through the AC, whose details close the sheet.
        "may_contact": person.consent_contact,
        "person_commune": person.commune.name_in(language) if person.commune_id and person.consent_contact else "",
        "person_phone": display_phone(person.phone) if person.consent_contact else "",
        "ac_name": ac.full_name if ac else "",
        "ac_phone": display_phone(ac.phone) if ac else "",
        "ac_email": ac.email if ac else "",
        "generated_at": timezone.now(),
    }


def render_html(referral, *, request=None, for_pdf: bool = False) -> str:
    with translation.override(referral.service.language):
        return render_to_string(
            "victims/referral_sheet.html",
            {"sheet": context(referral), "for_pdf": for_pdf},
            request=request,
        )


def pdf_bytes(referral) -> bytes:
    from weasyprint import CSS, HTML

    html = render_html(referral, for_pdf=True)
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=PDF_CSS)])


def pdf_response(referral) -> HttpResponse:
    response = HttpResponse(pdf_bytes(referral), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{referral.journal_label()}.pdf"'
    return response
