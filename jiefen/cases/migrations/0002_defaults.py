from django.db import migrations


def load_defaults(apps, schema_editor):
    from jiefen.cases.defaults import DISPUTE_TYPES, ROUTING_RULES, TIME_LIMITS

    DisputeType = apps.get_model("cases", "DisputeType")
    RoutingRule = apps.get_model("cases", "RoutingRule")
    TimeLimit = apps.get_model("cases", "TimeLimit")
    types = {}
    for order, (code, name, personal) in enumerate(DISPUTE_TYPES, start=1):
        types[code], _ = DisputeType.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order * 10, "is_personal_status": personal}
        )
    if not RoutingRule.objects.exists():
        for priority, name, conditions, tier, unit_kind, sanlian in ROUTING_RULES:
            conditions = dict(conditions)
            if "dispute_type" in conditions:
                conditions["dispute_type"] = types[conditions["dispute_type"]]
            RoutingRule.objects.create(
                priority=priority, name=name, tier=tier, unit_kind=unit_kind, needs_sanlian=sanlian, **conditions
            )
    for stage, grade, days, kind, description in TIME_LIMITS:
        TimeLimit.objects.get_or_create(
            stage=stage, risk_grade=grade, defaults={"days": days, "day_kind": kind, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
