"""Customer analytics: RFM segments, cohorts, buy-till-you-die predictions, audiences, co-purchases."""
