"""Safety: data and models for spotting crises in patients' free-text messages."""
