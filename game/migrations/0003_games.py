"""Matches of any game: the game's name, free-form modes, places and stats instead of kills."""

from django.db import migrations, models


def stats_from_kills(apps, schema_editor):  # noqa: ANN001, ARG001 - Django's signature
    """Earlier results are the shooter's: keep their kills and deaths as its stats."""
    MatchPlayer = apps.get_model("game", "MatchPlayer")
    for player in MatchPlayer.objects.all():
        player.stats = {"score": player.score, "deaths": player.deaths}
        player.save(update_fields=["stats"])


class Migration(migrations.Migration):
    dependencies = [("game", "0002_seats_and_listing")]

    operations = [
        migrations.RenameModel("Match", "MatchRecord"),
        migrations.AddField(
            model_name="matchrecord",
            name="game",
            field=models.CharField(default="shooter", help_text="a registered game", max_length=32),
        ),
        migrations.AlterField(
            model_name="matchrecord",
            name="mode",
            field=models.CharField(help_text="one of the game's modes", max_length=16),
        ),
        migrations.AddField(
            model_name="matchplayer",
            name="place",
            field=models.PositiveSmallIntegerField(default=1, help_text="1 is best; equals share"),
        ),
        migrations.AddField(
            model_name="matchplayer",
            name="team",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="matchplayer",
            name="stats",
            field=models.JSONField(blank=True, default=dict, help_text="the game's roster columns"),
        ),
        migrations.RunPython(stats_from_kills, migrations.RunPython.noop),
        migrations.RemoveField(model_name="matchplayer", name="score"),
        migrations.RemoveField(model_name="matchplayer", name="deaths"),
        migrations.AlterModelOptions(name="matchplayer", options={"ordering": ["place", "id"]}),
    ]
