"""A rating per game and mode, instead of one per player."""

from django.db import migrations, models


def ratings_per_mode(apps, schema_editor):  # noqa: ANN001, ARG001 - Django's signature
    """Each earlier rating was the shooter's, for both of its modes."""
    PlayerProfile = apps.get_model("lobby", "PlayerProfile")
    Rating = apps.get_model("lobby", "Rating")
    Rating.objects.bulk_create(
        Rating(player_key=p.key, game="shooter", mode=mode, rating=p.rating, games=p.games)
        for p in PlayerProfile.objects.all()
        for mode in ("duel", "ffa")
    )


class Migration(migrations.Migration):
    dependencies = [("lobby", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Rating",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("player_key", models.CharField(max_length=80)),
                ("game", models.CharField(max_length=32)),
                ("mode", models.CharField(max_length=16)),
                ("rating", models.FloatField(default=1500.0)),
                ("games", models.PositiveIntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("player_key", "game", "mode"), name="one_rating"
                    )
                ],
                "indexes": [models.Index(fields=["game", "mode", "-rating"], name="leaderboard")],
            },
        ),
        migrations.RunPython(ratings_per_mode, migrations.RunPython.noop),
        migrations.RemoveField(model_name="playerprofile", name="rating"),
        migrations.RemoveField(model_name="playerprofile", name="games"),
    ]
