from django.apps import AppConfig


class MediaConfig(AppConfig):
    """The media library on the storage buckets: uploads, voiceovers, images."""

    name = "medialib"
    verbose_name = "Media"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from nexusone.audit import register_action_labels

        register_action_labels(
            {
                "media.file.uploaded": _("File uploaded"),
                "media.file.deleted": _("File deleted"),
            }
        )
