"""Offline templates — Portuguese."""

TEXTS = {
    "quotes": ("“", "”"),
    "content": {
        "open": {
            "professional": [
                "Quando o assunto é {topic}, clareza e confiabilidade fazem a diferença.",
                "{topic} merece uma abordagem profissional e bem pensada.",
            ],
            "casual": ["Vamos falar um pouco sobre {topic}.", "Então, sobre {topic}, é assim:"],
            "friendly": [
                "Que bom que você veio descobrir {topic} com a gente.",
                "Olá! Vamos dar uma olhada tranquila em {topic}.",
            ],
            "persuasive": [
                "Imagine o que {topic} pode fazer por você, a partir de hoje.",
                "Se você esperava o momento certo para {topic}, ele chegou.",
            ],
            "informative": [
                "Aqui está um panorama claro de {topic} e por que isso importa.",
                "Este guia explica {topic} passo a passo.",
            ],
        },
        "points": [
            "{topic} funciona melhor quando parte do que seus clientes realmente precisam.",
            "Uma promessa clara, com detalhes concretos, gera confiança mais rápido do que grandes frases.",
            "Pequenas melhorias constantes somam: meça o que funciona e faça mais disso.",
            "Exemplos reais ajudam as pessoas a imaginar {topic} no dia a dia.",
            "Mantenha a mensagem simples: uma ideia principal bem explicada vale mais que uma longa lista.",
            "Responda cedo às perguntas frequentes e a decisão fica mais fácil.",
            "Qualidade e cuidado com os detalhes são o que as pessoas lembram e recomendam.",
            "Deixe o próximo passo óbvio: uma visita, uma ligação ou uma compra.",
            "Ouvir as opiniões mantém {topic} relevante quando as necessidades mudam.",
            "O momento certo importa: compartilhe sua mensagem quando o público estiver pronto para agir.",
        ],
        "benefits": [
            "Economiza tempo desde o primeiro dia",
            "Valor claro e honesto",
            "Atendimento de quem se importa",
            "Fácil de começar",
            "Pensado para as suas necessidades",
            "Resultados que aparecem",
        ],
        "close": {
            "professional": [
                "Teremos prazer em conversar sobre como {topic} pode apoiar seus objetivos.",
                "Entre em contato para saber mais.",
            ],
            "casual": ["Experimente, você vai curtir.", "É isso. Fácil, né?"],
            "friendly": [
                "Estamos ansiosos para saber o que você achou!",
                "Obrigado pela leitura; estamos aqui para o que precisar.",
            ],
            "persuasive": [
                "Não espere: a melhor hora para começar é agora.",
                "Dê o primeiro passo hoje e veja a diferença.",
            ],
            "informative": [
                "Com esses pontos em mente, você pode tomar uma decisão informada.",
                "Em resumo: planeje, teste e melhore passo a passo.",
            ],
        },
        "cta": {
            "professional": "Fale conosco para agendar uma conversa.",
            "casual": "Confira hoje mesmo!",
            "friendly": "Venha dizer olá; vamos adorar ajudar.",
            "persuasive": "Aja agora e comece hoje.",
            "informative": "Saiba mais em nosso site.",
        },
        "headline": {
            "professional": "{topic}: qualidade em que você pode confiar",
            "casual": "{topic}, do jeito fácil",
            "friendly": "Conheça {topic}",
            "persuasive": "{topic}: a melhoria que você esperava",
            "informative": "{topic}: o que você precisa saber",
        },
        "hashtags": ["#PequenosNegócios", "#Marketing", "#CompreLocal", "#Qualidade", "#Novidade"],
        "email": {
            "subject_label": "Assunto",
            "subject": {
                "professional": "{topic}: uma novidade para você",
                "casual": "Um recado rápido sobre {topic}",
                "friendly": "Algo especial para você: {topic}",
                "persuasive": "Não perca: {topic}",
                "informative": "O que você precisa saber sobre {topic}",
            },
            "greeting": {
                "professional": "Prezado cliente,",
                "casual": "Oi,",
                "friendly": "Olá, amigo,",
                "persuasive": "Olá,",
                "informative": "Olá,",
            },
            "signoff": {
                "professional": "Atenciosamente,",
                "casual": "Abraços,",
                "friendly": "Um grande abraço,",
                "persuasive": "Até logo,",
                "informative": "Cordialmente,",
            },
            "signature": "A equipe",
        },
        "blog": {
            "headings": [
                "Por que {topic} importa",
                "Como começar",
                "Erros comuns a evitar",
                "Dicas práticas",
                "Próximos passos",
            ],
            "conclusion": "Conclusão",
        },
    },
    "ideas": [
        {
            "title": "Loja on-line de {niche}",
            "summary": "Venda uma seleção focada de produtos de {niche} pela internet. Comece com um catálogo "
            "pequeno e use impressão sob demanda ou dropshipping para não manter estoque.",
            "audience": "Compradores on-line interessados em {niche}",
            "steps": [
                "Escolha de 10 a 20 produtos e compare fornecedores",
                "Abra uma loja em uma plataforma de e-commerce",
                "Faça pequenos anúncios de teste e colete as primeiras avaliações",
            ],
            "cost": (300, 2000),
        },
        {
            "title": "Consultoria e mentoria em {niche}",
            "summary": "Ofereça sessões individuais ou pacotes pagos que ajudem as pessoas a obter resultados "
            "em {niche}, com base na sua experiência.",
            "audience": "Iniciantes e pequenas empresas de {niche}",
            "steps": [
                "Defina uma oferta clara e o preço",
                "Publique uma página simples de agendamento",
                "Peça à sua rede de contatos os três primeiros clientes",
            ],
            "cost": (50, 500),
        },
        {
            "title": "Curso ou guia on-line sobre {niche}",
            "summary": "Transforme o que você sabe sobre {niche} em um curso em vídeo, um pacote de modelos ou um "
            "e-book que vende sem trabalho extra por cliente.",
            "audience": "Pessoas que querem aprender {niche} no próprio ritmo",
            "steps": [
                "Organize os módulos a partir de perguntas reais",
                "Grave uma aula piloto curta",
                "Faça pré-venda para uma lista de espera antes de terminar",
            ],
            "cost": (100, 1500),
        },
        {
            "title": "Newsletter e canal de conteúdo sobre {niche}",
            "summary": "Construa uma audiência com conteúdo útil sobre {niche} e ganhe com patrocínios, links "
            "de afiliado e edições premium.",
            "audience": "Entusiastas que acompanham notícias e dicas de {niche}",
            "steps": [
                "Escolha um canal e uma frequência semanal",
                "Publique dez edições para encontrar seu estilo",
                "Adicione links de afiliado e procure os primeiros patrocinadores",
            ],
            "cost": (0, 300),
        },
        {
            "title": "Serviço local de {niche}",
            "summary": "Ofereça um serviço prático de {niche} na sua região — instalação, consertos, aulas ou "
            "entregas — com agendamento por telefone ou WhatsApp.",
            "audience": "Casas e empresas da vizinhança",
            "steps": [
                "Liste seus serviços e os preços da região",
                "Crie um perfil gratuito da empresa em serviços de mapas",
                "Ofereça um desconto de inauguração aos vizinhos",
            ],
            "cost": (200, 3000),
        },
        {
            "title": "Caixa de assinatura de {niche}",
            "summary": "Monte todo mês uma caixa com produtos de {niche} e crie receita recorrente com "
            "assinantes fiéis.",
            "audience": "Fãs de {niche} que gostam de descobrir produtos novos",
            "steps": [
                "Consiga cinco produtos a preço de atacado",
                "Teste uma primeira caixa com 20 clientes",
                "Configure pagamentos recorrentes",
            ],
            "cost": (1000, 5000),
        },
        {
            "title": "Revenda de {niche} em marketplaces",
            "summary": "Compre itens de {niche} no atacado ou usados e revenda nos grandes marketplaces, onde os "
            "compradores já estão.",
            "audience": "Caçadores de ofertas em marketplaces",
            "steps": [
                "Pesquise os itens mais vendidos e suas margens",
                "Compre um primeiro lote pequeno",
                "Tire boas fotos e anuncie em dois marketplaces",
            ],
            "cost": (500, 3000),
        },
        {
            "title": "Oficinas e eventos de {niche}",
            "summary": "Organize oficinas presenciais ou on-line em que as pessoas aprendem e praticam {niche} "
            "juntas, com ingressos vendidos antecipadamente.",
            "audience": "Entusiastas e equipes que querem aprender {niche} na prática",
            "steps": [
                "Planeje um formato de duas horas",
                "Encontre um espaço ou use uma ferramenta de videochamada",
                "Venda ingressos para um primeiro grupo pequeno",
            ],
            "cost": (150, 1500),
        },
    ],
    "page": {
        "audience_line": "Feito para {audience}.",
        "cta_label": {
            "lead_generation": "Quero mais informações",
            "sales": "Comprar agora",
            "sign_up": "Cadastre-se grátis",
            "download": "Baixar agora",
            "contact": "Fale conosco",
        },
        "benefits_title": "Por que escolher {title}",
        "benefits": [
            {
                "title": "Feito para {audience}",
                "description": "Tudo foi pensado em torno do que {audience} precisam — nem mais, nem menos.",
            },
            {
                "title": "Experiência em {industry}",
                "description": "Conhecemos {industry} e as dúvidas mais comuns, então você recebe respostas rápidas.",
            },
            {
                "title": "Simples desde o início",
                "description": "Passos claros e sem surpresas: você sempre sabe o que vem depois.",
            },
            {
                "title": "Atendimento de verdade",
                "description": "Fale com pessoas reais que ajudam antes, durante e depois.",
            },
        ],
        "social_title": "O que dizem sobre nós",
        "testimonials": [
            {
                "quote": "Claro, rápido e exatamente o que precisávamos.",
                "author": "Seu cliente",
                "role": "Substitua por uma avaliação real",
            },
            {
                "quote": "Responderam a todas as perguntas e acompanharam tudo pessoalmente.",
                "author": "Sua cliente",
                "role": "Substitua por uma avaliação real",
            },
        ],
        "faq_title": "Perguntas frequentes",
        "faq": [
            {"question": "O que é {title}?", "answer": "{description}"},
            {"question": "Para quem é?", "answer": "É feito para {audience}."},
            {
                "question": "Como começo?",
                "answer": "Preencha o formulário desta página e entraremos em contato em breve.",
            },
            {
                "question": "Existe algum compromisso?",
                "answer": "Não. Tire suas dúvidas primeiro e decida quando estiver pronto.",
            },
        ],
        "cta_title": {
            "lead_generation": "Quer saber mais?",
            "sales": "Pronto para comprar?",
            "sign_up": "Junte-se hoje",
            "download": "Garanta sua cópia",
            "contact": "Vamos conversar",
        },
        "cta_text": "Deixe seus dados e entraremos em contato em breve.",
        "form_title": {
            "lead_generation": "Solicite informações",
            "sales": "Envie seu pedido",
            "sign_up": "Garanta sua vaga",
            "download": "Receba o link de download",
            "contact": "Envie uma mensagem",
        },
        "form_text": "Preencha o formulário e entraremos em contato.",
        "name_label": "Nome",
        "email_label": "E-mail",
        "phone_label": "Telefone",
        "message_label": "Mensagem",
        "success_message": "Obrigado! Recebemos seus dados e entraremos em contato em breve.",
    },
    "generic": "Rascunho off-line: {topic}",
}
