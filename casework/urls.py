from django.urls import path

from casework import (
    grid_views,
    referral_views,
    report_views,
    resident_views,
    rights_views,
    security_views,
    views,
)
from casework.hotline import views as hotline_views

app_name = "casework"

urlpatterns = [
    # Public: residents' home page; a signed-in staff member's dashboard.
    path("", resident_views.home, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/receipt/", views.case_receipt, name="case_receipt"),
    path("cases/<int:pk>/receipt.pdf", views.case_receipt_pdf, name="case_receipt_pdf"),
    path("cases/<int:pk>/transition/<slug:name>/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/notes/", views.case_note, name="case_note"),
    path("cases/<int:pk>/return-visit/", views.case_return_visit, name="case_return_visit"),
    path("cases/<int:pk>/hotline/", hotline_views.hotline_act, name="hotline_act"),
    path(
        "cases/<int:pk>/hotline/<int:message_id>/resend/",
        hotline_views.hotline_resend,
        name="hotline_resend",
    ),
    path("cases/<int:pk>/parties/", views.case_party_add, name="case_party_add"),
    path("cases/<int:pk>/contact/", views.party_contact, name="party_contact"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/merge/", views.case_merge, name="case_merge"),
    path("cases/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "cases/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("cases/<int:pk>/referrals/", referral_views.referral_dispatch, name="referral_dispatch"),
    path(
        "cases/<int:pk>/referrals/<int:referral_pk>/transition/<slug:name>/",
        referral_views.referral_transition,
        name="referral_transition",
    ),
    path(
        "cases/<int:pk>/referrals/<int:referral_pk>/supervise/",
        referral_views.referral_supervise,
        name="referral_supervise",
    ),
    path("reports/", report_views.report_dashboard, name="reports"),
    path(
        "reports/cases.<str:fmt>",
        report_views.export_cases,
        name="export_cases",
    ),
    path("reports/report.pdf", report_views.report_pdf, name="report_pdf"),
    path("reports/report.<str:fmt>", report_views.export_report, name="export_report"),
    path("reports/exports/", report_views.export_log, name="export_log"),
    path("reports/my-exports/", report_views.my_exports, name="my_exports"),
    path(
        "reports/my-exports/<int:pk>/download/",
        report_views.my_export_download,
        name="my_export_download",
    ),
    path("reports/security/", security_views.security_log, name="security_log"),
    # Personal information (PIPL, #27): residents' requests and the processing register.
    path("privacy/requests/", rights_views.rights_list, name="rights_list"),
    path("privacy/requests/<int:pk>/", rights_views.rights_detail, name="rights_detail"),
    path("privacy/requests/<int:pk>/copy.json", rights_views.rights_copy, name="rights_copy"),
    path("privacy/register/", rights_views.privacy_register, name="privacy_register"),
    path("waiting/", views.waiting_list, name="waiting"),
    path("grid/", grid_views.grid_patrol, name="grid_patrol"),
    path("inbox/", referral_views.inbox, name="inbox"),
    path("inbox/<int:pk>/", referral_views.inbox_detail, name="inbox_detail"),
    path(
        "inbox/<int:pk>/transition/<slug:name>/",
        referral_views.inbox_transition,
        name="inbox_transition",
    ),
    path(
        "inbox/<int:pk>/attachments/<int:attachment_pk>/",
        referral_views.inbox_attachment,
        name="inbox_attachment",
    ),
]
