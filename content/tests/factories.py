"""Rows of the content app for tests and the route walk (TENANT_FACTORIES)."""

from __future__ import annotations

from content.gateway.offline import landing_sections
from content.models import Generation, IdeaBatch, LandingPage
from content.video.models import VideoProject, VideoPrompt

BRIEF = {
    "title": "Rose Garden Café",
    "description": "Specialty coffee roasted in small batches, delivered to offices every week.",
    "target_audience": "office managers",
    "goal": "lead_generation",
    "industry": "coffee",
    "theme": "modern",
}


def make_generation(workspace, **fields) -> Generation:
    values = {
        "type": "social_media",
        "language": "en",
        "tone": "friendly",
        "length": "short",
        "prompt": f"Launch post for {workspace.name}",
        "text": f"Generated text of {workspace.name}",
        "provider": "offline",
        "model": "offline-templates-v1",
        "credits_charged": 5,
        **fields,
    }
    return Generation.unscoped.create(workspace=workspace, **values)


def make_idea_batch(workspace, **fields) -> IdeaBatch:
    idea = {
        "title": f"Idea of {workspace.name}",
        "summary": "A summary.",
        "audience": "Everyone",
        "first_steps": ["One", "Two", "Three"],
        "estimated_startup_cost": {"min": 100, "max": 500, "currency": "USD"},
    }
    values = {"niche": f"Niche of {workspace.name}", "language": "en", "ideas": [idea] * 5, "provider": "offline",
              "credits_charged": 8, **fields}  # fmt: skip
    return IdeaBatch.unscoped.create(workspace=workspace, **values)


def make_landing_page(workspace, *, language: str = "en", status: str = "draft", **fields) -> LandingPage:
    brief = {**BRIEF, "title": f"Page of {workspace.name}", **{k: v for k, v in fields.items() if k in BRIEF}}
    extra = {k: v for k, v in fields.items() if k not in BRIEF}
    return LandingPage.unscoped.create(
        workspace=workspace,
        language=language,
        status=status,
        sections=landing_sections(language, brief),
        slug=extra.pop("slug", f"page-{workspace.slug}-{LandingPage.unscoped.count() + 1}"),
        provider="offline",
        credits_charged=10,
        **brief,
        **extra,
    )


def make_video_project(workspace, **fields) -> VideoProject:
    values = {"script": f"Video script of {workspace.name}", "language": "en", "title": f"Video of {workspace.name}",
              "status": "queued", "credits_charged": 25, **fields}  # fmt: skip
    return VideoProject.unscoped.create(workspace=workspace, **values)


def make_video_prompt(workspace, **fields) -> VideoPrompt:
    shot = {"duration_seconds": 4, "visual": "A cup", "camera": "close-up", "on_screen_text": "", "narration": ""}
    values = {"idea": f"Idea of {workspace.name}", "language": "en", "style": "calm", "title": "T", "shots": [shot],
              "prompt": "A cup.", "provider": "offline", "credits_charged": 5, **fields}  # fmt: skip
    return VideoPrompt.unscoped.create(workspace=workspace, **values)


# model → callable(workspace) → a row owned by that workspace (used by the route walk)
TENANT_FACTORIES = {
    Generation: make_generation,
    IdeaBatch: make_idea_batch,
    LandingPage: make_landing_page,
    VideoProject: make_video_project,
    VideoPrompt: make_video_prompt,
}
