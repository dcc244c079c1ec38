"""Today's case-log sentences become event codes and parameters (casework's own; the
meetings', ballots' and mediations' are consultation's migration), so each reader sees
them in their own language. Notes nobody can read back (a person's words, an unknown
sentence) stay exactly as written.

The log is append-only at the database: this one rewrite lifts the trigger for its own
transaction and puts it back (core.append_only), changing only ``code``, ``params`` and
the note's generated part — never who, when, which case or what a person wrote.
"""

from django.db import migrations


def legacies():
    from casework import legacy_events as L
    from casework.models import Channel, PartyRole, Referral, ReferralRole

    verdicts = L.translations({"satisfied": "satisfied", "not satisfied": "not_satisfied"})
    chase_what = L.translations({"sign-for": "sign", "reply": "reply"})
    return [
        L.Legacy("case.registered", "Registered via %(channel)s.", {"channel": L.labels(Channel)}),
        L.Legacy("case.assigned", "Assigned to %(name)s.", kinds=("assignment",)),
        L.Legacy(
            "case.party_added", "Party added: %(name)s (%(role)s).", {"role": L.labels(PartyRole)}
        ),
        L.Legacy("case.merged", "Merged duplicates: %(refs)s.", lists=("refs",), tail=r"\s+"),
        L.Legacy("case.attached", "Attached %(name)s.", kinds=("attachment",)),
        L.Legacy("case.photo_added", "Added a photo.", kinds=("resident",)),
        L.Legacy(
            "case.rated_reopen",
            (
                "Rated efficiency %(e)s, attitude %(a)s, result %(r)s: %(verdict)s.",
                "Asks to reopen: %(reason)s",
            ),
            {"verdict": verdicts},
            kinds=("rating",),
            note_param="reason",  # the resident's words become the note, as written
        ),
        L.Legacy(
            "case.rated",
            "Rated efficiency %(e)s, attitude %(a)s, result %(r)s: %(verdict)s.",
            {"verdict": verdicts},
            kinds=("rating",),
        ),
        L.Legacy("case.chased", "The case was due %(due)s — chased.", kinds=("chase",)),
        L.Legacy(
            "referral.dispatched",
            "Referred to %(org)s (%(role)s).",
            {"role": L.labels(ReferralRole)},
            kinds=("referral",),
        ),
        L.Legacy("referral.case_waits", "Referred to %(org)s.", kinds=("transition",)),
        L.Legacy(
            "referral.supervised",
            "%(org)s: put under supervision (督办).",
            tail=r"\s+",
            kinds=("supervision",),
        ),
        L.Legacy(
            "referral.supervision_lifted",
            "%(org)s: supervision lifted.",
            tail=r"\s+",
            kinds=("supervision",),
        ),
        L.Legacy(
            "referral.chased",
            "%(org)s: %(what)s was due %(due)s — chased.",
            {"what": chase_what},
            kinds=("chase",),
        ),
        L.Legacy(
            "referral.transition",
            "%(org)s: %(action)s",
            {"action": L.transition_labels(Referral)},
            tail=r"\s+—\s+",
            kinds=("referral",),
        ),
    ]


def fix(apps):
    from core.names import person_name

    User = apps.get_model("auth", "User")
    by_name = {}
    for user in User.objects.only("pk", "username", "first_name", "last_name"):
        given, family = user.first_name.strip(), user.last_name.strip()
        for written in (f"{given} {family}".strip(), f"{family}{given}", user.username):
            if written:
                by_name.setdefault(written, user)

    def adjust(event, code, params):
        if code == "case.assigned":
            user = by_name.get(params["name"])
            if user is not None:  # the name by today's rule (张晓燕, not 晓燕 张)
                params = {"name": person_name(user), "user": user.pk}
        return params

    return adjust


def forwards(apps, schema_editor):
    from casework import legacy_events
    from core import append_only

    CaseEvent = apps.get_model("casework", "CaseEvent")
    append_only.uninstall(schema_editor, "casework_caseevent")
    legacy_events.convert(CaseEvent, legacies(), fix=fix(apps))
    append_only.install(schema_editor, "casework_caseevent", prunable=False)


class Migration(migrations.Migration):
    dependencies = [("casework", "0027_event_codes")]

    # Backwards keeps the codes: the fields go with 0023's reversal, and the sentences can
    # always be rendered again from them.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
