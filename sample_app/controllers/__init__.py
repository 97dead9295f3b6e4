"""Controllers: storage behind plain-dict results, and an exception for each usual failure."""
