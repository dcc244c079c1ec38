from django.urls import path

from casework import portal_views, resident_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.submit, name="submit"),
    path("receipt/", portal_views.receipt, name="receipt"),
    path("status/", portal_views.lookup, name="lookup"),
    path("status/case/", portal_views.status, name="status"),
    path("status/rate/", portal_views.rate, name="rate"),
    path("status/rate/details/", portal_views.rate_details, name="rate_details"),
    path("status/reopen/", portal_views.reopen, name="reopen"),
    path("status/add/", portal_views.add_information, name="add"),
    path("mode/", portal_views.mode, name="mode"),
    path("status/leave/", portal_views.leave, name="leave"),
    path("home/", resident_views.resident_home, name="home"),
    path("nearest/", resident_views.nearest, name="nearest"),
    path("mine/", resident_views.mine, name="mine"),
    path("mine/phone/", resident_views.mine_phone, name="mine_phone"),
    path("mine/code/", resident_views.mine_code, name="mine_code"),
    path("mine/case/<str:reference>/", resident_views.mine_case, name="mine_case"),
    path("mine/leave/", resident_views.mine_leave, name="mine_leave"),
    path("sms-outbox/", resident_views.sms_outbox, name="sms_outbox"),
]
