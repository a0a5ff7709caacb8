"""Offline templates — Spanish."""

TEXTS = {
    "quotes": ("«", "»"),
    "content": {
        "open": {
            "professional": [
                "Cuando se trata de {topic}, la claridad y la fiabilidad marcan la diferencia.",
                "{topic} merece un enfoque profesional y bien pensado.",
            ],
            "casual": ["Hablemos un momento de {topic}.", "Mira, con {topic} la cosa es así."],
            "friendly": [
                "Nos alegra mucho que quieras descubrir {topic} con nosotros.",
                "¡Hola! Echemos un vistazo amable a {topic}.",
            ],
            "persuasive": [
                "Imagina lo que {topic} puede hacer por ti, desde hoy mismo.",
                "Si esperabas el momento adecuado para {topic}, es este.",
            ],
            "informative": [
                "Aquí tienes un resumen claro de {topic} y de por qué importa.",
                "Esta guía explica {topic} paso a paso.",
            ],
        },
        "points": [
            "{topic} funciona mejor cuando parte de lo que tus clientes necesitan de verdad.",
            "Una promesa clara, respaldada por detalles concretos, genera confianza más rápido que las grandes frases.",
            "Las mejoras pequeñas y constantes suman: mide lo que funciona y haz más de eso.",
            "Los ejemplos reales ayudan a imaginar {topic} en el día a día.",
            "Mantén el mensaje sencillo: una idea principal bien explicada vale más que una larga lista.",
            "Responde pronto a las preguntas frecuentes y la decisión será más fácil.",
            "La calidad y el cuidado por los detalles es lo que la gente recuerda y recomienda.",
            "Haz que el siguiente paso sea evidente: una visita, una llamada o una compra.",
            "Escuchar las opiniones mantiene {topic} vigente cuando cambian las necesidades.",
            "El momento importa: comparte tu mensaje cuando tu público esté listo para actuar.",
        ],
        "benefits": [
            "Ahorras tiempo desde el primer día",
            "Valor claro y honesto",
            "Atención de personas a las que les importa",
            "Fácil de empezar",
            "Pensado para tus necesidades",
            "Resultados que se notan",
        ],
        "close": {
            "professional": [
                "Será un placer conversar sobre cómo {topic} puede apoyar sus objetivos.",
                "Contáctenos para obtener más información.",
            ],
            "casual": ["Pruébalo, seguro que te encanta.", "Y ya está. Fácil, ¿no?"],
            "friendly": [
                "¡Tenemos muchas ganas de saber qué te parece!",
                "Gracias por leer; aquí estamos para lo que necesites.",
            ],
            "persuasive": [
                "No esperes más: el mejor momento para empezar es ahora.",
                "Da el primer paso hoy y nota la diferencia.",
            ],
            "informative": [
                "Con estos puntos en mente podrás tomar una decisión informada.",
                "En resumen: planifica, prueba y mejora paso a paso.",
            ],
        },
        "cta": {
            "professional": "Contáctenos para agendar una conversación.",
            "casual": "¡Échale un vistazo hoy!",
            "friendly": "Pásate a saludar; nos encantará ayudarte.",
            "persuasive": "Actúa ahora y empieza hoy mismo.",
            "informative": "Más información en nuestro sitio web.",
        },
        "headline": {
            "professional": "{topic}: calidad en la que puede confiar",
            "casual": "{topic}, más fácil que nunca",
            "friendly": "Te presentamos {topic}",
            "persuasive": "{topic}: la mejora que estabas esperando",
            "informative": "{topic}: lo que necesitas saber",
        },
        "hashtags": ["#PequeñosNegocios", "#Marketing", "#CompraLocal", "#Calidad", "#Novedades"],
        "email": {
            "subject_label": "Asunto",
            "subject": {
                "professional": "{topic}: una novedad para usted",
                "casual": "Una nota rápida sobre {topic}",
                "friendly": "Algo especial para ti: {topic}",
                "persuasive": "No te lo pierdas: {topic}",
                "informative": "Lo que debes saber sobre {topic}",
            },
            "greeting": {
                "professional": "Estimado cliente:",
                "casual": "¡Hola!",
                "friendly": "¡Hola, amigo!",
                "persuasive": "Hola:",
                "informative": "Hola:",
            },
            "signoff": {
                "professional": "Atentamente,",
                "casual": "¡Saludos!",
                "friendly": "Un abrazo,",
                "persuasive": "¡Hasta pronto!",
                "informative": "Saludos cordiales,",
            },
            "signature": "El equipo",
        },
        "blog": {
            "headings": [
                "Por qué importa {topic}",
                "Cómo empezar",
                "Errores comunes que debes evitar",
                "Consejos prácticos",
                "Próximos pasos",
            ],
            "conclusion": "Conclusión",
        },
    },
    "ideas": [
        {
            "title": "Tienda en línea de {niche}",
            "summary": "Vende una selección enfocada de productos de {niche} por internet. Empieza con un catálogo "
            "pequeño y usa impresión bajo demanda o dropshipping para no tener inventario.",
            "audience": "Compradores en línea interesados en {niche}",
            "steps": [
                "Elige entre 10 y 20 productos y compara proveedores",
                "Abre una tienda en una plataforma de comercio electrónico",
                "Lanza anuncios de prueba pequeños y reúne las primeras reseñas",
            ],
            "cost": (300, 2000),
        },
        {
            "title": "Consultoría y coaching de {niche}",
            "summary": "Ofrece sesiones individuales o paquetes de pago que ayuden a otras personas a lograr "
            "resultados en {niche}, a partir de tu experiencia.",
            "audience": "Principiantes y pequeñas empresas de {niche}",
            "steps": [
                "Define una oferta clara y su precio",
                "Publica una página sencilla de reservas",
                "Pide a tu red de contactos los tres primeros clientes",
            ],
            "cost": (50, 500),
        },
        {
            "title": "Curso o guía en línea sobre {niche}",
            "summary": "Convierte lo que sabes de {niche} en un curso en vídeo, un paquete de plantillas o un libro "
            "digital que se vende sin trabajo extra por cliente.",
            "audience": "Personas que quieren aprender {niche} a su ritmo",
            "steps": [
                "Organiza los módulos a partir de preguntas reales",
                "Graba una lección piloto corta",
                "Haz una preventa a una lista de espera antes de terminar",
            ],
            "cost": (100, 1500),
        },
        {
            "title": "Boletín y canal de contenidos sobre {niche}",
            "summary": "Crea una audiencia con contenido útil sobre {niche} y gana dinero con patrocinios, enlaces "
            "de afiliado y ediciones premium.",
            "audience": "Aficionados que siguen noticias y consejos de {niche}",
            "steps": [
                "Elige un canal y una frecuencia semanal",
                "Publica diez ediciones para encontrar tu estilo",
                "Añade enlaces de afiliado y busca los primeros patrocinadores",
            ],
            "cost": (0, 300),
        },
        {
            "title": "Servicio local de {niche}",
            "summary": "Ofrece un servicio práctico de {niche} en tu zona —instalación, reparaciones, clases o "
            "entregas— con reservas por teléfono o WhatsApp.",
            "audience": "Hogares y negocios cercanos",
            "steps": [
                "Enumera tus servicios y los precios de la zona",
                "Crea un perfil de empresa gratuito en servicios de mapas",
                "Ofrece un descuento de apertura a los vecinos",
            ],
            "cost": (200, 3000),
        },
        {
            "title": "Caja de suscripción de {niche}",
            "summary": "Selecciona cada mes una caja de productos de {niche} y genera ingresos recurrentes con "
            "suscriptores fieles.",
            "audience": "Fans de {niche} a quienes les gusta descubrir productos nuevos",
            "steps": [
                "Consigue cinco productos a precio mayorista",
                "Prueba una primera caja con 20 clientes",
                "Configura los pagos recurrentes",
            ],
            "cost": (1000, 5000),
        },
        {
            "title": "Reventa de {niche} en marketplaces",
            "summary": "Compra artículos de {niche} al por mayor o de segunda mano y revéndelos en los grandes "
            "marketplaces, donde ya están los compradores.",
            "audience": "Cazadores de ofertas en marketplaces",
            "steps": [
                "Investiga los artículos más vendidos y sus márgenes",
                "Compra un primer lote pequeño",
                "Haz buenas fotos y publica en dos marketplaces",
            ],
            "cost": (500, 3000),
        },
        {
            "title": "Talleres y eventos de {niche}",
            "summary": "Organiza talleres presenciales o en línea donde la gente aprenda y practique {niche} en "
            "grupo, con entradas vendidas por adelantado.",
            "audience": "Aficionados y equipos que quieren aprender {niche} practicando",
            "steps": [
                "Diseña un formato de dos horas",
                "Busca un local o usa una herramienta de videollamadas",
                "Vende entradas para un primer grupo pequeño",
            ],
            "cost": (150, 1500),
        },
    ],
    "page": {
        "audience_line": "Pensado para {audience}.",
        "cta_label": {
            "lead_generation": "Solicitar información",
            "sales": "Comprar ahora",
            "sign_up": "Regístrate gratis",
            "download": "Descargar ahora",
            "contact": "Contáctanos",
        },
        "benefits_title": "Por qué elegir {title}",
        "benefits": [
            {
                "title": "Pensado para {audience}",
                "description": "Todo está diseñado en torno a lo que necesitan {audience}: ni más ni menos.",
            },
            {
                "title": "Experiencia en {industry}",
                "description": "Conocemos {industry} y las dudas habituales, así que obtienes respuestas rápido.",
            },
            {
                "title": "Sencillo desde el principio",
                "description": "Pasos claros y sin sorpresas: siempre sabes qué viene después.",
            },
            {
                "title": "Atención real",
                "description": "Habla con personas reales que te ayudan antes, durante y después.",
            },
        ],
        "social_title": "Lo que dicen de nosotros",
        "testimonials": [
            {
                "quote": "Claro, rápido y justo lo que necesitábamos.",
                "author": "Tu cliente",
                "role": "Sustituye por una opinión real",
            },
            {
                "quote": "Respondieron a todas nuestras preguntas y nos hicieron un seguimiento personal.",
                "author": "Tu clienta",
                "role": "Sustituye por una opinión real",
            },
        ],
        "faq_title": "Preguntas frecuentes",
        "faq": [
            {"question": "¿Qué es {title}?", "answer": "{description}"},
            {"question": "¿Para quién es?", "answer": "Está pensado para {audience}."},
            {
                "question": "¿Cómo empiezo?",
                "answer": "Rellena el formulario de esta página y te responderemos en breve.",
            },
            {
                "question": "¿Hay algún compromiso?",
                "answer": "No. Haz primero tus preguntas y decide cuando estés listo.",
            },
        ],
        "cta_title": {
            "lead_generation": "¿Quieres saber más?",
            "sales": "¿Listo para comprar?",
            "sign_up": "Únete hoy",
            "download": "Consigue tu copia",
            "contact": "Hablemos",
        },
        "cta_text": "Déjanos tus datos y te responderemos en breve.",
        "form_title": {
            "lead_generation": "Solicita información",
            "sales": "Envía tu solicitud de pedido",
            "sign_up": "Reserva tu plaza",
            "download": "Recibe el enlace de descarga",
            "contact": "Envíanos un mensaje",
        },
        "form_text": "Completa el formulario y nos pondremos en contacto contigo.",
        "name_label": "Nombre",
        "email_label": "Correo electrónico",
        "phone_label": "Teléfono",
        "message_label": "Mensaje",
        "success_message": "¡Gracias! Hemos recibido tus datos y nos pondremos en contacto pronto.",
    },
    "generic": "Borrador sin conexión: {topic}",
}
