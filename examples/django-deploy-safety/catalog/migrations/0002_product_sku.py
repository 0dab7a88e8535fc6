from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunSQL("SET lock_timeout = '2s'", reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL("SET statement_timeout = '30s'", reverse_sql=migrations.RunSQL.noop),
        migrations.AddField(
            model_name="product",
            name="sku",
            field=models.TextField(),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["sku"], name="catalog_product_sku"),
        ),
    ]
