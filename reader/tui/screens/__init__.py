"""Full screens: the main screen and the screens pushed over it (welcome, triage, statistics, help)."""
