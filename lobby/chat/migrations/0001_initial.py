# Chat messages, reports, mutes and bans, announcements.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("lobby", "0002_ratings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Announcement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.CharField(max_length=400)),
                (
                    "game",
                    models.CharField(blank=True, help_text="empty: every game", max_length=32),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ChatReport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("message_id", models.UUIDField()),
                ("topic", models.CharField(max_length=96)),
                ("reported_name", models.CharField(max_length=16)),
                ("text", models.CharField(max_length=400)),
                ("sent_at", models.DateTimeField()),
                ("reason", models.CharField(blank=True, max_length=200)),
                ("context", models.JSONField(default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("handled", models.BooleanField(default=False)),
                (
                    "reported",
                    models.ForeignKey(
                        help_text="the sender of the reported message",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="lobby.playerprofile",
                    ),
                ),
                (
                    "reporter",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="lobby.playerprofile",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ChatMessage",
            fields=[
                ("id", models.UUIDField(primary_key=True, serialize=False)),
                ("topic", models.CharField(max_length=96)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("lobby", "lobby room"),
                            ("match", "match (all)"),
                            ("team", "match (team)"),
                            ("spectators", "spectators"),
                            ("direct", "direct message"),
                        ],
                        max_length=16,
                    ),
                ),
                ("sender_name", models.CharField(max_length=16)),
                ("recipient_name", models.CharField(blank=True, max_length=16)),
                ("text", models.CharField(max_length=400)),
                ("sent_at", models.DateTimeField()),
                (
                    "recipient",
                    models.ForeignKey(
                        blank=True,
                        help_text="direct messages only",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="lobby.playerprofile",
                    ),
                ),
                (
                    "sender",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="lobby.playerprofile",
                    ),
                ),
            ],
            options={
                "ordering": ["-sent_at"],
                "indexes": [models.Index(fields=["topic", "-sent_at"], name="chat_history")],
            },
        ),
        migrations.CreateModel(
            name="ChatSanction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(choices=[("mute", "mute"), ("ban", "ban")], max_length=8),
                ),
                ("until", models.DateTimeField(blank=True, help_text="empty: for good", null=True)),
                ("reason", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "player",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chat_sanctions",
                        to="lobby.playerprofile",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["player", "kind"], name="chat_sanctions")],
            },
        ),
    ]
