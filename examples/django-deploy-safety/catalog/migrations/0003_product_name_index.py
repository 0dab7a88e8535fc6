from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_sku")]

    operations = [
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(fields=["name"], name="catalog_product_name"),
        ),
    ]
