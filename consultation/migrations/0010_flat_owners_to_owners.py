"""Data: today's ``FlatOwner`` names become owners as persons, and the result objections
move to the result's publicity.

Each ``FlatOwner`` row becomes its own ``Owner`` (a person) holding its flat, co-owners of
a flat sharing it equally. The same name on several units of one building is *not*
merged: it becomes a proposed merge (``OwnerMergeProposal``) that staff confirm or reject
on the owners page — two 王伟 in one building may be two people.

Each published ballot gets its result ``Publicity`` (ballot_result) from its publication
day to its recorded objection deadline, and its objections are copied onto it with who,
when and what. Nothing already counted changes: tallies, rules and versions stay as
recorded. Reversible: going back deletes what this created and restores the objections.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import migrations


def forward(apps, schema_editor):
    owners_from_flat_owners(apps)
    objections_to_publicity(apps)


def owners_from_flat_owners(apps):
    """One owner per FlatOwner row; same name on several units of a building → proposal."""
    FlatOwner = apps.get_model("casework", "FlatOwner")
    Owner = apps.get_model("consultation", "Owner")
    Ownership = apps.get_model("consultation", "Ownership")
    Proposal = apps.get_model("consultation", "OwnerMergeProposal")
    Place = apps.get_model("casework", "Place")
    by_flat = defaultdict(list)
    for row in FlatOwner.objects.select_related("flat", "flat__place").order_by("flat_id", "pk"):
        by_flat[row.flat_id].append(row)
    same_name = defaultdict(list)  # (building id, name) -> owners
    for rows in by_flat.values():
        share = (Decimal(1) / len(rows)).quantize(Decimal("0.0001"))
        for row in rows:
            owner = Owner.objects.create(kind="person", name=row.name.strip() or "—")
            Ownership.objects.create(owner=owner, flat_id=row.flat_id, share=share)
            place = row.flat.place
            # The building: the place itself, or its parent when the flat is in a stairwell.
            building_id = place.parent_id if place.kind == "stairwell" and place.parent_id else place.pk
            same_name[(building_id, owner.name)].append(owner)
    for (building_id, name), owners in same_name.items():
        if len(owners) > 1:
            proposal = Proposal.objects.create(building=Place.objects.get(pk=building_id), name=name)
            proposal.owners.set(owners)


def objections_to_publicity(apps):
    Campaign = apps.get_model("consultation", "BallotCampaign")
    Objection = apps.get_model("consultation", "BallotObjection")
    Publicity = apps.get_model("consultation", "Publicity")
    PublicityObjection = apps.get_model("consultation", "PublicityObjection")
    for campaign in Campaign.objects.filter(objection_deadline__isnull=False):
        published = campaign.counted_at.date() if campaign.counted_at else campaign.closes_on
        start = min(published, campaign.objection_deadline)
        publicity = Publicity.objects.create(
            kind="ballot_result",
            campaign=campaign,
            summary=campaign.title,
            starts_on=start,
            ends_on=campaign.objection_deadline,
            days=(campaign.objection_deadline - start).days + 1,
            day_basis="calendar",
            created_by_id=campaign.created_by_id,
        )
        for o in Objection.objects.filter(campaign=campaign):
            PublicityObjection.objects.create(
                publicity=publicity,
                name=o.name,
                flat=o.flat,
                text=o.text,
                received_at=o.received_at,
                recorded_by_id=o.recorded_by_id,
            )


def backward(apps, schema_editor):
    Objection = apps.get_model("consultation", "BallotObjection")
    PublicityObjection = apps.get_model("consultation", "PublicityObjection")
    for o in PublicityObjection.objects.filter(publicity__kind="ballot_result").select_related(
        "publicity"
    ):
        Objection.objects.create(
            campaign_id=o.publicity.campaign_id,
            name=o.name,
            flat=o.flat,
            text=o.text,
            received_at=o.received_at,
            recorded_by_id=o.recorded_by_id,
        )
    PublicityObjection.objects.all().delete()
    apps.get_model("consultation", "Publicity").objects.all().delete()
    apps.get_model("consultation", "OwnerMergeProposal").objects.all().delete()
    apps.get_model("consultation", "Ownership").objects.all().delete()
    apps.get_model("consultation", "Owner").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("consultation", "0009_owners_publicity"),
    ]
    operations = [migrations.RunPython(forward, backward)]
