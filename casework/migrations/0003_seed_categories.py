"""Seed the grievance categories of DOMAIN.md §2 (editable afterwards in the admin)."""

from django.db import migrations

# code, English, Chinese, working-day limit, default receiving organisation kind
CATEGORIES = [
    ("construction_noise", "Construction noise", "施工噪音", 5, "urban_management"),
    ("noise", "Household or enterprise noise", "生活/企业噪声", 5, "police_station"),
    ("bicycle_parking", "Bicycle parking", "非机动车乱停放", 5, "property_company"),
    ("car_parking", "Car parking", "停车管理", 5, "property_company"),
    ("elevator_retrofit", "Elevator retrofit", "加装电梯", 15, "housing_office"),
    ("property_fee", "Property-fee adjustment", "物业调价", 15, "housing_office"),
    ("owners_committee", "Owners' committee operation", "业委会运行", 15, "housing_office"),
    ("maintenance_fund", "Maintenance fund use", "维修资金使用", 15, "housing_office"),
    ("ev_charging", "EV charging posts", "充电桩安装", 5, "property_company"),
    ("pets", "Pets", "文明养宠", 5, "police_station"),
    ("sanitation", "Sanitation", "环境卫生", 5, "urban_management"),
    ("old_pipes", "Old pipes", "陈旧管道", 5, "property_company"),
    ("neighbour_dispute", "Neighbour dispute", "邻里纠纷", 5, "justice_office"),
    ("other", "Other", "其他", 5, ""),
]


def forwards(apps, schema_editor):
    Category = apps.get_model("casework", "Category")
    for position, (code, name, name_zh, days, kind) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "time_limit_days": days,
                "default_org_kind": kind,
                "position": position * 10,
            },
        )


def backwards(apps, schema_editor):
    Category = apps.get_model("casework", "Category")
    Category.objects.filter(code__in=[c[0] for c in CATEGORIES], cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_event_log_append_only_trigger")]

    operations = [migrations.RunPython(forwards, backwards)]
