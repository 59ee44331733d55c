"""The center as data: its name, number, time zone, calendar, languages, hours and senders."""
