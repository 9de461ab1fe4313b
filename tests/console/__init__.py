"""The console front end's tests: the bot in a terminal, scripted from stdin."""
