-- Live updates (the workbench's server-sent events): every change of the case read model is announced on
-- the channel "jiesu_cases" when its transaction commits, to every API process that listens. The payload is
-- the changed case numbers, comma-separated, or "*" when a statement changed too many to list (bulk loads).
-- Statement-level triggers with transition tables: one notification per statement, however many rows.
CREATE FUNCTION jiesu_cases_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n integer;
  payload text;
BEGIN
  SELECT count(*), string_agg(case_no, ',') INTO n, payload FROM (SELECT case_no FROM changed LIMIT 100) c;
  IF n = 0 THEN
    RETURN NULL;
  END IF;
  IF n >= 100 OR octet_length(payload) > 7000 THEN
    payload := '*';
  END IF;
  PERFORM pg_notify('jiesu_cases', payload);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER cases_inserted_notify AFTER INSERT ON cases REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION jiesu_cases_changed();--> statement-breakpoint
CREATE TRIGGER cases_updated_notify AFTER UPDATE ON cases REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION jiesu_cases_changed();
