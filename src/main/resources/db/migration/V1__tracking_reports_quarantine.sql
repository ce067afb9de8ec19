-- Portcullis shared store: what several nodes write so that track, report and the dashboard see them all.
-- Each node keeps its own spool and message bodies; only these facts are shared.

-- One row per tracking event. Partitioned by UTC day: the writer creates each day's partition ahead
-- (tracking_events_YYYYMMDD) and drops those older than tracking.retention.
-- (node, event_id) is unique per event: a batch sent again after a crash inserts nothing twice.
CREATE TABLE tracking_events (
    time        timestamptz NOT NULL,
    node        text        NOT NULL,
    event_id    uuid        NOT NULL,
    event       text        NOT NULL,
    queue_id    text,
    message_id  text,
    listener    text,
    flow        text,
    client      text,
    sender      text,
    recipients  text[],
    size        bigint,
    connector   text,
    remote_host text,
    reply       text,
    reason      text,
    helo        text,
    phase       text,
    check_name  text,
    tls         text,
    PRIMARY KEY (time, node, event_id)
) PARTITION BY RANGE (time);

CREATE INDEX tracking_events_queue ON tracking_events (queue_id, node);
CREATE INDEX tracking_events_sender ON tracking_events (lower(sender));
CREATE INDEX tracking_events_message_id ON tracking_events (message_id);
CREATE INDEX tracking_events_recipients ON tracking_events USING gin (recipients);

-- Report figures per node, UTC hour and flow: each node upserts its own absolute figures (so a
-- write sent twice changes nothing); a report sums the nodes.
CREATE TABLE report_hours (
    node       text        NOT NULL,
    hour       timestamptz NOT NULL,
    flow       text        NOT NULL,
    messages   bigint      NOT NULL DEFAULT 0,
    recipients bigint      NOT NULL DEFAULT 0,
    bytes      bigint      NOT NULL DEFAULT 0,
    delivered  bigint      NOT NULL DEFAULT 0,
    deferred   bigint      NOT NULL DEFAULT 0,
    bounced    bigint      NOT NULL DEFAULT 0,
    expired    bigint      NOT NULL DEFAULT 0,
    rejects    jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (hour, flow, node)
);

-- The quarantine's metadata, one row per held message on its node; the body stays on that node.
CREATE TABLE quarantine_entries (
    node       text        NOT NULL,
    id         text        NOT NULL,
    category   text        NOT NULL,
    reason     text,
    score      double precision,
    sender     text,
    recipients jsonb       NOT NULL,
    subject    text,
    arrival    timestamptz NOT NULL,
    expires    timestamptz NOT NULL,
    size       bigint      NOT NULL,
    listener   text,
    flow       text,
    message_id text,
    PRIMARY KEY (node, id)
);

CREATE INDEX quarantine_entries_arrival ON quarantine_entries (arrival DESC);
