# ruff: noqa: E501 — one line per phrase reads best for translators
"""Offline answers for ad inspiration and launch plans: deterministic, useful,
in the asked language (en, es, pt, ar, he). Same JSON shape as a model's."""

from __future__ import annotations

import json

from content.gateway.base import TextRequest

T = {
    "en": {
        "angles": [
            "Save time every day",
            "Trusted by people like you",
            "Quality you can feel",
            "A better price than you think",
            "Made for {audience}",
            "Results in the first week",
            "Simple from day one",
        ],
        "hooks": [
            "Still doing it the hard way?",
            "What if {product} did it for you?",
            "{audience}: this one is for you.",
            "Stop scrolling — this changes your day.",
            "The secret is out.",
            "You asked, we built it.",
        ],
        "headlines": [
            "{product}, made simple",
            "Meet {product}",
            "Why everyone talks about {product}",
            "Try {product} today",
            "Your new favourite: {product}",
            "{product} for {audience}",
        ],
        "texts": [
            "Discover {product}: designed for {audience}, ready when you are.",
            "{audience} love how {product} saves them time. See why.",
            "Try {product} today and feel the difference from day one.",
            "Less hassle, better results. That is {product}.",
            "Join thousands who switched to {product} this year.",
        ],
        "goals": [
            "Build awareness",
            "Drive visits",
            "Turn visitors into leads",
            "Convert and retarget",
            "Grow loyalty",
        ],
        "post": "{product}: {goal}. Week {week}.",
        "ad": "{product} — {goal}",
        "summary": "A {weeks}-week launch for {product} aimed at {audience}.",
    },
    "es": {
        "angles": [
            "Ahorra tiempo cada día",
            "La confianza de gente como tú",
            "Calidad que se nota",
            "Un precio mejor de lo que crees",
            "Hecho para {audience}",
            "Resultados desde la primera semana",
            "Sencillo desde el primer día",
        ],
        "hooks": [
            "¿Todavía lo haces de la forma difícil?",
            "¿Y si {product} lo hiciera por ti?",
            "{audience}: esto es para ti.",
            "Deja de deslizar: esto cambia tu día.",
            "El secreto ya se sabe.",
            "Lo pediste y lo creamos.",
        ],
        "headlines": [
            "{product}, fácil",
            "Conoce {product}",
            "Por qué todos hablan de {product}",
            "Prueba {product} hoy",
            "Tu nuevo favorito: {product}",
            "{product} para {audience}",
        ],
        "texts": [
            "Descubre {product}: pensado para {audience}, listo cuando tú lo estés.",
            "A {audience} les encanta cómo {product} les ahorra tiempo. Descubre por qué.",
            "Prueba {product} hoy y nota la diferencia desde el primer día.",
            "Menos complicaciones, mejores resultados. Eso es {product}.",
            "Únete a los miles que se pasaron a {product} este año.",
        ],
        "goals": [
            "Dar a conocer la marca",
            "Atraer visitas",
            "Convertir visitas en contactos",
            "Convertir y volver a impactar",
            "Fidelizar",
        ],
        "post": "{product}: {goal}. Semana {week}.",
        "ad": "{product} — {goal}",
        "summary": "Un lanzamiento de {weeks} semanas para {product} dirigido a {audience}.",
    },
    "pt": {
        "angles": [
            "Economize tempo todos os dias",
            "A confiança de pessoas como você",
            "Qualidade que se sente",
            "Um preço melhor do que você imagina",
            "Feito para {audience}",
            "Resultados já na primeira semana",
            "Simples desde o primeiro dia",
        ],
        "hooks": [
            "Ainda fazendo do jeito difícil?",
            "E se {product} fizesse isso por você?",
            "{audience}: isto é para você.",
            "Pare de rolar: isto muda o seu dia.",
            "O segredo foi revelado.",
            "Você pediu, nós criamos.",
        ],
        "headlines": [
            "{product}, sem complicação",
            "Conheça {product}",
            "Por que todos falam de {product}",
            "Experimente {product} hoje",
            "Seu novo favorito: {product}",
            "{product} para {audience}",
        ],
        "texts": [
            "Descubra {product}: pensado para {audience}, pronto quando você estiver.",
            "{audience} adoram como {product} economiza tempo. Veja por quê.",
            "Experimente {product} hoje e sinta a diferença desde o primeiro dia.",
            "Menos complicação, melhores resultados. Isso é {product}.",
            "Junte-se aos milhares que mudaram para {product} este ano.",
        ],
        "goals": [
            "Gerar reconhecimento",
            "Atrair visitas",
            "Transformar visitas em contatos",
            "Converter e reimpactar",
            "Fidelizar",
        ],
        "post": "{product}: {goal}. Semana {week}.",
        "ad": "{product} — {goal}",
        "summary": "Um lançamento de {weeks} semanas para {product} voltado a {audience}.",
    },
    "ar": {
        "angles": [
            "وفّر الوقت كل يوم",
            "موثوق من أشخاص مثلك",
            "جودة تشعر بها",
            "سعر أفضل مما تتوقع",
            "مصمم لـ{audience}",
            "نتائج من الأسبوع الأول",
            "بسيط من اليوم الأول",
        ],
        "hooks": [
            "هل ما زلت تفعلها بالطريقة الصعبة؟",
            "ماذا لو قام {product} بذلك عنك؟",
            "{audience}: هذا لك.",
            "توقف عن التمرير: هذا يغيّر يومك.",
            "السر انكشف.",
            "طلبتم ذلك فصنعناه.",
        ],
        "headlines": [
            "{product} ببساطة",
            "تعرّف على {product}",
            "لماذا يتحدث الجميع عن {product}",
            "جرّب {product} اليوم",
            "مفضّلك الجديد: {product}",
            "{product} لـ{audience}",
        ],
        "texts": [
            "اكتشف {product}: مصمم لـ{audience} وجاهز متى كنت جاهزًا.",
            "يحب {audience} كيف يوفّر {product} وقتهم. اكتشف السبب.",
            "جرّب {product} اليوم ولاحظ الفرق من اليوم الأول.",
            "تعقيد أقل ونتائج أفضل. هذا هو {product}.",
            "انضم إلى الآلاف الذين انتقلوا إلى {product} هذا العام.",
        ],
        "goals": [
            "بناء الوعي",
            "جذب الزيارات",
            "تحويل الزوار إلى عملاء محتملين",
            "التحويل وإعادة الاستهداف",
            "تعزيز الولاء",
        ],
        "post": "{product}: {goal}. الأسبوع {week}.",
        "ad": "{product} — {goal}",
        "summary": "إطلاق لمدة {weeks} أسابيع لـ{product} موجّه إلى {audience}.",
    },
    "he": {
        "angles": [
            "חוסכים זמן כל יום",
            "אנשים כמוך סומכים עלינו",
            "איכות שמרגישים",
            "מחיר טוב ממה שחשבת",
            "נוצר בשביל {audience}",
            "תוצאות כבר בשבוע הראשון",
            "פשוט מהיום הראשון",
        ],
        "hooks": [
            "עדיין עושים את זה בדרך הקשה?",
            "ומה אם {product} יעשה את זה בשבילך?",
            "{audience}: זה בשבילכם.",
            "תפסיקו לגלול: זה משנה לכם את היום.",
            "הסוד נחשף.",
            "ביקשתם, בנינו.",
        ],
        "headlines": [
            "{product}, בפשטות",
            "הכירו את {product}",
            "למה כולם מדברים על {product}",
            "נסו את {product} היום",
            "האהוב החדש שלכם: {product}",
            "{product} בשביל {audience}",
        ],
        "texts": [
            "גלו את {product}: נבנה בשביל {audience}, מוכן כשאתם מוכנים.",
            "{audience} אוהבים איך ש{product} חוסך להם זמן. גלו למה.",
            "נסו את {product} היום והרגישו את ההבדל מהיום הראשון.",
            "פחות כאב ראש, תוצאות טובות יותר. זה {product}.",
            "הצטרפו לאלפים שעברו ל{product} השנה.",
        ],
        "goals": ["בניית מודעות", "הבאת ביקורים", "הפיכת מבקרים ללידים", "המרה ופנייה חוזרת", "חיזוק נאמנות"],
        "post": "{product}: {goal}. שבוע {week}.",
        "ad": "{product} — {goal}",
        "summary": "השקה של {weeks} שבועות ל{product} עבור {audience}.",
    },
}
CTAS = ["SHOP_NOW", "LEARN_MORE", "SIGN_UP", "GET_OFFER", "ORDER_NOW"]


