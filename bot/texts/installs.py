"""Sentences about installing the bot in a workspace: the pages an admin sees, and what a channel hears when one
organisation removes it."""

from __future__ import annotations

from bot.texts.base import BOT

INSTALLED_TITLE = "Alliance Bot is installed"
NOT_INSTALLED_TITLE = "Alliance Bot was not installed"

INVALID_BROWSER = (
    "This install link was opened in another browser than the one that started it (or its cookie was blocked): "
    "start again from the install page, in one browser."
)
INVALID_STATE = (
    "This install link has expired or was already used: start again from the install page (a link is good once, "
    "for ten minutes)."
)
MISSING_CODE = "Slack did not send the authorisation code back: start again from the install page."
INVALID_CODE = "Slack refused this authorisation (it may have been used already): start again from the install page."
STORAGE_ERROR = "The installation could not be saved just now (the bot's database is out of reach): try again shortly."
ACCESS_DENIED = "Nothing was installed: the permission request was cancelled. You can start again at any time."
UNAVAILABLE = "The install page is not available just now (the bot's database is out of reach): try again shortly."


def installed(where: str, *, org_wide: bool) -> str:
    scope = "every workspace of the organisation" if org_wide else where
    return (
        f"Alliance Bot now works in {scope}. Invite it to your shared alliance channel (/invite @Alliance Bot): "
        "your people get /alliance, the “Track as commitment” shortcut and private answers from their own "
        "installation, and the channel still hears one bot."
    )


def declined(reason: str) -> str:
    return f"Slack answered “{reason}”: start again from the install page, or ask the workspace's admin to approve it."


def removed(gone: str, *, carried_by: str) -> str:
    return (
        f":electric_plug: *{gone}* removed Alliance Bot from its workspace. The alliance carries on through "
        f"*{carried_by}*'s installation: {gone}'s people can still use it by mentioning {BOT}, and an admin of "
        f"{gone} can install it again to have /alliance and the shortcut back."
    )
