from django.db import migrations

# The programmes the 古湖 report names, and the usual companions; administrators edit the list.
PROGRAMMES = [
    ("一老一小", "关爱老年人和未成年人"),
    ("慈孝文韵", "孝老爱亲、家风家教"),
    ("法治宣传", "普法讲座、以案说法"),
    ("心理健康", "心理健康讲座与疏导"),
    ("邻里互助", "邻里节、互助服务"),
    ("婚姻家庭辅导", "婚姻家庭关系调适"),
]


def forwards(apps, schema_editor):
    Programme = apps.get_model("prevention", "Programme")
    for order, (name, description) in enumerate(PROGRAMMES, start=1):
        Programme.objects.get_or_create(name=name, defaults={"description": description, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("prevention", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
