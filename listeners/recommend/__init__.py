"""The recommenders as plain numpy (no Django): content similarity over the sequencing features, popularity,
implicit-feedback matrix factorisation (ALS), leave-one-out evaluation and the A/B significance test."""
