"""The streamed case export: its cost per row is flat (queries per chunk, not per case or
per label), and a download broken off half-way is still logged."""

from __future__ import annotations

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import ExportLog
from tests.factories import PartyFactory, make_case


def _export(client):
    response = client.get(reverse("casework:export_cases", args=["csv"]))
    with CaptureQueriesContext(connection) as queries:
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text))), len(queries.captured_queries)


def test_the_exports_queries_do_not_grow_with_the_cases(client, world, supervisor, mediator):
    def add(n):
        for i in range(n):
            case = make_case(
                place=world.building_a, organisation=world.committee_a, assigned_officer=mediator
            )
            PartyFactory(case=case, name=f"居民{i}", phone="13912345678")

    add(3)
    client.force_login(supervisor)
    rows, few = _export(client)
    assert len(rows) == 1 + 3
    add(30)
    rows, many = _export(client)
    assert len(rows) == 1 + 33
    assert many == few
    assert {r[7] for r in rows[1:]} == {"139****5678"}  # masked without the permission
    assert all(r[5] for r in rows[1:])  # the officer's name, looked up once


def test_a_download_broken_off_is_logged_with_the_rows_sent(client, world, supervisor):
    for _ in range(3):
        make_case(place=world.building_a, organisation=world.committee_a)
    client.force_login(supervisor)
    response = client.get(reverse("casework:export_cases", args=["csv"]))
    stream = iter(response.streaming_content)
    first = next(stream)
    assert first.decode("utf-8-sig").startswith("Reference,")
    assert not ExportLog.objects.exists()
    # The browser went away: the server stops reading and closes the response. The test
    # client's iterator (``_iterator``) does that when closed, without the end-of-request
    # signal closing the test's database connection.
    response._iterator.close()
    log = ExportLog.objects.get()
    assert (log.user, log.format, log.rows) == (supervisor, "csv", 0)


def test_the_export_speaks_the_readers_language_to_the_last_row(client, world, supervisor):
    from django.utils import translation

    make_case(place=world.building_a, organisation=world.committee_a)
    client.force_login(supervisor)
    response = client.get(
        reverse("casework:export_cases", args=["csv"]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    translation.activate("en")  # another request's language while the stream is read
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and rows[1][2] == "已登记"
