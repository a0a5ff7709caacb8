"""Personal data held by the media library (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding(
        "medialib.MediaAsset",
        personal=("name",),
        files={"key": "asset"},
        user="created_by",
        note="Every stored file of a workspace has one row here; the object is `key` in `bucket`.",
    ),
)
