import fangkong.core.personal
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_password_change_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone",
            field=fangkong.core.personal.EncryptedTextField(
                kind="phone", verbose_name="手机号"
            ),
        ),
    ]
