"""The Slack front end's tests, on real sockets against a fake Slack (fakes/), with signed requests (payloads)."""
