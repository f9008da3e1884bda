-- +goose Up
-- A role that may only read, for the staff's reading commands (starter
-- emails list, starter privacy export): they connect with a login role
-- that is a member of amwaht_reader (AMWAHT_READER_DATABASE_URL), never
-- with the worker's owner credentials. Roles belong to the whole cluster:
-- created once, shared by every database on it, never dropped here. Where
-- the worker's role may not create roles, create it beforehand as a
-- superuser (docker-compose.yml's init script does).
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'amwaht_reader') THEN
        BEGIN
            CREATE ROLE amwaht_reader NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN
                NULL; -- created at the same moment for another database
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'role amwaht_reader does not exist and % may not create roles: create it once as a superuser (CREATE ROLE amwaht_reader NOLOGIN), then start the worker again', current_user;
        END;
    END IF;
END
$$;
-- +goose StatementEnd
GRANT USAGE ON SCHEMA public TO amwaht_reader;
-- Table by table: a table added later is not readable until a migration
-- says so (and internal/privacy says what it holds).
GRANT SELECT ON outbox, payments TO amwaht_reader;

-- +goose Down
REVOKE SELECT ON outbox, payments FROM amwaht_reader;
REVOKE USAGE ON SCHEMA public FROM amwaht_reader;
