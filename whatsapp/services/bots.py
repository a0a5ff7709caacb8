"""Keyword bots: per-number rules applied to inbound text, answering in the
contact's language, plus the hook through which AI agents will answer.

Matching (rules in `priority` order, active ones only): `keyword` — the whole
message equals one of the comma-separated keywords (normalised like
opt-out keywords); `contains` (the default) — every word of one
comma-separated phrase appears anywhere in the message, so the keyword
"hours" answers "What are your hours?"; `regex` — a case-insensitive search
with RE2 (google-re2: linear-time matching, no backtracking, so a pattern
such as `(a+)+$` cannot keep a worker busy) on at most 1,000 characters,
patterns limited to 200 characters and validated when saved (RE2 syntax: no
backreferences or look-around).
Among matching rules, one in the contact's language wins over one for any
language. No rule matched → each registered fallback responder (AI agents)
is asked in turn. Replies are ordinary sends: charged, rate limited, within
the 24-hour window (an inbound message just opened it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import re2
from django.utils.translation import gettext as _

from nexusone.errors import ApplicationError, ValidationFailed
from whatsapp.keywords import normalize_keyword
from whatsapp.models import BotRule, Conversation, Message, MessageTemplate, WhatsAppAccount

logger = logging.getLogger(__name__)
MAX_TEXT = 1000

# callable(account=, conversation=, message=, text=) -> message spec dict | None
FALLBACK_RESPONDERS: list[Callable] = []


def register_fallback_responder(responder: Callable) -> None:
    """The hook for the AI agents module: answer what no keyword rule did."""
    if responder not in FALLBACK_RESPONDERS:
        FALLBACK_RESPONDERS.append(responder)


def regex_compile(pattern: str):
    """A case-insensitive RE2 program (linear time in the text's length)."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 8 << 20
    return re2.compile(pattern, options)


def _error_text(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else ""
    return detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)


def pattern_validate(*, match_type: str, pattern: str) -> str:
    pattern = (pattern or "").strip()
    if not pattern:
        raise ValidationFailed(details={"pattern": [_("Enter at least one keyword.")]})
    if len(pattern) > 200:
        raise ValidationFailed(details={"pattern": [_("At most 200 characters.")]})
    if match_type == BotRule.MatchType.REGEX:
        try:
            regex_compile(pattern)
        except re2.error as exc:
            raise ValidationFailed(
                details={"pattern": [_("Not a valid regular expression: %(e)s") % {"e": _error_text(exc)}]}
            ) from exc
    return pattern


def bot_rule_save(*, rule: BotRule | None, values: dict) -> BotRule:
    """Create or change a rule (the account comes resolved from the caller's scope)."""
    rule = rule or BotRule()
    for name, value in values.items():
        setattr(rule, name, value)
    rule.pattern = pattern_validate(match_type=rule.match_type, pattern=rule.pattern)
    if rule.reply_type == BotRule.ReplyType.TEXT and not rule.reply_text.strip():
        raise ValidationFailed(details={"reply_text": [_("Enter the reply.")]})
    if rule.reply_type == BotRule.ReplyType.TEMPLATE and not (rule.template_name and rule.template_language):
        raise ValidationFailed(details={"template_name": [_("Choose the template and its language.")]})
    rule.save()
    return rule


def rule_matches(rule: BotRule, text: str) -> bool:
    text = text[:MAX_TEXT]
    if rule.match_type == BotRule.MatchType.REGEX:
        try:
            return regex_compile(rule.pattern).search(text) is not None
        except re2.error:
            return False
    normalized = normalize_keyword(text)
    phrases = [normalize_keyword(part) for part in rule.pattern.split(",")]
    if rule.match_type == BotRule.MatchType.KEYWORD:
        return normalized in {phrase for phrase in phrases if phrase}
    words = set(normalized.split())
    return any(phrase and set(phrase.split()) <= words for phrase in phrases)


def rule_for(*, account: WhatsAppAccount, text: str, language: str) -> BotRule | None:
    matches = [rule for rule in BotRule.objects.filter(account=account, is_active=True) if rule_matches(rule, text)]
    for rule in matches:
        if language and rule.language == language:
            return rule
    return next((rule for rule in matches if not rule.language), None)


def reply_spec(*, rule: BotRule, language: str) -> dict:
    if rule.reply_type == BotRule.ReplyType.TEXT:
        return {"type": "text", "text": {"body": rule.reply_text}}
    template_language = rule.template_language
    if language:
        # Prefer the template's version in the contact's language when one is approved.
        localized = (
            MessageTemplate.objects.filter(
                account=rule.account,
                name=rule.template_name,
                status=MessageTemplate.Status.APPROVED,
                language__istartswith=language,
            )
            .values_list("language", flat=True)
            .first()
        )
        template_language = localized or template_language
    return {"type": "template", "template": {"name": rule.template_name, "language": {"code": template_language}}}


def bot_respond(*, workspace, account: WhatsAppAccount, conversation: Conversation, message: Message, text: str):
    """Answer an inbound message with the matching rule (or a fallback
    responder). Returns the queued reply Message or None."""
    from whatsapp.services.conversations import message_send

    if not account.bot_enabled or not text or workspace.is_suspended:
        return None
    language = conversation.language
    rule = rule_for(account=account, text=text, language=language)
    spec = reply_spec(rule=rule, language=language) if rule is not None else None
    if spec is None:
        for responder in FALLBACK_RESPONDERS:
            spec = responder(account=account, conversation=conversation, message=message, text=text)
            if spec:
                break
    if not spec:
        return None
    try:
        return message_send(
            workspace=workspace,
            conversation=conversation,
            spec=spec,
            user=None,
            idempotency_key=f"bot:{message.wamid}",
        )
    except ApplicationError as exc:  # no credits, opted out…: the bot stays silent
        logger.info("whatsapp bot reply skipped (%s) in workspace %s", exc.code, workspace.pk)
        return None
