"""Personal data held by privacy itself (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding("privacy.WorkspaceExport", user="requested_by", note="The export's archive is a MediaAsset."),
    Holding(
        "privacy.WorkspaceDeletion",
        user="requested_by",
        note="After the purge it names no workspace; the reference ties it to the audit entry.",
    ),
    Holding("privacy.ErasureBlock", secret=("digest",), note="Keyed hashes only, never an address."),
    Holding("privacy.RetentionPolicy"),
)
