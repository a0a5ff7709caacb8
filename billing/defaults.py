"""The SPEC's plan, credit-cost and credit-pack tables as seed data.

Used by the data migration (`0002_seed_defaults`) and by
`billing.services.plans_ensure_defaults()` (tests run without migrations).
Once seeded, the database is the source of truth: staff edit plans, costs
and packs in the admin, and nothing re-reads these constants at run time.
Translations of the user-facing texts are given for every language in
settings.LANGUAGES (django-modeltranslation columns `<field>_<lang>`).
"""

from __future__ import annotations

from decimal import Decimal

# Modules every plan may use. Plans list feature keys; `billing.quotas.plan_require`
# checks them, so a feature can be moved between plans in the admin.
MODULE_KEYS = (
    "magic_pages",
    "video_creator",
    "facebook_ads",
    "whatsapp_bot",
    "ai_agents",
    "product_scraper",
    "crm",
    "generate_income",
    "content",
)

# SPEC: API keys and outgoing webhooks need pro or premium.
PAID_FEATURES = ("api_keys", "webhooks")

PLANS = [
    {
        "key": "free",
        "is_default": True,
        "sort_order": 0,
        "price": Decimal("0.00"),
        "currency": "USD",
        "monthly_credits": 50,
        "videos_per_month": 2,
        "landing_pages": 2,
        "whatsapp_numbers": 1,
        "api_requests_per_minute": 60,
        "features": list(MODULE_KEYS),
        "name": {"en": "Free", "es": "Gratis", "pt": "Grátis", "ar": "مجاني", "he": "חינם"},
        "description": {
            "en": "Try every module with 50 credits a month.",
            "es": "Prueba todos los módulos con 50 créditos al mes.",
            "pt": "Experimente todos os módulos com 50 créditos por mês.",
            "ar": "جرّب كل الوحدات مع 50 رصيدًا شهريًا.",
            "he": "נסו את כל המודולים עם 50 קרדיטים בחודש.",
        },
    },
    {
        "key": "pro",
        "is_default": False,
        "sort_order": 10,
        "price": Decimal("97.00"),
        "currency": "USD",
        "monthly_credits": 500,
        "videos_per_month": 20,
        "landing_pages": 20,
        "whatsapp_numbers": 5,
        "api_requests_per_minute": 300,
        "features": [*MODULE_KEYS, *PAID_FEATURES, "ab_tests"],
        "name": {"en": "Pro", "es": "Pro", "pt": "Pro", "ar": "احترافي", "he": "מקצועי"},
        "description": {
            "en": "For growing businesses: 500 credits a month and higher limits.",
            "es": "Para negocios en crecimiento: 500 créditos al mes y límites más altos.",
            "pt": "Para negócios em crescimento: 500 créditos por mês e limites maiores.",
            "ar": "للأعمال النامية: 500 رصيد شهريًا وحدود أعلى.",
            "he": "לעסקים צומחים: 500 קרדיטים בחודש ומגבלות גבוהות יותר.",
        },
    },
    {
        "key": "premium",
        "is_default": False,
        "sort_order": 20,
        "price": Decimal("297.00"),
        "currency": "USD",
        "monthly_credits": 2000,
        "videos_per_month": 100,
        "landing_pages": None,  # unlimited
        "whatsapp_numbers": 20,
        "api_requests_per_minute": 1000,
        "features": [*MODULE_KEYS, *PAID_FEATURES, "ab_tests", "priority_support"],
        "name": {"en": "Premium", "es": "Premium", "pt": "Premium", "ar": "بريميوم", "he": "פרימיום"},
        "description": {
            "en": "For teams at scale: 2,000 credits a month and unlimited landing pages.",
            "es": "Para equipos a escala: 2000 créditos al mes y páginas de aterrizaje ilimitadas.",
            "pt": "Para equipes em escala: 2.000 créditos por mês e landing pages ilimitadas.",
            "ar": "للفرق الكبيرة: 2000 رصيد شهريًا وصفحات هبوط غير محدودة.",
            "he": "לצוותים בקנה מידה: 2,000 קרדיטים בחודש ודפי נחיתה ללא הגבלה.",
        },
    },
]

