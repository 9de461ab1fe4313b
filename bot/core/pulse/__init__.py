"""The health pulse: the same short anonymous questionnaire to both organisations on a rhythm, and where the two
see the alliance differently."""
