"""The meetings', ballots' and mediations' sentences on the case logs become event codes
(``consultation.case_events``), like casework's own in casework 0024; a note nobody can
read back stays exactly as written. The append-only trigger is lifted for this rewrite
only and put back."""

from django.db import migrations


def legacies():
    from casework import legacy_events as L
    from consultation.models import (
        CampaignStatus,
        EndReason,
        JudicialStatus,
        Mediation,
        MeetingKind,
        MeetingStatus,
        MinutesStatus,
        NoticeManner,
        Performance,
        Route,
        Satisfaction,
    )

    actions = L.transition_labels(Mediation)
    what = L.translations({"the agreement": "agreement"})

    def signed_what(text):
        if text in what:
            return what[text]
        digits = "".join(ch for ch in text if ch.isdigit())
        return int(digits) if digits else None

    med = {"kinds": ("mediation",), "lead": "mediation"}
    return [
        L.Legacy("mediation.registered", "people's mediation registered.", **med),
        L.Legacy("mediation.mediators", "mediators: %(names)s.", lists=("names",), **med),
        L.Legacy(
            "mediation.notice",
            "rights and duties notice given %(when)s (%(how)s).",
            {"how": L.labels(NoticeManner)},
            **med,
        ),
        L.Legacy(
            "mediation.ended",
            "%(action)s — %(reason)s; routes told: %(routes)s.",
            {"action": actions, "reason": L.labels(EndReason), "routes": L.labels(Route)},
            lists=("routes",),
            **med,
        ),
        L.Legacy(
            "mediation.started", "%(action)s; time limit %(due)s.", {"action": actions}, **med
        ),
        L.Legacy(
            "mediation.extended",
            "time limit extended from %(old)s to %(new)s with both parties' consent.",
            **med,
        ),
        L.Legacy("mediation.session", "session %(n)d recorded (%(when)s).", **med),
        L.Legacy(
            "mediation.return_visit",
            "return visit %(on)s: %(performance)s, %(satisfaction)s.",
            {"performance": L.labels(Performance), "satisfaction": L.labels(Satisfaction)},
            **med,
        ),
        L.Legacy(
            "mediation.refused",
            "%(name)s refused to sign %(what)s: %(note)s",
            {"what": signed_what},
            **med,
        ),
        L.Legacy("mediation.signed", "%(name)s signed %(what)s.", {"what": signed_what}, **med),
        L.Legacy("mediation.agreement_drafted", "agreement drafted.", **med),
        L.Legacy("mediation.seal", "committee seal marked on the agreement.", **med),
        L.Legacy(
            "mediation.judicial",
            "judicial confirmation: %(status)s (%(on)s).",
            {"status": L.labels(JudicialStatus)},
            **med,
        ),
        L.Legacy("mediation.closing_report", "closing report written.", **med),
        L.Legacy("mediation.dossier_archived", "dossier archived as %(number)s.", **med),
        # Last of the mediation's: any transition's bare label.
        L.Legacy("mediation.transition", "%(action)s", {"action": actions}, **med),
        L.Legacy(
            "mediation.return_visit_chased",
            "%(number)s: the return visit was due %(due)s — chased.",
            kinds=("chase",),
        ),
        L.Legacy(
            "meeting.called",
            "%(kind)s called for %(when)s at %(venue)s: %(topic)s",
            {"kind": L.labels(MeetingKind)},
            kinds=("note",),
        ),
        L.Legacy(
            "minutes.transition",
            "Minutes %(ref)s v%(n)d: %(status)s",
            {"status": L.labels(MinutesStatus)},
            kinds=("note",),
        ),
        L.Legacy("meeting.follow_up_done", "Follow-up done: %(text)s", kinds=("note",)),
        L.Legacy("ballot.prepared", "Owner ballot prepared: %(title)s", kinds=("note",)),
        L.Legacy(
            "ballot.transition",
            "Owner ballot “%(title)s”: %(status)s",
            {"status": L.labels(CampaignStatus)},
            kinds=("note",),
        ),
        L.Legacy(
            "ballot.objection", "Objection to the ballot result from %(name)s.", kinds=("note",)
        ),
        # "<kind> · <topic>: <status>" and a reason after " — ".
        L.Legacy(
            "meeting.transition",
            "%(kind)s · %(topic)s: %(status)s",
            {"kind": L.labels(MeetingKind), "status": L.labels(MeetingStatus)},
            tail=r"\s+—\s+",
            kinds=("note",),
        ),
    ]


def forwards(apps, schema_editor):
    from casework import legacy_events
    from core import append_only

    CaseEvent = apps.get_model("casework", "CaseEvent")
    append_only.uninstall(schema_editor, "casework_caseevent")
    legacy_events.convert(CaseEvent, legacies())
    append_only.install(schema_editor, "casework_caseevent", prunable=False)


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0013_minutes_sections_signer_roles_archive_format"),
        ("casework", "0028_event_notes_to_codes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
