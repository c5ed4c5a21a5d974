"""SendGrid v3 adapter: mail send, the signed Event Webhook and Inbound Parse; no domain."""
