from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0002_invoice_total"),
    ]

    operations = []
