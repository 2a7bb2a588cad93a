"""Accounts play as a player (a guest who signs up keeps its key); the leaderboard index
also orders ties."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lobby", "0002_ratings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="rating",
            name="leaderboard",
        ),
        migrations.AddField(
            model_name="playerprofile",
            name="user",
            field=models.OneToOneField(
                blank=True,
                help_text="the account that plays as this player; none for a guest",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="player",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(fields=["game", "mode", "-rating", "id"], name="leaderboard_rank"),
        ),
    ]
