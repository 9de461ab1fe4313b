"""The Bot Framework connector service, faked over real HTTP."""
