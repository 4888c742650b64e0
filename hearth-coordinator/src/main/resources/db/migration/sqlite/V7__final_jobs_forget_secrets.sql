-- A final job (completed, failed, cancelled) never runs again, so its secrets' values leave the stored spec the
-- moment it becomes final; their names stay (the spec still says which secrets it had). A job requeued for a retry
-- is not final and keeps them. A trigger, so that every path to a final state drops them, those added later too.
-- The spec is StoredSpec's JSON: {"spec": {..., "secrets": {"NAME": "value"}}, ...}.

CREATE TRIGGER jobs_final_forget_secrets
AFTER UPDATE OF state ON jobs
WHEN NEW.state IN ('COMPLETED', 'FAILED', 'CANCELLED')
     -- CASE, not AND: SQLite evaluates it lazily, so a spec that is not JSON (never written so by the coordinator,
     -- but possible in a damaged database) cannot make the state change itself fail
     AND CASE WHEN json_valid(NEW.spec_json) THEN json_type(NEW.spec_json, '$.spec.secrets') = 'object' ELSE 0 END
BEGIN
    UPDATE jobs
       SET spec_json = json_set(spec_json, '$.spec.secrets',
                                json((SELECT json_group_object(key, '') FROM json_each(NEW.spec_json, '$.spec.secrets'))))
     WHERE id = NEW.id;
END;

-- Jobs that were final before this version.
UPDATE jobs
   SET spec_json = json_set(spec_json, '$.spec.secrets',
                            json((SELECT json_group_object(e.key, '') FROM json_each(jobs.spec_json, '$.spec.secrets') e)))
 WHERE state IN ('COMPLETED', 'FAILED', 'CANCELLED')
   AND CASE WHEN json_valid(spec_json) THEN json_type(spec_json, '$.spec.secrets') = 'object' ELSE 0 END;
