"""Personal data held by privacy itself (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding(
        "privacy.WorkspaceExport",
        user="requested_by",
        user_fields=("id", "workspace_id", "status", "created_at", "finished_at"),
        note="The export's archive is a MediaAsset.",
    ),
    Holding(
        "privacy.WorkspaceDeletion",
        user="requested_by",
        user_fields=("reference", "workspace_id", "status", "requested_at", "purge_after", "restored_at", "purged_at"),
        note="After the purge it names no workspace; the reference ties it to the audit entry.",
    ),
    Holding("privacy.ErasureBlock", secret=("digest",), note="Keyed hashes only, never an address."),
    Holding("privacy.RetentionPolicy"),
)
