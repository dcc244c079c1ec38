from django.urls import path

from consultation.views import agreement, archive, ballots, dossier, mediation, meetings, minutes

app_name = "consultation"

urlpatterns = [
    path("", meetings.meeting_list, name="meeting_list"),
    path("new/", meetings.meeting_new, name="meeting_new"),
    path("<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path(
        "<int:pk>/transition/<slug:name>/",
        meetings.meeting_transition,
        name="meeting_transition",
    ),
    path("<int:pk>/record/invitee/", meetings.invitee_add, name="meeting_invitee"),
    path("<int:pk>/record/agenda/", meetings.agenda_add, name="meeting_agenda"),
    path("<int:pk>/record/statement/", meetings.statement_add, name="meeting_statement"),
    path("<int:pk>/record/motion/", meetings.motion_add, name="meeting_motion"),
    path("<int:pk>/record/decision/", meetings.decision_add, name="meeting_decision"),
    path("<int:pk>/record/follow_up/", meetings.follow_up_add, name="meeting_follow_up"),
    path("<int:pk>/record/criterion/", meetings.criterion_add, name="meeting_criterion"),
    path("<int:pk>/attendance/", meetings.attendance, name="attendance"),
    path("<int:pk>/rating/", meetings.rating_sheet, name="rating_sheet"),
    path("<int:pk>/invitation.ics", meetings.meeting_ics, name="meeting_ics"),
    path("<int:pk>/notice.pdf", meetings.meeting_notice_pdf, name="meeting_notice_pdf"),
    path("<int:pk>/minutes/", minutes.minutes_new, name="minutes_new"),
    path("follow-ups/<int:pk>/close/", meetings.follow_up_close, name="follow_up_close"),
    path("minutes/<int:pk>/", minutes.minutes_detail, name="minutes_detail"),
    path("minutes/<int:pk>/edit/", minutes.minutes_edit, name="minutes_edit"),
    path(
        "minutes/<int:pk>/transition/<slug:name>/",
        minutes.minutes_transition,
        name="minutes_transition",
    ),
    path("minutes/<int:pk>/sign/", minutes.minutes_sign, name="minutes_sign"),
    path("minutes/<int:pk>/correct/", minutes.minutes_correct, name="minutes_correct"),
    path("minutes/<int:pk>/pdf/", minutes.minutes_pdf, name="minutes_pdf"),
    path("ballots/new/", ballots.ballot_new, name="ballot_new"),
    path("ballots/<int:pk>/", ballots.ballot_detail, name="ballot_detail"),
    path(
        "ballots/<int:pk>/transition/<slug:name>/",
        ballots.ballot_transition,
        name="ballot_transition",
    ),
    path("ballots/<int:pk>/vote/", ballots.ballot_vote, name="ballot_vote"),
    path("ballots/<int:pk>/cost/", ballots.ballot_cost, name="ballot_cost"),
    path("ballots/<int:pk>/objection/", ballots.ballot_objection, name="ballot_objection"),
    path("ballots/<int:pk>/paper/", ballots.ballot_paper, name="ballot_paper"),
    path("mediations/", mediation.mediation_list, name="mediation_list"),
    path("mediations/new/", mediation.mediation_new, name="mediation_new"),
    path("mediations/<int:pk>/", mediation.mediation_detail, name="mediation_detail"),
    path(
        "mediations/<int:pk>/transition/<slug:name>/",
        mediation.mediation_transition,
        name="mediation_transition",
    ),
    # The mediation page's record forms, one view each (the template's partial names them
    # ``mediation_<record>``).
    path("mediations/<int:pk>/record/notice/", mediation.notice_record, name="mediation_notice"),
    path("mediations/<int:pk>/record/session/", mediation.session_record, name="mediation_session"),
    path(
        "mediations/<int:pk>/record/extension/",
        mediation.extension_record,
        name="mediation_extension",
    ),
    path(
        "mediations/<int:pk>/record/return_visit/",
        mediation.return_visit_record,
        name="mediation_return_visit",
    ),
    path(
        "mediations/<int:pk>/record/mediators/",
        mediation.mediators_set,
        name="mediation_mediators",
    ),
    path(
        "mediations/<int:pk>/record/agreement/",
        agreement.agreement_draft,
        name="mediation_agreement",
    ),
    path(
        "mediations/<int:pk>/record/judicial/",
        agreement.judicial_record,
        name="mediation_judicial",
    ),
    path(
        "mediations/<int:pk>/record/closing_report/",
        dossier.closing_report_write,
        name="mediation_closing_report",
    ),
    path(
        "mediations/<int:pk>/sign/agreement/",
        agreement.mediation_sign,
        name="agreement_sign",
    ),
    path(
        "mediations/<int:pk>/sign/session/<int:number>/",
        agreement.mediation_sign,
        name="session_sign",
    ),
    path("mediations/<int:pk>/seal/", agreement.agreement_seal, name="agreement_seal"),
    path("mediations/<int:pk>/agreement.pdf", agreement.agreement_pdf, name="agreement_pdf"),
    path("mediations/<int:pk>/dossier.pdf", dossier.dossier_pdf, name="dossier_pdf"),
    path("mediations/<int:pk>/archive/", dossier.dossier_archive, name="dossier_archive"),
    path("archive/", archive.archive_list, name="archive_list"),
    path("archive/<int:pk>/", archive.archive_download, name="archive_download"),
]
