"""Pure media engines for releases: artwork, video, timecodes. No Django imports."""
