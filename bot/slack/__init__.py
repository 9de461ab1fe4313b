"""The Slack front end: Bolt listeners that translate Slack payloads into core calls and render replies."""
