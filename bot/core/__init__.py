"""The alliance logic, free of any chat platform: commands, dates, ownership, cadence."""
