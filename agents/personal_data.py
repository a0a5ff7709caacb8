"""Personal data held by AI agents (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding("agents.Agent", not_personal=("name",), user="created_by", note="The agent's settings."),
    Holding("agents.Knowledge", note="What members gave the agent to know (business content)."),
    Holding("agents.Chunk", not_personal=("text",), note="Pieces of the knowledge, for search."),
    Holding(
        "agents.Conversation",
        contact="contact_id",
        contact_erase="delete",
        note="A visitor's or WhatsApp contact's chat with an agent; linked to the CRM contact once captured.",
    ),
    Holding(
        "agents.Message",
        personal=("content", "tool_arguments", "tool_result"),
        contact="conversation__contact_id",
        contact_erase="delete",
        user="author",
        note="What the visitor, the agent and team members wrote; tool calls (captured contact details).",
    ),
)
