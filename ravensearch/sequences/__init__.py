"""SendGrid sequences: send each due (dispatch, step) email once, through an outbox row
committed before the call; stop a technician's sequence; one-click unsubscribe."""
