"""Which keys a workspace's videos use: the integrations vault's answer for
ElevenLabs and D-ID (the workspace's own connected key, else the platform's
`ELEVENLABS_API_KEY` / `DID_API_KEY`). No D-ID key anywhere → the offline renderer.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.vault import credentials_for


@dataclass(frozen=True)
class VideoKeys:
    elevenlabs: str | None
    did: str | None
    elevenlabs_source: str = ""
    did_source: str = ""

    @property
    def offline(self) -> bool:
        return not self.did


def video_keys(*, workspace) -> VideoKeys:
    voice = credentials_for(workspace=workspace, provider="elevenlabs")
    talk = credentials_for(workspace=workspace, provider="did")
    return VideoKeys(
        elevenlabs=voice.secret if voice else None,
        did=talk.secret if talk else None,
        elevenlabs_source=voice.source if voice else "",
        did_source=talk.source if talk else "",
    )
