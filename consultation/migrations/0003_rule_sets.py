"""The Civil Code Art. 278 rule sets, and Shanghai's stricter elevator practice, as data."""

from django.db import migrations

RULE_SETS = [
    {
        "code": "civil-code-278-major",
        "name": "民法典第278条·重大事项（改建、筹集维修资金、改变共有部分用途）",
        "participation_area": "2/3",
        "participation_heads": "2/3",
        "approval_area": "3/4",
        "approval_heads": "3/4",
        "source": "中华人民共和国民法典 第二百七十八条",
    },
    {
        "code": "civil-code-278-ordinary",
        "name": "民法典第278条·一般事项（使用维修资金、选聘物业、选举业委会等）",
        "participation_area": "2/3",
        "participation_heads": "2/3",
        "approval_area": "1/2",
        "approval_area_inclusive": False,
        "approval_heads": "1/2",
        "approval_heads_inclusive": False,
        "source": "中华人民共和国民法典 第二百七十八条",
    },
    {
        "code": "local-elevator-no-objection",
        "name": "加装电梯·本幢重大事项且无明确反对（地方从严示例）",
        "participation_area": "2/3",
        "participation_heads": "2/3",
        "approval_area": "3/4",
        "approval_heads": "3/4",
        "no_explicit_objection": True,
        "source": "街道可适用的从严地方规则示例（无业主明确反对）",
    },
]


def load(apps, schema_editor):
    RuleSet = apps.get_model("consultation", "BallotRuleSet")
    for data in RULE_SETS:
        RuleSet.objects.get_or_create(code=data["code"], version=1, defaults=data)


def unload(apps, schema_editor):
    RuleSet = apps.get_model("consultation", "BallotRuleSet")
    RuleSet.objects.filter(code__in=[d["code"] for d in RULE_SETS], version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("consultation", "0002_ballots")]
    operations = [migrations.RunPython(load, unload)]
