from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("billing", "0002_invoice_total"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = []
