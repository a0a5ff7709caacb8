# ruff: noqa: E501 — one line per angle reads best for translators
"""Offline answers for the campaign tasks of the AI gateway: deterministic,
structured like the real thing, written in the asked language (en, es, pt,
ar, he). Registered in `CampaignsConfig.ready()`."""

from __future__ import annotations

import hashlib
import json

from content.gateway.base import TextRequest

ANGLES = {
    "en": [
        ("{title}: made for you", "Discover {title}. {description} Try it today and see the difference.", "Simple, fast, yours."),
        ("Why people choose {title}", "{description} Join the people who already switched to {title}.", "Trusted by customers."),
        ("{title}, without the hassle", "Tired of complicated options? {title} keeps it easy. {description}", "Start in minutes."),
        ("Your next step: {title}", "{description} Limited time — don't miss {title}.", "Offer ends soon."),
        ("See what {title} can do", "Real results with {title}. {description}", "Made to last."),
    ],
    "es": [
        ("{title}: hecho para ti", "Descubre {title}. {description} Pruébalo hoy y nota la diferencia.", "Simple, rápido y tuyo."),
        ("Por qué eligen {title}", "{description} Únete a quienes ya se pasaron a {title}.", "La confianza de nuestros clientes."),
        ("{title}, sin complicaciones", "¿Cansado de opciones complicadas? {title} lo hace fácil. {description}", "Empieza en minutos."),
        ("Tu próximo paso: {title}", "{description} Por tiempo limitado: no te pierdas {title}.", "La oferta termina pronto."),
        ("Mira lo que {title} puede hacer", "Resultados reales con {title}. {description}", "Hecho para durar."),
    ],
    "pt": [
        ("{title}: feito para você", "Descubra {title}. {description} Experimente hoje e veja a diferença.", "Simples, rápido e seu."),
        ("Por que escolhem {title}", "{description} Junte-se a quem já mudou para {title}.", "A confiança dos nossos clientes."),
        ("{title}, sem complicação", "Cansado de opções complicadas? {title} facilita. {description}", "Comece em minutos."),
        ("Seu próximo passo: {title}", "{description} Por tempo limitado: não perca {title}.", "A oferta termina em breve."),
        ("Veja o que {title} pode fazer", "Resultados reais com {title}. {description}", "Feito para durar."),
    ],
    "ar": [
        ("{title}: صُمّم لك", "اكتشف {title}. {description} جرّبه اليوم ولاحظ الفرق.", "بسيط وسريع ولك."),
        ("لماذا يختار الناس {title}", "{description} انضم إلى من انتقلوا بالفعل إلى {title}.", "موثوق من عملائنا."),
        ("{title} بلا تعقيد", "سئمت الخيارات المعقدة؟ {title} يجعل الأمر سهلًا. {description}", "ابدأ في دقائق."),
        ("خطوتك التالية: {title}", "{description} لفترة محدودة: لا تفوّت {title}.", "العرض ينتهي قريبًا."),
        ("شاهد ما يمكن أن يقدمه {title}", "نتائج حقيقية مع {title}. {description}", "مصنوع ليدوم."),
    ],
    "he": [
        ("{title}: נוצר בשבילך", "גלו את {title}. {description} נסו היום והרגישו את ההבדל.", "פשוט, מהיר ושלכם."),
        ("למה בוחרים ב{title}", "{description} הצטרפו לכל מי שכבר עבר ל{title}.", "לקוחות סומכים עלינו."),
        ("{title}, בלי כאב ראש", "נמאס מאפשרויות מסובכות? {title} עושה את זה פשוט. {description}", "מתחילים בדקות."),
        ("הצעד הבא שלכם: {title}", "{description} לזמן מוגבל: אל תפספסו את {title}.", "ההצעה מסתיימת בקרוב."),
        ("ראו מה {title} יכול לעשות", "תוצאות אמיתיות עם {title}. {description}", "נבנה להחזיק מעמד."),
    ],
}  # fmt: skip


def _seed(request: TextRequest) -> int:
    payload = json.dumps(dict(request.variables), sort_keys=True, default=str, ensure_ascii=False)
    return int(hashlib.sha256(payload.encode()).hexdigest()[:8], 16)


def ad_copy(request: TextRequest) -> str:
    """{"variants": [{headline, primary_text, description, call_to_action}, …]}"""
    v = request.variables
    language = request.language if request.language in ANGLES else "en"
    angles = ANGLES[language]
    count = max(1, min(int(v.get("count") or 3), 5))
    start = _seed(request) % len(angles) if v.get("round") else 0
    title = str(v.get("title") or "").strip()[:80]
    description = str(v.get("description") or "").strip()[:200]
    # The description sits between sentences: end it like one ("…ligera Pruébalo" otherwise).
    if description and description[-1] not in ".!?…。؟":
        description += "."
    cta = str(v.get("call_to_action") or "LEARN_MORE")
    variants = []
    for index in range(count):
        headline, primary, short = angles[(start + index) % len(angles)]
        variants.append(
            {
                "headline": headline.format(title=title)[:255],
                "primary_text": " ".join(primary.format(title=title, description=description).split())[:2000],
                "description": short,
                "call_to_action": cta,
            }
        )
    return json.dumps({"variants": variants}, ensure_ascii=False)
