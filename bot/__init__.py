"""The alliance bot: keeps a strategic alliance between two organisations honest."""
