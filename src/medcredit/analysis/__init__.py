"""Analysis over populations: the impact of a pack change (diff) and its HTML report."""