MODULE_COSTS = [
    {
        "module": "magic_pages",
        "credits": 10,
        "description": "generate a landing page",
        "label": {
            "en": "Magic pages",
            "es": "Páginas mágicas",
            "pt": "Páginas mágicas",
            "ar": "الصفحات السحرية",
            "he": "דפי קסם",
        },
    },
    {
        "module": "video_creator",
        "credits": 25,
        "description": "generate a video",
        "label": {
            "en": "Video creator",
            "es": "Creador de vídeos",
            "pt": "Criador de vídeos",
            "ar": "منشئ الفيديو",
            "he": "יוצר וידאו",
        },
    },
    {
        "module": "facebook_ads",
        "credits": 15,
        "description": "create an ad campaign (AI copy included)",
        "label": {
            "en": "Ad campaigns",
            "es": "Campañas publicitarias",
            "pt": "Campanhas de anúncios",
            "ar": "الحملات الإعلانية",
            "he": "קמפיינים פרסומיים",
        },
    },
    {
        "module": "whatsapp_bot",
        "credits": 5,
        "description": "each WhatsApp message sent",
        "label": {
            "en": "WhatsApp messages",
            "es": "Mensajes de WhatsApp",
            "pt": "Mensagens do WhatsApp",
            "ar": "رسائل واتساب",
            "he": "הודעות WhatsApp",
        },
    },
    {
        "module": "ai_agents",
        "credits": 20,
        "description": "create an AI agent",
        "label": {
            "en": "AI agents",
            "es": "Agentes de IA",
            "pt": "Agentes de IA",
            "ar": "وكلاء الذكاء الاصطناعي",
            "he": "סוכני AI",
        },
    },
    {
        "module": "product_scraper",
        "credits": 3,
        "description": "each product imported",
        "label": {
            "en": "Product import",
            "es": "Importación de productos",
            "pt": "Importação de produtos",
            "ar": "استيراد المنتجات",
            "he": "ייבוא מוצרים",
        },
    },
    {
        "module": "crm",
        "credits": 5,
        "description": "each new contact a member creates or imports (leads from pages, messages and ads are free)",
        "label": {
            "en": "CRM contacts",
            "es": "Contactos del CRM",
            "pt": "Contatos do CRM",
            "ar": "جهات اتصال CRM",
            "he": "אנשי קשר ב-CRM",
        },
    },
    {
        "module": "generate_income",
        "credits": 8,
        "description": "a batch of business ideas",
        "label": {
            "en": "Business ideas",
            "es": "Ideas de negocio",
            "pt": "Ideias de negócio",
            "ar": "أفكار الأعمال",
            "he": "רעיונות עסקיים",
        },
    },
    {
        "module": "content",
        "credits": 5,
        "description": "one AI content generation (social post, copy, e-mail, blog)",
        "label": {
            "en": "AI content",
            "es": "Contenido con IA",
            "pt": "Conteúdo com IA",
            "ar": "محتوى بالذكاء الاصطناعي",
            "he": "תוכן AI",
        },
    },
    {
        "module": "voiceover",
        "credits": 5,
        "description": "one voiceover (text to speech)",
        "label": {
            "en": "Voiceovers",
            "es": "Locuciones",
            "pt": "Locuções",
            "ar": "التعليق الصوتي",
            "he": "קריינות",
        },
    },
    {
        "module": "image_generation",
        "credits": 5,
        "description": "each generated image",
        "label": {
            "en": "Image generation",
            "es": "Generación de imágenes",
            "pt": "Geração de imagens",
            "ar": "توليد الصور",
            "he": "יצירת תמונות",
        },
    },
    {
        "module": "ad_inspiration",
        "credits": 5,
        "description": "a batch of ad ideas",
        "label": {
            "en": "Ad inspiration",
            "es": "Ideas para anuncios",
            "pt": "Ideias de anúncios",
            "ar": "أفكار إعلانية",
            "he": "השראה למודעות",
        },
    },
    {
        "module": "launch_plan",
        "credits": 8,
        "description": "a launch plan",
        "label": {
            "en": "Launch plans",
            "es": "Planes de lanzamiento",
            "pt": "Planos de lançamento",
            "ar": "خطط الإطلاق",
            "he": "תוכניות השקה",
        },
    },
    {
        "module": "agent_reply",
        "credits": 1,
        "description": "each AI agent answer on the web (on WhatsApp: whatsapp_bot)",
        "label": {
            "en": "AI agent answers",
            "es": "Respuestas de agentes de IA",
            "pt": "Respostas de agentes de IA",
            "ar": "ردود وكلاء الذكاء الاصطناعي",
            "he": "תשובות של סוכני AI",
        },
    },
    {
        "module": "email_send",
        "credits": 1,
        "description": "an e-mail campaign, per 100 recipients (rounded up)",
        "label": {
            "en": "E-mail sending",
            "es": "Envío de correos",
            "pt": "Envio de e-mails",
            "ar": "إرسال البريد الإلكتروني",
            "he": "שליחת אימיילים",
        },
    },
    {
        "module": "sms_send",
        "credits": 2,
        "description": "each SMS segment",
        "label": {
            "en": "SMS",
            "es": "SMS",
            "pt": "SMS",
            "ar": "الرسائل النصية",
            "he": "הודעות SMS",
        },
    },
]

CREDIT_PACKS = [
    {
        "key": "starter",
        "sort_order": 0,
        "credits": 100,
        "price": Decimal("19.00"),
        "currency": "USD",
        "name": {
            "en": "Starter pack",
            "es": "Paquete inicial",
            "pt": "Pacote inicial",
            "ar": "الباقة المبدئية",
            "he": "חבילת פתיחה",
        },
    },
    {
        "key": "growth",
        "sort_order": 10,
        "credits": 500,
        "price": Decimal("79.00"),
        "currency": "USD",
        "name": {
            "en": "Growth pack",
            "es": "Paquete de crecimiento",
            "pt": "Pacote de crescimento",
            "ar": "باقة النمو",
            "he": "חבילת צמיחה",
        },
    },
    {
        "key": "scale",
        "sort_order": 20,
        "credits": 2000,
        "price": Decimal("249.00"),
        "currency": "USD",
        "name": {
            "en": "Scale pack",
            "es": "Paquete de escala",
            "pt": "Pacote de escala",
            "ar": "باقة التوسع",
            "he": "חבילת התרחבות",
        },
    },
]


def translated(field: str, values: dict[str, str], languages) -> dict[str, str]:
    """{"name": "...", "name_en": "...", "name_es": "...", …} for a seed row."""
    result = {field: values["en"]}
    for code in languages:
        result[f"{field}_{code}"] = values.get(code, values["en"])
    return result
