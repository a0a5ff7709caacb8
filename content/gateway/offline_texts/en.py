"""Offline templates — English."""

TEXTS = {
    "quotes": ("“", "”"),
    "content": {
        "open": {
            "professional": [
                "When it comes to {topic}, clarity and reliability make the difference.",
                "{topic} deserves a considered, professional approach.",
            ],
            "casual": ["Let's talk about {topic} for a minute.", "So, {topic} — here's the deal."],
            "friendly": [
                "We're so glad you're here to explore {topic} with us.",
                "Hello! Let's take a friendly look at {topic}.",
            ],
            "persuasive": [
                "Imagine what {topic} could do for you, starting today.",
                "If you have been waiting for the right moment for {topic}, this is it.",
            ],
            "informative": [
                "Here is a clear overview of {topic} and why it matters.",
                "This guide explains {topic} step by step.",
            ],
        },
        "points": [
            "{topic} works best when it starts from what your customers actually need.",
            "A clear promise, backed by concrete details, builds trust faster than big claims.",
            "Small, consistent improvements add up: measure what works and do more of it.",
            "Real examples help people picture {topic} in their own day.",
            "Keep the message simple: one main idea, explained well, beats a long list of features.",
            "Answer the common questions early, and the decision becomes easier.",
            "Quality and attention to detail are what people remember and recommend.",
            "Make the next step obvious, whether that is a visit, a call or a purchase.",
            "Listening to feedback keeps {topic} relevant as needs change.",
            "Good timing matters: share your message when your audience is ready to act.",
        ],
        "benefits": [
            "Saves you time from day one",
            "Clear, honest value",
            "Support from people who care",
            "Simple to get started",
            "Designed around your needs",
            "Results you can see",
        ],
        "close": {
            "professional": [
                "We would be pleased to discuss how {topic} can support your goals.",
                "Get in touch to learn more.",
            ],
            "casual": ["Give it a try — you might love it.", "That's it. Easy, right?"],
            "friendly": [
                "We can't wait to hear what you think!",
                "Thanks for reading — we're here if you need anything.",
            ],
            "persuasive": [
                "Don't wait: the best time to start is now.",
                "Take the first step today and see the difference.",
            ],
            "informative": [
                "With these points in mind, you can make an informed decision.",
                "In short: plan, test and improve step by step.",
            ],
        },
        "cta": {
            "professional": "Contact us to schedule a conversation.",
            "casual": "Check it out today!",
            "friendly": "Come say hello — we'd love to help.",
            "persuasive": "Act now and get started today.",
            "informative": "Learn more on our website.",
        },
        "headline": {
            "professional": "{topic}: quality you can rely on",
            "casual": "{topic}, made easy",
            "friendly": "Say hello to {topic}",
            "persuasive": "{topic}: the upgrade you've been waiting for",
            "informative": "{topic}: what you need to know",
        },
        "hashtags": ["#SmallBusiness", "#Marketing", "#ShopLocal", "#Quality", "#NewArrival"],
        "email": {
            "subject_label": "Subject",
            "subject": {
                "professional": "{topic}: an update for you",
                "casual": "Quick note about {topic}",
                "friendly": "Something nice for you: {topic}",
                "persuasive": "Don't miss this: {topic}",
                "informative": "What you should know about {topic}",
            },
            "greeting": {
                "professional": "Dear customer,",
                "casual": "Hi there,",
                "friendly": "Hello friend,",
                "persuasive": "Hi,",
                "informative": "Hello,",
            },
            "signoff": {
                "professional": "Kind regards,",
                "casual": "Cheers,",
                "friendly": "Warm wishes,",
                "persuasive": "See you soon,",
                "informative": "Best regards,",
            },
            "signature": "The team",
        },
        "blog": {
            "headings": [
                "Why {topic} matters",
                "Getting started",
                "Common mistakes to avoid",
                "Practical tips",
                "What comes next",
            ],
            "conclusion": "Conclusion",
        },
    },
    "ideas": [
        {
            "title": "Online shop for {niche}",
            "summary": "Sell a focused range of {niche} products online. Start with a small catalogue and use "
            "print-on-demand or dropshipping so you do not have to hold stock.",
            "audience": "Online shoppers interested in {niche}",
            "steps": [
                "Pick 10–20 products and compare suppliers",
                "Open a store on an e-commerce platform",
                "Run small test ads and collect first reviews",
            ],
            "cost": (300, 2000),
        },
        {
            "title": "{niche} consulting and coaching",
            "summary": "Offer paid one-to-one sessions or packages that help people get results in {niche}, "
            "based on your own experience.",
            "audience": "Beginners and small businesses in {niche}",
            "steps": [
                "Define one clear offer and its price",
                "Publish a simple booking page",
                "Ask your network for the first three clients",
            ],
            "cost": (50, 500),
        },
        {
            "title": "Online course or guide about {niche}",
            "summary": "Package what you know about {niche} into a video course, template pack or e-book that "
            "sells without extra work per customer.",
            "audience": "People who want to learn {niche} at their own pace",
            "steps": [
                "Outline the modules from real questions people ask",
                "Record a short pilot lesson",
                "Pre-sell to a waiting list before finishing",
            ],
            "cost": (100, 1500),
        },
        {
            "title": "{niche} newsletter and content channel",
            "summary": "Build an audience with useful {niche} content, then earn from sponsorships, affiliate "
            "links and premium issues.",
            "audience": "Enthusiasts who follow {niche} news and tips",
            "steps": [
                "Choose one channel and a weekly schedule",
                "Publish ten issues to find your voice",
                "Add affiliate links and pitch the first sponsors",
            ],
            "cost": (0, 300),
        },
        {
            "title": "Local {niche} service",
            "summary": "Provide a hands-on {niche} service in your area — set-up, repairs, classes or delivery — "
            "with bookings by phone or WhatsApp.",
            "audience": "Households and businesses nearby",
            "steps": [
                "List your services and local prices",
                "Create a free business profile on map services",
                "Offer an opening discount to neighbours",
            ],
            "cost": (200, 3000),
        },
        {
            "title": "{niche} subscription box",
            "summary": "Curate a monthly box of {niche} products and build recurring revenue from loyal subscribers.",
            "audience": "Fans of {niche} who enjoy discovering new products",
            "steps": [
                "Source five products at wholesale prices",
                "Test a first box with 20 customers",
                "Set up recurring payments",
            ],
            "cost": (1000, 5000),
        },
        {
            "title": "Reselling {niche} on marketplaces",
            "summary": "Buy {niche} items in bulk or second-hand and resell them on large online marketplaces, "
            "where the buyers already are.",
            "audience": "Bargain hunters on online marketplaces",
            "steps": [
                "Research best-selling items and their margins",
                "Buy a small first batch",
                "Take good photos and list on two marketplaces",
            ],
            "cost": (500, 3000),
        },
        {
            "title": "{niche} workshops and events",
            "summary": "Run in-person or online workshops where people learn and practise {niche} together, "
            "with tickets sold in advance.",
            "audience": "Hobbyists and teams who want hands-on learning in {niche}",
            "steps": [
                "Plan a two-hour format",
                "Find a venue or use a video-call tool",
                "Sell tickets to a small first group",
            ],
            "cost": (150, 1500),
        },
    ],
    "page": {
        "audience_line": "Made for {audience}.",
        "cta_label": {
            "lead_generation": "Request information",
            "sales": "Order now",
            "sign_up": "Sign up free",
            "download": "Get the download",
            "contact": "Contact us",
        },
        "benefits_title": "Why choose {title}",
        "benefits": [
            {
                "title": "Made for {audience}",
                "description": "Everything is designed around what {audience} need — nothing more, nothing less.",
            },
            {
                "title": "Experience in {industry}",
                "description": "We know {industry} and the questions that come up, so you get answers quickly.",
            },
            {
                "title": "Simple from the start",
                "description": "Clear steps and no surprises: you always know what happens next.",
            },
            {
                "title": "Real support",
                "description": "Talk to real people who help you before, during and after.",
            },
        ],
        "social_title": "What people say",
        "testimonials": [
            {
                "quote": "Clear, fast and exactly what we needed.",
                "author": "Your customer",
                "role": "Replace with a real review",
            },
            {
                "quote": "They answered every question and followed up personally.",
                "author": "Your client",
                "role": "Replace with a real review",
            },
        ],
        "faq_title": "Frequently asked questions",
        "faq": [
            {"question": "What is {title}?", "answer": "{description}"},
            {"question": "Who is it for?", "answer": "It is made for {audience}."},
            {
                "question": "How do I get started?",
                "answer": "Fill in the form on this page and we will get back to you shortly.",
            },
            {
                "question": "Is there any obligation?",
                "answer": "No. Ask your questions first and decide when you are ready.",
            },
        ],
        "cta_title": {
            "lead_generation": "Ready to learn more?",
            "sales": "Ready to order?",
            "sign_up": "Join today",
            "download": "Get your copy",
            "contact": "Let's talk",
        },
        "cta_text": "Leave your details and we will get back to you shortly.",
        "form_title": {
            "lead_generation": "Request information",
            "sales": "Send your order request",
            "sign_up": "Save your spot",
            "download": "Get the download link",
            "contact": "Send us a message",
        },
        "form_text": "Fill in the form and we will get back to you.",
        "name_label": "Name",
        "email_label": "E-mail",
        "phone_label": "Phone",
        "message_label": "Message",
        "success_message": "Thank you! We have received your details and will be in touch soon.",
    },
    "generic": "Offline draft: {topic}",
}
