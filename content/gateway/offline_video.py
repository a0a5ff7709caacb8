"""The offline provider's video prompts: five shots (hook, problem, product,
proof, call to action) around the idea, in the request's language."""

from __future__ import annotations

import json
import random

SHOTS = {
    "en": [
        (
            "Close-up that opens on {idea}, morning light, shallow depth of field",
            "slow push-in",
            "{title}",
            "Have you seen {idea}?",
        ),
        ("A customer hesitating in a busy street, muted colours", "handheld medium shot", "", "Choosing is hard."),
        (
            "{idea} shown in use, clean background, warm highlights",
            "smooth orbit around the subject",
            "",
            "Here is what makes it different.",
        ),
        (
            "Happy customers smiling and nodding, natural light",
            "quick cuts between medium shots",
            "★★★★★",
            "People love it.",
        ),
        ("{idea} centred in frame with space for text", "static wide shot, slow fade", "Order today", "Try it today."),
    ],
    "es": [
        (
            "Primer plano que abre con {idea}, luz de mañana, poca profundidad de campo",
            "acercamiento lento",
            "{title}",
            "¿Ya conoces {idea}?",
        ),
        (
            "Un cliente que duda en una calle concurrida, colores apagados",
            "plano medio con cámara en mano",
            "",
            "Elegir es difícil.",
        ),
        (
            "{idea} en uso, fondo limpio, reflejos cálidos",
            "órbita suave alrededor del sujeto",
            "",
            "Esto es lo que lo hace diferente.",
        ),
        (
            "Clientes felices que sonríen y asienten, luz natural",
            "cortes rápidos entre planos medios",
            "★★★★★",
            "A la gente le encanta.",
        ),
        (
            "{idea} centrado en el encuadre con espacio para texto",
            "plano general fijo, fundido lento",
            "Pide hoy",
            "Pruébalo hoy.",
        ),
    ],
    "pt": [
        (
            "Close que abre em {idea}, luz da manhã, pouca profundidade de campo",
            "aproximação lenta",
            "{title}",
            "Já conhece {idea}?",
        ),
        (
            "Um cliente indeciso numa rua movimentada, cores suaves",
            "plano médio com câmera na mão",
            "",
            "Escolher é difícil.",
        ),
        (
            "{idea} em uso, fundo limpo, brilhos quentes",
            "órbita suave ao redor do objeto",
            "",
            "Veja o que o torna diferente.",
        ),
        (
            "Clientes felizes sorrindo e concordando, luz natural",
            "cortes rápidos entre planos médios",
            "★★★★★",
            "As pessoas adoram.",
        ),
        (
            "{idea} no centro do quadro com espaço para texto",
            "plano geral fixo, fade lento",
            "Peça hoje",
            "Experimente hoje.",
        ),
    ],
    "ar": [
        ("لقطة قريبة تفتتح على {idea}، ضوء الصباح، عمق ميدان ضحل", "اقتراب بطيء", "{title}", "هل رأيت {idea}؟"),
        ("عميل متردد في شارع مزدحم، ألوان هادئة", "لقطة متوسطة بكاميرا محمولة", "", "الاختيار صعب."),
        ("{idea} أثناء الاستخدام، خلفية نظيفة، لمسات دافئة", "دوران سلس حول الموضوع", "", "إليك ما يجعله مختلفًا."),
        ("عملاء سعداء يبتسمون ويومئون، ضوء طبيعي", "قطع سريع بين لقطات متوسطة", "★★★★★", "الناس يحبونه."),
        ("{idea} في وسط الإطار مع مساحة للنص", "لقطة واسعة ثابتة، تلاشٍ بطيء", "اطلب اليوم", "جرّبه اليوم."),
    ],
    "he": [
        ("תקריב שנפתח על {idea}, אור בוקר, עומק שדה רדוד", "התקרבות איטית", "{title}", "כבר הכרתם את {idea}?"),
        ("לקוח מתלבט ברחוב הומה, צבעים רכים", "שוט בינוני במצלמת יד", "", "קשה לבחור."),
        ("{idea} בשימוש, רקע נקי, הדגשות חמות", "סיבוב חלק סביב הנושא", "", "הנה מה שעושה את ההבדל."),
        (
            "לקוחות מרוצים מחייכים ומהנהנים, אור טבעי",
            "חיתוכים מהירים בין שוטים בינוניים",
            "★★★★★",
            "אנשים אוהבים את זה.",
        ),
        ("{idea} במרכז הפריים עם מקום לטקסט", "שוט רחב קבוע, דעיכה איטית", "הזמינו היום", "נסו היום."),
    ],
}
PACE = {"professional": 5, "casual": 5, "energetic": 3, "calm": 6}
PROMPT_LEAD = {
    "en": "A {style} marketing video about {idea}, {seconds} seconds, {shots} shots:",
    "es": "Un vídeo de marketing {style} sobre {idea}, {seconds} segundos, {shots} planos:",
    "pt": "Um vídeo de marketing {style} sobre {idea}, {seconds} segundos, {shots} planos:",
    "ar": "فيديو تسويقي بأسلوب {style} عن {idea}، مدته {seconds} ثانية، في {shots} لقطات:",
    "he": "סרטון שיווקי בסגנון {style} על {idea}, {seconds} שניות, {shots} שוטים:",
}


def video_prompt(language: str, variables: dict, rng: random.Random) -> str:
    idea = " ".join(str(variables.get("idea", "")).split())[:120] or "…"
    style = str(variables.get("style") or "professional")
    title = idea[:60]
    shots = []
    for visual, camera, text, narration in SHOTS.get(language, SHOTS["en"]):
        shots.append(
            {
                "duration_seconds": PACE.get(style, 5) + rng.choice((0, 0, 1)),
                "visual": visual.format(idea=idea),
                "camera": camera,
                "on_screen_text": text.format(title=title),
                "narration": narration.format(idea=idea),
            }
        )
    seconds = sum(s["duration_seconds"] for s in shots)
    lead = PROMPT_LEAD.get(language, PROMPT_LEAD["en"]).format(
        style=style, idea=idea, seconds=seconds, shots=len(shots)
    )
    prompt = " ".join([lead, *(f"({n}) {s['visual']}, {s['camera']}." for n, s in enumerate(shots, 1))])
    return json.dumps({"title": title, "shots": shots, "prompt": prompt}, ensure_ascii=False)
