"""Pure domain of the reporting read model: periods, facts, timelines and the KPIs."""
