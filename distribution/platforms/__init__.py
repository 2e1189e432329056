"""Pure platform adapters: YouTube, SoundCloud, DDEX delivery packages. No Django imports."""
