"""Content studio data: AI generations, business-idea batches, landing pages
("magic pages") and the leads their public forms collect.

Invariants:
- Every row belongs to one workspace (`WorkspaceOwned`); public handlers find a
  published page through `LandingPage.unscoped` by its slug and then enter that
  page's workspace scope.
- `idempotency_key` is unique per workspace when set: the row made by a request
  with that key is found again instead of being made (and charged) twice.
- `LandingPage.views` / `conversions` only grow, by atomic `F()` updates.
- `LandingPageSubmission (page, fingerprint)` is unique: an identical form
  submission is stored — and reaches the CRM — once.
- Texts produced by a provider are data: templates autoescape them and nothing
  ever marks them safe or renders them as a template.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nexusone.tenancy import WorkspaceOwned

LANGUAGE_CHOICES = list(settings.LANGUAGES)
RTL_LANGUAGES = frozenset({"ar", "he"})


class ContentType(models.TextChoices):
    TEXT = "text", _("Text")
    MARKETING_COPY = "marketing_copy", _("Marketing copy")
    SOCIAL_MEDIA = "social_media", _("Social media post")
    EMAIL = "email", _("E-mail")
    BLOG_POST = "blog_post", _("Blog post")


class Tone(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    CASUAL = "casual", _("Casual")
    FRIENDLY = "friendly", _("Friendly")
    PERSUASIVE = "persuasive", _("Persuasive")
    INFORMATIVE = "informative", _("Informative")


class Length(models.TextChoices):
    SHORT = "short", _("Short")
    MEDIUM = "medium", _("Medium")
    LONG = "long", _("Long")


class Goal(models.TextChoices):
    LEAD_GENERATION = "lead_generation", _("Lead generation")
    SALES = "sales", _("Sales")
    SIGN_UP = "sign_up", _("Sign-up")
    DOWNLOAD = "download", _("Download")
    CONTACT = "contact", _("Contact")


class Theme(models.TextChoices):
    MODERN = "modern", _("Modern")
    CLASSIC = "classic", _("Classic")
    MINIMAL = "minimal", _("Minimal")
    CREATIVE = "creative", _("Creative")
    CORPORATE = "corporate", _("Corporate")


class AIOutput(WorkspaceOwned):
    """What every charged AI output records: who asked, which provider and
    model answered with which prompt version, the tokens, and the charge."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    provider = models.CharField(_("provider"), max_length=32)
    model = models.CharField(_("model"), max_length=100, blank=True)
    prompt_version = models.CharField(max_length=16, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    finish_reason = models.CharField(max_length=32, blank=True)
    credits_charged = models.PositiveIntegerField(_("credits charged"), default=0)
    charge_id = models.UUIDField(null=True, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        abstract = True


class Generation(AIOutput):
    """One piece of generated content; its text may be edited afterwards."""

    type = models.CharField(_("type"), max_length=20, choices=ContentType.choices)
    tone = models.CharField(_("tone"), max_length=20, choices=Tone.choices)
    length = models.CharField(_("length"), max_length=10, choices=Length.choices)
    prompt = models.TextField(_("prompt"))
    text = models.TextField(_("text"))
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="content_generation_key_per_workspace",
            ),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="content_gen_ws_created")]
        verbose_name = _("generation")
        verbose_name_plural = _("generations")

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.prompt[:60]}"


class IdeaBatch(AIOutput):
    """Five structured business ideas for a niche ("generate income").

    `ideas` is a list of {title, summary, audience, first_steps: [str],
    estimated_startup_cost: {min, max, currency}} — see `content.ideas`."""

    niche = models.CharField(_("niche"), max_length=200)
    budget = models.PositiveIntegerField(_("budget (USD)"), null=True, blank=True)
    ideas = models.JSONField(_("ideas"), default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="content_ideas_key_per_workspace",
            ),
        ]
        verbose_name = _("idea batch")
        verbose_name_plural = _("idea batches")

    def __str__(self) -> str:
        return self.niche


class LandingPage(AIOutput):
    """A generated, editable landing page; public at `/p/<slug>/` once published.

    `sections` follows `content.sections.SECTION_SCHEMA` (hero, benefits,
    social_proof, faq, cta, form) and is validated on every write."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000)
    target_audience = models.CharField(_("target audience"), max_length=300)
    goal = models.CharField(_("goal"), max_length=20, choices=Goal.choices)
    industry = models.CharField(_("industry"), max_length=120)
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices)
    sections = models.JSONField(_("sections"), default=dict)
    slug = models.SlugField(_("public address"), max_length=80, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    views = models.PositiveBigIntegerField(_("views"), default=0)
    conversions = models.PositiveBigIntegerField(_("conversions"), default=0)
    # Key in the default storage ("landing-pages/<workspace id>/<uuid>.<ext>"),
    # served through the page's own asset route: no public bucket, no external asset.
    hero_image = models.CharField(max_length=255, blank=True)
    hero_image_type = models.CharField(max_length=32, blank=True)
    # The AI agent whose chat widget the published page shows (none: no script on the page).
    chat_agent = models.ForeignKey(
        "agents.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("chat assistant"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="content_page_key_per_workspace",
            ),
        ]
        verbose_name = _("landing page")
        verbose_name_plural = _("landing pages")

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_rtl(self) -> bool:
        return self.language in RTL_LANGUAGES

    @property
    def conversion_rate(self) -> float:
        """Conversions per view, 0–1 (0 before the first view)."""
        return round(self.conversions / self.views, 4) if self.views else 0.0

    @property
    def public_path(self) -> str:
        return f"/p/{self.slug}/"

    @property
    def chat_widget_src(self) -> str:
        """The chat widget's script when the page shows a published agent of its own workspace."""
        agent = self.chat_agent
        if agent is None or agent.workspace_id != self.workspace_id or agent.status != "published":
            return ""
        return f"/a/{agent.public_key}/widget.js"


class LandingPageSubmission(WorkspaceOwned):
    """A lead from a published page's form. Identical submissions share a
    fingerprint and are stored once; the CRM contact id is kept for the link."""

    page = models.ForeignKey(LandingPage, on_delete=models.CASCADE, related_name="submissions")
    fingerprint = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    crm_contact_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The boxes the visitor ticked (never pre-ticked): the record of consent given through this form.
    email_opt_in = models.BooleanField(_("agreed to e-mails"), default=False)
    whatsapp_opt_in = models.BooleanField(_("agreed to WhatsApp messages"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["page", "fingerprint"], name="content_submission_once"),
        ]
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return f"{self.page_id}: {self.email}"


from content.video.models import VideoProject, VideoPrompt, VideoStyle  # noqa: E402, F401  (registered with the content app)
