"""Group customers (domain.md §8), pure: the relation graph, the grouping rules' port,
connected sets and their reconciliation with the stored groups, exposure and limits."""
