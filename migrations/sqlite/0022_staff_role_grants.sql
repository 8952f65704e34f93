-- When each role was granted: a request that asks the medical or the
-- administrator role is validated only by an administrator who already was
-- one when it was made (one administrator must not make a second account
-- to approve his own requests). Roles held before keep their account's
-- creation time.
ALTER TABLE staff_roles ADD COLUMN granted_at TEXT;
UPDATE staff_roles SET granted_at = (SELECT created_at FROM staff WHERE staff.id = staff_roles.staff_id);
