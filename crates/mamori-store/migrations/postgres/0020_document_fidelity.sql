-- Regulation fidelity (issue 16): documents the regulation names, approved jointly where it says
-- so, with versions that may hold an uploaded file.
--   document.approver_roles_json: JSON array of role keys that must each approve (by distinct
--     people); NULL keeps the single `approver_role`.
--   document.parent_id: the document this one belongs to (a named document → the regulation);
--     no foreign key, so the backup's parent-first table order is unaffected.
--   document_version.approvals_json: the approvals recorded so far ([{role, user_id, label,
--     at}]); a version stays a draft until every role has approved.
--   document_version.file_*: the evidence-store file holding the version's content (docx, xlsx,
--     PDF), else NULL (a text version).
-- Keep in step with the other engine's folder (same DDL).

ALTER TABLE document ADD COLUMN approver_roles_json TEXT;
ALTER TABLE document ADD COLUMN parent_id TEXT;
ALTER TABLE document_version ADD COLUMN approvals_json TEXT;
ALTER TABLE document_version ADD COLUMN file_sha256 TEXT;
ALTER TABLE document_version ADD COLUMN file_name TEXT;
ALTER TABLE document_version ADD COLUMN file_type TEXT;
