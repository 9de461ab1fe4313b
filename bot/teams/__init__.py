"""The Teams front end: Bot Framework activities in, core calls, Teams messages and Adaptive Cards out."""
