-- A final job (completed, failed, cancelled) never runs again, so its secrets' values leave the stored spec the
-- moment it becomes final; their names stay. PostgreSQL dialect of sqlite/V7: a BEFORE trigger rewrites the new row
-- (jsonb in, text out: key order and spacing may change, the JSON value does not). A spec that is not JSON (never
-- written so by the coordinator, but possible in a damaged database) is left alone rather than failing the update.
-- The spec is StoredSpec's JSON: {"spec": {..., "secrets": {"NAME": "value"}}, ...}.

CREATE FUNCTION hearth_forget_secrets(spec TEXT) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    doc jsonb;
BEGIN
    BEGIN
        doc := spec::jsonb;
    EXCEPTION WHEN invalid_text_representation THEN
        RETURN spec;
    END;
    IF jsonb_typeof(doc #> '{spec,secrets}') IS DISTINCT FROM 'object' THEN
        RETURN spec;
    END IF;
    RETURN jsonb_set(doc, '{spec,secrets}',
                     COALESCE((SELECT jsonb_object_agg(key, '') FROM jsonb_each(doc #> '{spec,secrets}')),
                              '{}'::jsonb))::text;
END;
$$;

CREATE FUNCTION jobs_final_forget_secrets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.spec_json := hearth_forget_secrets(NEW.spec_json);
    RETURN NEW;
END;
$$;

CREATE TRIGGER jobs_final_forget_secrets
BEFORE UPDATE OF state ON jobs
FOR EACH ROW
WHEN (NEW.state IN ('COMPLETED', 'FAILED', 'CANCELLED'))
EXECUTE FUNCTION jobs_final_forget_secrets();

-- Jobs that were final before this version.
UPDATE jobs SET spec_json = hearth_forget_secrets(spec_json) WHERE state IN ('COMPLETED', 'FAILED', 'CANCELLED');
