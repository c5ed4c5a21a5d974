"""What the admin should look at: replies, bounces, unsubscribes, account errors, completions."""
