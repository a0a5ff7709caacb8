"""What an agent says by itself, in each of its languages (the same keys in
every language — a test checks): the offline provider's sentences and the
notices visitors get when the agent cannot answer. Arabic and Hebrew in
their own scripts. Kept here (not in gettext catalogues) because they are
spoken in the *agent's* or *contact's* language, never the member's."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "placeholder": "Type your message…",
        "send": "Send",
        "open": "Chat with us",
        "close": "Close",
        "error": "Something went wrong. Please try again.",
        "wait": "Too many messages. Please wait a moment.",
        "dont_know": "I don't know the answer to that from the information I have.",
        "handoff_offer": "Would you like me to pass your question to a person on our team?",
        "handoff_started": "I'm passing this conversation to a person on our team. They will answer you here.",
        "lead_saved": "Thank you! I saved your contact details and our team will get back to you.",
        "paused": "A person from our team is handling this conversation and will answer you here.",
        "unavailable": "Sorry, I can't answer right now. A person from our team will get back to you.",
        "refusal": "I can't share that. I can help with questions about our products and services.",
        "order_unknown": "I couldn't find an order with that number and e-mail address.",
        "order_status": "Order %(number)s: %(status)s.",
        "tracking": "Tracking: %(tracking)s.",
        "sources": "Source",
    },
    "es": {
        "placeholder": "Escribe tu mensaje…",
        "send": "Enviar",
        "open": "Chatea con nosotros",
        "close": "Cerrar",
        "error": "Algo salió mal. Inténtalo de nuevo.",
        "wait": "Demasiados mensajes. Espera un momento.",
        "dont_know": "No sé la respuesta a eso con la información que tengo.",
        "handoff_offer": "¿Quieres que pase tu pregunta a una persona de nuestro equipo?",
        "handoff_started": "Paso esta conversación a una persona de nuestro equipo. Te responderá aquí.",
        "lead_saved": "¡Gracias! Guardé tus datos de contacto y nuestro equipo se pondrá en contacto contigo.",
        "paused": "Una persona de nuestro equipo atiende esta conversación y te responderá aquí.",
        "unavailable": "Lo siento, ahora no puedo responder. Una persona de nuestro equipo te contactará.",
        "refusal": "No puedo compartir eso. Puedo ayudarte con preguntas sobre nuestros productos y servicios.",
        "order_unknown": "No encontré ningún pedido con ese número y correo electrónico.",
        "order_status": "Pedido %(number)s: %(status)s.",
        "tracking": "Seguimiento: %(tracking)s.",
        "sources": "Fuente",
    },
    "pt": {
        "placeholder": "Digite sua mensagem…",
        "send": "Enviar",
        "open": "Fale conosco",
        "close": "Fechar",
        "error": "Algo deu errado. Tente novamente.",
        "wait": "Mensagens demais. Aguarde um momento.",
        "dont_know": "Não sei a resposta para isso com as informações que tenho.",
        "handoff_offer": "Quer que eu passe sua pergunta para uma pessoa da nossa equipe?",
        "handoff_started": "Estou passando esta conversa para uma pessoa da nossa equipe. Ela responderá aqui.",
        "lead_saved": "Obrigado! Salvei seus dados de contato e nossa equipe entrará em contato.",
        "paused": "Uma pessoa da nossa equipe está cuidando desta conversa e responderá aqui.",
        "unavailable": "Desculpe, não posso responder agora. Uma pessoa da nossa equipe entrará em contato.",
        "refusal": "Não posso compartilhar isso. Posso ajudar com perguntas sobre nossos produtos e serviços.",
        "order_unknown": "Não encontrei nenhum pedido com esse número e e-mail.",
        "order_status": "Pedido %(number)s: %(status)s.",
        "tracking": "Rastreamento: %(tracking)s.",
        "sources": "Fonte",
    },
    "ar": {
        "placeholder": "اكتب رسالتك…",
        "send": "إرسال",
        "open": "تحدث معنا",
        "close": "إغلاق",
        "error": "حدث خطأ ما. حاول مرة أخرى.",
        "wait": "رسائل كثيرة جدًا. انتظر لحظة.",
        "dont_know": "لا أعرف الإجابة عن ذلك من المعلومات المتوفرة لدي.",
        "handoff_offer": "هل تريد أن أحوّل سؤالك إلى أحد أعضاء فريقنا؟",
        "handoff_started": "سأحوّل هذه المحادثة إلى أحد أعضاء فريقنا، وسيرد عليك هنا.",
        "lead_saved": "شكرًا لك! حفظت بيانات الاتصال الخاصة بك وسيتواصل معك فريقنا.",
        "paused": "يتولى أحد أعضاء فريقنا هذه المحادثة وسيرد عليك هنا.",
        "unavailable": "عذرًا، لا يمكنني الرد الآن. سيتواصل معك أحد أعضاء فريقنا.",
        "refusal": "لا يمكنني مشاركة ذلك. يمكنني المساعدة في الأسئلة حول منتجاتنا وخدماتنا.",
        "order_unknown": "لم أجد طلبًا بهذا الرقم وهذا البريد الإلكتروني.",
        "order_status": "الطلب %(number)s: %(status)s.",
        "tracking": "التتبع: %(tracking)s.",
        "sources": "المصدر",
    },
    "he": {
        "placeholder": "הקלידו הודעה…",
        "send": "שליחה",
        "open": "דברו איתנו",
        "close": "סגירה",
        "error": "משהו השתבש. נסו שוב.",
        "wait": "יותר מדי הודעות. המתינו רגע.",
        "dont_know": "אני לא יודע את התשובה לכך מהמידע שיש לי.",
        "handoff_offer": "האם להעביר את השאלה שלך לאדם מהצוות שלנו?",
        "handoff_started": "אני מעביר את השיחה הזו לאדם מהצוות שלנו. הוא יענה לך כאן.",
        "lead_saved": "תודה! שמרתי את פרטי הקשר שלך והצוות שלנו יחזור אליך.",
        "paused": "אדם מהצוות שלנו מטפל בשיחה הזו ויענה לך כאן.",
        "unavailable": "מצטערים, אינני יכול לענות כרגע. אדם מהצוות שלנו יחזור אליך.",
        "refusal": "אינני יכול לשתף את זה. אוכל לעזור בשאלות על המוצרים והשירותים שלנו.",
        "order_unknown": "לא מצאתי הזמנה עם המספר וכתובת הדוא״ל האלה.",
        "order_status": "הזמנה %(number)s: %(status)s.",
        "tracking": "מעקב: %(tracking)s.",
        "sources": "מקור",
    },
}

# Words asking for a person, per language (folded: lower case, no accents).
HUMAN_WORDS = {
    "en": ("human", "person", "agent", "representative", "someone real"),
    "es": ("humano", "persona", "agente", "representante"),
    "pt": ("humano", "pessoa", "atendente", "representante"),
    "ar": ("انسان", "إنسان", "موظف", "شخص حقيقي"),
    "he": ("נציג", "בן אדם", "אדם אמיתי"),
}


def text(language: str, key: str) -> str:
    return TEXTS.get(language, TEXTS["en"]).get(key) or TEXTS["en"][key]
