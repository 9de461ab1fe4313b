"""The bot without Slack: a terminal chat standing in for a channel shared by two organisations."""
