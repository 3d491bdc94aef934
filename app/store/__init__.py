"""All storage: the tables, the engine and its transactions, bulk inserts, and the writers and
readers of ingested records, ingest runs, link results, API keys, the audit log, browser
sessions, alerts, digest subscriptions and the outbox, and the reads `matching` answers from:
firms (pages, search, what a check reports), the review queue, judgements, the records to link
and the exports.

The dependency runs one way: app/routes, app/web and app/cli call ingest/ and matching/, which
call app/store; app/store imports neither (a linked record is a protocol here, not matching's
class). A store function takes the caller's `conn` or `session` and never commits: the caller
opens one transaction (`engine.transaction` for Core, `engine.unit_of_work` for the ORM;
`engine.reading` to read only) and passes it down. Those that own a transaction on purpose say
why.
"""
