"""The pure audio engine: numpy arrays in, numpy arrays out. No Django imports here."""
