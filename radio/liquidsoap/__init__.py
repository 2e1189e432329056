"""The radio's pure engine (no Django): Liquidsoap scripts, Icecast configs and stats, the ffmpeg RTMP push
command, and the process supervisor `manage.py radio` runs them with. Plain values in, plain values out."""
