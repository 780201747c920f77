"""Everything LINE: the webhook (verify, store, 200), the Messaging API client, message
and Flex builders clipped to LINE's limits, the outbox (reply token first, push with a
retry key) and the rich menu. The rest of bot/ speaks to LINE only through here."""
