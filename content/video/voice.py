"""Speech for voiceovers: ElevenLabs when a key is configured, else the
offline voice — the renderer's soft per-word tones, as long as the text
takes to say, encoded as MP3 and marked offline."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import av

from content.video.captions import SENTENCE_PAUSE, Caption, speaking_seconds
from content.video.providers.credentials import video_keys
from content.video.providers.elevenlabs import ElevenLabsClient
from content.video.render import SAMPLE_RATE, speech_rhythm_pcm

_SENTENCE = re.compile(r"(?<=[.!?؟])\s+|\n+")


@dataclass(frozen=True)
class VoiceResult:
    audio: bytes
    content_type: str
    extension: str
    duration_seconds: float
    provider: str
    model: str


def _captions(text: str, style: str) -> tuple[list[Caption], float]:
    captions, clock = [], 0.2
    for sentence in (" ".join(s.split()) for s in _SENTENCE.split(text.strip()) if s.strip()):
        seconds = max(0.5, speaking_seconds(len(sentence.split()), style))
        captions.append(Caption(sentence, round(clock, 3), round(clock + seconds, 3)))
        clock += seconds + SENTENCE_PAUSE
    return captions, round(max(1.0, clock), 3)


def _mp3(pcm: bytes) -> bytes:
    output = io.BytesIO()
    with av.open(output, mode="w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=SAMPLE_RATE)
        stream.layout = "mono"
        step = 2 * 1152
        pts = 0
        for offset in range(0, len(pcm), step):
            chunk = pcm[offset : offset + step]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk + b"\x00" * (frame.planes[0].buffer_size - len(chunk)))
            frame.sample_rate, frame.pts = SAMPLE_RATE, pts
            pts += len(chunk) // 2
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return output.getvalue()


def offline_voice(text: str, *, style: str = "professional") -> VoiceResult:
    captions, duration = _captions(text, style)
    audio = _mp3(speech_rhythm_pcm(captions, duration, style=style))
    return VoiceResult(audio, "audio/mpeg", "mp3", duration, "offline", "offline-tones-v1")


def audio_duration(audio: bytes) -> float | None:
    try:
        with av.open(io.BytesIO(audio)) as container:
            return round(float(container.duration / av.time_base), 3) if container.duration else None
    except (av.error.FFmpegError, ValueError):
        return None


def speak(*, workspace, text: str, voice_id: str, language: str) -> VoiceResult:
    keys = video_keys(workspace=workspace)
    if not keys.elevenlabs:
        return offline_voice(text)
    speech = ElevenLabsClient(keys.elevenlabs).text_to_speech(text=text, voice_id=voice_id, language=language)
    duration = audio_duration(speech.audio) or _captions(text, "professional")[1]
    return VoiceResult(speech.audio, speech.content_type, speech.extension, duration, "elevenlabs", speech.model_id)
