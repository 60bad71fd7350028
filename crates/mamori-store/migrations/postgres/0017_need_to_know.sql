-- Need-to-know on register rows (5.12, 5.13): a 極秘 row is restricted to the roles and people
-- named here (a JSON array of "role:KEY" / "user:LOGIN"; empty: 経営責任者 and
-- 情報セキュリティ管理者). A register's view and edit roles live in register_def.def_json
-- (defaults from the templates when absent). Keep in step with the other engine's folder.

ALTER TABLE register_row ADD COLUMN restricted_to TEXT NOT NULL DEFAULT '[]';
