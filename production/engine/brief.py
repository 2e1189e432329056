"""What to render: the brief every engine stage reads. Plain values only."""

from __future__ import annotations

from dataclasses import dataclass, field

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}
MODES = ("major", "minor")
AMBIENCES = ("none", "rain", "cafe", "nature", "vinyl")
# Moods the engine knows how to play (moods.MOOD_PROFILES says what each does); "chill" is neutral.
MOODS = ("chill", "focus", "sleepy", "melancholy", "happy", "dreamy", "nostalgic", "cozy")
# Other spellings in use (the listeners' request form) -> the mood they play as.
MOOD_ALIASES = {"melancholic": "melancholy", "focused": "focus", "upbeat": "happy"}
PARTS = ("drums", "perc", "bass", "keys", "piano", "pad", "pluck", "melody")


@dataclass(frozen=True)
class Key:
    tonic: str  # one of PITCH_CLASSES (sharps)
    mode: str  # "major" or "minor"

    def __post_init__(self) -> None:
        if self.tonic not in PITCH_CLASSES:
            raise ValueError(f"unknown tonic {self.tonic!r}; use one of {', '.join(PITCH_CLASSES)}")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; use major or minor")

    @property
    def pitch_class(self) -> int:
        return PITCH_CLASSES.index(self.tonic)

    @classmethod
    def parse(cls, text: str) -> Key:
        """Parse "A minor", "F# major", "Bb min", "C" (major when the mode is left out)."""
        parts = text.strip().split()
        if not parts or len(parts) > 2:
            raise ValueError(f"cannot read key {text!r}; write it like 'A minor' or 'F# major'")
        tonic = parts[0][:1].upper() + parts[0][1:]
        tonic = _FLATS.get(tonic, tonic)
        mode = parts[1].lower() if len(parts) == 2 else "major"
        mode = {"maj": "major", "min": "minor", "m": "minor"}.get(mode, mode)
        return cls(tonic=tonic, mode=mode)

    def __str__(self) -> str:
        return f"{self.tonic} {self.mode}"


@dataclass(frozen=True)
class Brief:
    style: str
    bpm: float
    key: Key
    duration_s: float
    seed: int
    mood: str = "chill"
    layers: dict[str, bool] = field(default_factory=dict)  # part -> on/off; parts left out are on
    ambience: str = "default"  # "default": the style's own bed (fx.default_ambience); "none": no bed
    target_lufs: float = -14.0
    true_peak_ceiling_db: float = -1.0
    sample_rate: int = 44100

    def __post_init__(self) -> None:
        if self.ambience not in AMBIENCES and self.ambience != "default":
            raise ValueError(f"unknown ambience {self.ambience!r}; use one of default, {', '.join(AMBIENCES)}")
        if self.mood not in MOODS and self.mood not in MOOD_ALIASES:
            raise ValueError(f"unknown mood {self.mood!r}; use one of {', '.join(MOODS)}")
        if not 40 <= self.bpm <= 200:
            raise ValueError(f"bpm {self.bpm} is outside 40-200")
        if self.duration_s <= 0:
            raise ValueError("duration_s must be positive")
        unknown = set(self.layers) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown layers {sorted(unknown)}; parts are {', '.join(PARTS)}")

    def layer_on(self, part: str) -> bool:
        return self.layers.get(part, True)
