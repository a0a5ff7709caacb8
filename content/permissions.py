"""Content's rules in the permission table (nexusone.permissions): the module
defaults (`content.view` / `content.change`) cover the studio and pages."""

from nexusone.permissions import STAFF, Rule, register

register(
    Rule("content.admin.page_unpublish", STAFF, "Take a published landing page offline (staff)"),
    Rule("content.admin.video_retry", STAFF, "Run a failed video again, charging the workspace again (staff)"),
    Rule("content.admin.video_refund", STAFF, "Give a video's credits back (staff)"),
)
