"""The agencies (OPDs) behind 112: report categories that go to them, tickets they answer, signed links for
agencies without accounts, deadlines and escalation, and how each agency does (the scorecard)."""
