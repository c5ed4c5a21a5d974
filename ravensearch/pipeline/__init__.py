"""The recruiting pipeline after a reply: stages, automatic moves from Instantly's interest
events (never backwards), manual moves by an admin, and the history of every move."""
