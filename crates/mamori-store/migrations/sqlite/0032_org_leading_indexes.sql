-- Indexes that start with the organisation for the queries the many-organisation plans showed
-- without one (BENCHMARKS.md, "Many organisations on PostgreSQL"):
-- - the requests page's event query (organisation and time) scanned every organisation's
--   request events;
-- - a session's role and permission lookups found user_role by the user and filtered the
--   organisation;
-- - the session's user was found through the login-key index with the id as a filter.
-- Keep in step with the other engine's copy.
CREATE INDEX idx_request_event_org_at ON request_event (org_id, at_ms, seq);
CREATE INDEX idx_user_role_org_user ON user_role (org_id, user_id);
CREATE UNIQUE INDEX idx_app_user_org_id ON app_user (org_id, id);
