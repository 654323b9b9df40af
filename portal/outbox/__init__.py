"""The outbox: messages to providers and the national choice register, and the dispatcher that delivers them."""
