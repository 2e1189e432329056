"""A valid FLAC file of a constant signal, written frame by frame: hours of many-channel, high-rate audio in a few
hundred kilobytes, in a fraction of a second (libFLAC would take a minute to encode it). It decodes completely,
so it is exactly the "decompression bomb" a header check has to catch before any decoder runs.

Each frame is a fixed-size block of CONSTANT subframes (RFC 9639): header with CRC-8, one 16-bit value per
channel, CRC-16.
"""

from __future__ import annotations

from pathlib import Path

MAX_BLOCK = 65535
_RATE_CODES = {88200: 0b0001, 176400: 0b0010, 192000: 0b0011, 8000: 0b0100, 16000: 0b0101, 22050: 0b0110,
               24000: 0b0111, 32000: 0b1000, 44100: 0b1001, 48000: 0b1010, 96000: 0b1011}  # fmt: skip


def _crc_table(poly: int, width: int) -> list[int]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
        table.append(crc)
    return table


_CRC8, _CRC16 = _crc_table(0x07, 8), _crc_table(0x8005, 16)


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def _utf8_number(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x800:
        return bytes([0xC0 | (n >> 6), 0x80 | (n & 0x3F)])
    if n < 0x10000:
        return bytes([0xE0 | (n >> 12), 0x80 | ((n >> 6) & 0x3F), 0x80 | (n & 0x3F)])
    return bytes([0xF0 | (n >> 18), 0x80 | ((n >> 12) & 0x3F), 0x80 | ((n >> 6) & 0x3F), 0x80 | (n & 0x3F)])


def write_constant_flac(path: Path, *, seconds: float, sample_rate: int, channels: int, value: int = 8192) -> Path:
    """Write `seconds` of the 16-bit constant `value` on every channel (1 to 8) at `sample_rate`."""
    total = int(seconds * sample_rate)
    streaminfo = (
        MAX_BLOCK.to_bytes(2, "big") * 2
        + (0).to_bytes(3, "big") * 2  # frame sizes unknown
        + ((sample_rate << 44) | ((channels - 1) << 41) | (15 << 36) | total).to_bytes(8, "big")
        + bytes(16)  # no MD5 signature
    )
    subframes = (b"\x00" + (value & 0xFFFF).to_bytes(2, "big")) * channels
    header_tail = bytes([(_RATE_CODES[sample_rate] | 0b01110000) & 0xFF, ((channels - 1) << 4) | (0b100 << 1)])
    with open(path, "wb") as out:
        out.write(b"fLaC" + bytes([0x80]) + len(streaminfo).to_bytes(3, "big") + streaminfo)
        number, done = 0, 0
        while done < total:
            block = min(MAX_BLOCK, total - done)
            header = b"\xff\xf8" + header_tail + _utf8_number(number) + (block - 1).to_bytes(2, "big")
            frame = header + bytes([_crc8(header)]) + subframes
            out.write(frame + _crc16(frame).to_bytes(2, "big"))
            number, done = number + 1, done + block
    return path
