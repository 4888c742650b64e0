-- Key scopes: what part of its role's rights an API key keeps, as a space-separated list of scope names
-- (jobs:read jobs:write ...). Empty: the role's full rights, as every key made before this migration has.
-- Same PostgreSQL-shared subset as V1.

ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
