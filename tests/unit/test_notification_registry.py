"""The channel registry builds the channels the town uses, each under its own name."""

from services.notification.app import channels_for
from services.notification.rendering import environment
from services.notification.settings import NotificationSettings
from tests.fakes import InMemoryDatabase

ALL = ["email", "sms", "facebook", "chatbot", "postal"]


def test_every_channel_is_registered_under_its_own_name() -> None:
    channels = channels_for(
        NotificationSettings(),
        db=InMemoryDatabase(),  # type: ignore[arg-type]
        templates=environment(None),
    )
    assert sorted(channels) == sorted(ALL)
    assert all(channel.name == name for name, channel in channels.items())


def test_a_channel_the_town_does_not_use_is_not_built_and_needs_no_settings() -> None:
    settings = NotificationSettings(
        channels=["email", "postal"], chatbot_transport="webhook", chatbot_reply_url=""
    )
    channels = channels_for(settings, db=InMemoryDatabase(), templates=environment(None))  # type: ignore[arg-type]
    assert sorted(channels) == ["email", "postal"]