def _texts(request: TextRequest) -> dict:
    return T.get(request.language, T["en"])


def _fill(template: str, v: dict) -> str:
    return template.format(product=str(v.get("product") or "")[:80], audience=str(v.get("audience") or "")[:80])


def ad_inspiration(request: TextRequest) -> str:
    v, t = dict(request.variables), _texts(request)
    count = max(1, min(int(v.get("count") or 5), 10))

    def take(key: str) -> list[str]:
        items = t[key]
        return [_fill(items[i % len(items)], v) for i in range(count)]

    return json.dumps(
        {
            "angles": take("angles"),
            "hooks": take("hooks"),
            "headlines": take("headlines"),
            "primary_texts": take("texts"),
            "calls_to_action": [CTAS[i % len(CTAS)] for i in range(count)],
        },
        ensure_ascii=False,
    )


def launch_plan(request: TextRequest) -> str:
    v, t = dict(request.variables), _texts(request)
    weeks = max(1, min(int(v.get("weeks") or 4), 12))
    channels = list(v.get("channels") or ["facebook", "instagram"])
    amount = float(v.get("budget_amount") or 0)
    shares = [1.0 + (0.5 if w == weeks - 1 else 0) for w in range(weeks)]
    plan = []
    for week in range(1, weeks + 1):
        goal = t["goals"][min(len(t["goals"]) - 1, (week - 1) * len(t["goals"]) // weeks)]
        items = []
        for index, channel in enumerate(channels):
            items.append({"type": "post", "channel": channel, "day": 1 + (index * 2) % 7,
                          "title": goal, "text": t["post"].format(product=v.get("product", ""), goal=goal, week=week)})  # fmt: skip
        if {"facebook", "instagram"} & set(channels):
            objective = ["REACH", "TRAFFIC", "LEAD_GENERATION", "CONVERSIONS", "CONVERSIONS"][
                min(4, (week - 1) * 5 // weeks)
            ]
            items.append({"type": "ad_campaign", "channel": "facebook", "day": 1, "objective": objective,
                          "title": t["ad"].format(product=v.get("product", ""), goal=goal), "text": _fill(t["texts"][week % 5], v)})  # fmt: skip
        plan.append(
            {
                "week": week,
                "goal": goal,
                "channels": channels,
                "budget": round(amount * shares[week - 1] / sum(shares), 2),
                "items": items,
            }
        )
    summary = t["summary"].format(weeks=weeks, product=v.get("product", ""), audience=v.get("audience", ""))
    return json.dumps({"summary": summary, "weeks": plan}, ensure_ascii=False)
