from django.urls import path

from consultation import ballot_views, mediation_views, views

app_name = "consultation"

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/transition/<slug:name>/", views.meeting_transition, name="meeting_transition"),
    path("<int:pk>/record/<slug:what>/", views.meeting_record, name="meeting_record"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/rating/", views.rating_sheet, name="rating_sheet"),
    path("<int:pk>/invitation.ics", views.meeting_ics, name="meeting_ics"),
    path("<int:pk>/minutes/", views.minutes_new, name="minutes_new"),
    path("follow-ups/<int:pk>/close/", views.follow_up_close, name="follow_up_close"),
    path("minutes/<int:pk>/", views.minutes_detail, name="minutes_detail"),
    path("minutes/<int:pk>/edit/", views.minutes_edit, name="minutes_edit"),
    path(
        "minutes/<int:pk>/transition/<slug:name>/",
        views.minutes_transition,
        name="minutes_transition",
    ),
    path("minutes/<int:pk>/sign/", views.minutes_sign, name="minutes_sign"),
    path("minutes/<int:pk>/correct/", views.minutes_correct, name="minutes_correct"),
    path("minutes/<int:pk>/pdf/", views.minutes_pdf, name="minutes_pdf"),
    path("ballots/new/", ballot_views.ballot_new, name="ballot_new"),
    path("ballots/<int:pk>/", ballot_views.ballot_detail, name="ballot_detail"),
    path(
        "ballots/<int:pk>/transition/<slug:name>/",
        ballot_views.ballot_transition,
        name="ballot_transition",
    ),
    path("ballots/<int:pk>/vote/", ballot_views.ballot_vote, name="ballot_vote"),
    path("ballots/<int:pk>/cost/", ballot_views.ballot_cost, name="ballot_cost"),
    path("ballots/<int:pk>/objection/", ballot_views.ballot_objection, name="ballot_objection"),
    path("ballots/<int:pk>/paper/", ballot_views.ballot_paper, name="ballot_paper"),
    path("mediations/", mediation_views.mediation_list, name="mediation_list"),
    path("mediations/new/", mediation_views.mediation_new, name="mediation_new"),
    path("mediations/<int:pk>/", mediation_views.mediation_detail, name="mediation_detail"),
    path(
        "mediations/<int:pk>/transition/<slug:name>/",
        mediation_views.mediation_transition,
        name="mediation_transition",
    ),
    path(
        "mediations/<int:pk>/record/<slug:what>/",
        mediation_views.mediation_record,
        name="mediation_record",
    ),
    path(
        "mediations/<int:pk>/sign/agreement/",
        mediation_views.mediation_sign,
        name="agreement_sign",
    ),
    path(
        "mediations/<int:pk>/sign/session/<int:number>/",
        mediation_views.mediation_sign,
        name="session_sign",
    ),
    path("mediations/<int:pk>/seal/", mediation_views.agreement_seal, name="agreement_seal"),
    path("mediations/<int:pk>/agreement.pdf", mediation_views.agreement_pdf, name="agreement_pdf"),
    path("mediations/<int:pk>/dossier.pdf", mediation_views.dossier_pdf, name="dossier_pdf"),
    path("mediations/<int:pk>/archive/", mediation_views.dossier_archive, name="dossier_archive"),
    path("archive/", views.archive_list, name="archive_list"),
    path("archive/<int:pk>/", views.archive_download, name="archive_download"),
]
