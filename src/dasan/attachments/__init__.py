"""Files citizens send (email attachments, later MMS): checked, cleaned, stored, thumbnailed."""
