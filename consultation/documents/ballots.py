"""A ballot's result sheet: the published result as data (embedded as JSON) and its PDF/A."""

from __future__ import annotations

from django.utils import timezone, translation

from casework import selectors as case_selectors
from consultation import statute
from consultation.models import BallotCampaign
from consultation.selectors import cost_shares
from core import documents, pdf


def result_data(campaign: BallotCampaign) -> dict:
    """The published result as data: the question, the rule, the tally, every flat's vote
    and its share of the cost."""
    entries = list(campaign.electorate.prefetch_related("ballots"))
    with translation.override("zh-hans"):
        return {
            "schema": "linli.ballot-result/1",
            "case": campaign.case.reference,
            "title": campaign.title,
            "matter": campaign.get_matter_display(),
            "scope": campaign.scope.full_name,
            "opens_on": campaign.opens_on.isoformat(),
            "closes_on": campaign.closes_on.isoformat(),
            "rule": campaign.rule,
            "article": str(statute.statutory_floor(campaign.matter).article),
            "heads_article": str(statute.ARTICLE_HEADS),
            "tally": campaign.tally,
            "objection_deadline": campaign.objection_deadline.isoformat()
            if campaign.objection_deadline
            else None,
            "electorate": [
                {
                    "flat": f"{e.building} {e.number}",
                    "floor": e.floor,
                    "area_m2": str(e.area_m2),
                    "votes": [
                        {
                            "owner": b.signer_name or b.owner,
                            "signer": b.get_signer_kind_display() if b.signer_kind else "",
                            "choice": b.get_choice_display(),
                        }
                        for b in e.ballots.all()
                    ],
                }
                for e in entries
            ],
            "cost": [
                {"flat": f"{r['entry'].building} {r['entry'].number}", "yuan": str(r["yuan"])}
                for r in cost_shares(campaign)
            ],
        }


def result_pdf(campaign: BallotCampaign, *, number: str = "", date=None) -> bytes:
    """The result sheet as PDF/A, its data embedded; ``number`` is its document number
    (drawn when it is archived), printed under the letterhead of the organisation that
    covers the ballot's scope, dated ``date`` (the day it was published; today if not
    given)."""
    data = result_data(campaign)
    data["document_number"] = number
    return pdf.render(
        "consultation/pdf/ballot_result.html",
        {
            "r": data,
            "doc": documents.frame(
                issuer=case_selectors.issuing_organisation(campaign.scope),
                number=number,
                date=date or timezone.localdate(),
                title=campaign.title,
            ),
        },
        title=campaign.title,
        attachment_name=f"ballot-{campaign.pk}.json",
        data=data,
    )
