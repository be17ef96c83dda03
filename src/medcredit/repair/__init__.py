"""Credit repair: eligibility conditions and the earliest date a subject may apply."""
