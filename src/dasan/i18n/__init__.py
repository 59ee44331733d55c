"""Every string a citizen or a staff member reads, in one message catalogue (gettext .po files
read with Babel): `citizen` in the six service languages, `staff` in Korean and English."""
