// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.JobWatch;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinators on one PostgreSQL database tell each other of changed jobs with {@code NOTIFY hearth_jobs}, and pick
 * the one that decides liveness with a session advisory lock: no new infrastructure.
 *
 * <p><b>Announcing.</b> {@link #announce} only queues ids (bounded: {@value #QUEUE} ids); a sender thread sends them
 * in batches, each a {@code pg_notify} whose payload is this store's origin and up to {@value #PAYLOAD_CHARS}
 * characters of comma-separated ids, after the change committed. Should the queue overflow or a send fail, the ids
 * are dropped and {@code ORIGIN:*} is sent instead: "read everything again".
 *
 * <p><b>Listening.</b> A listener thread holds one connection of its own outside the pool, {@code LISTEN}s, and
 * tells the watchers of each id another origin announced ({@code *}: {@link JobWatch#missed()}). Notifications sent
 * while it was not listening are lost, so after a lost connection it reconnects (every second) and tells the
 * watchers they missed changes; and since an announcement dies with a coordinator killed between its commit and its
 * send, the watchers are also told so every {@link #RESYNC_EVERY}.
 *
 * <p><b>Deciding.</b> On the same connection the listener takes {@code pg_try_advisory_lock}({@value #DECIDER_LOCK})
 * until it gets it; whoever holds it decides node liveness and lease expiry. The lock lives as long as that
 * connection: when its coordinator dies or loses the database, PostgreSQL releases it and another takes it within a
 * second or so. A lost connection ends this coordinator's decision at once.
 *
 * <p>Thread-safe.
 */
final class PostgresClusterFeed implements ClusterFeed {

    private static final Logger log = LoggerFactory.getLogger(PostgresClusterFeed.class);

    static final String CHANNEL = "hearth_jobs";
    /** The advisory lock key of the deciding coordinator ("hearth" and 1). */
    static final long DECIDER_LOCK = 0x6865617274680001L;
    /** Ids queued for sending at most; more mean a "read everything" announcement. */
    static final int QUEUE = 100_000;
    /** Characters of ids in one notification (PostgreSQL's payload limit is 8000 bytes). */
    static final int PAYLOAD_CHARS = 7_000;
    /** How often watchers re-read everything anyway, for announcements lost with a dead coordinator. */
    static final Duration RESYNC_EVERY = Duration.ofSeconds(60);
    private static final String EVERYTHING = "*";
    /** How long {@link #start} waits for the listener's first {@code LISTEN}. */
    static final Duration LISTEN_WAIT = Duration.ofSeconds(10);

    private final DataSource connections;
    private final Transactions tx;
    private final String origin = UUID.randomUUID().toString();
    private final BlockingQueue<String> outgoing = new ArrayBlockingQueue<>(QUEUE);
    private final Object sendLock = new Object();
    private volatile boolean everything;
    private volatile boolean deciding;
    private volatile boolean closed;
    private volatile Connection listening;
    private volatile List<JobWatch> watchers = List.of();
    /** Counted down once the listener first listens; {@link #start} waits for it. */
    private final java.util.concurrent.CountDownLatch listened = new java.util.concurrent.CountDownLatch(1);
    /** Set once {@link #start} returned: from then on every (re)connect may have missed changes. */
    private volatile boolean started;
    private final Thread sender;
    private final Thread listener;

    /**
     * @param connections where the listener opens its own connection (not the pool: it is held for good)
     * @param tx the pool's transactions, which carry the announcements
     */
    PostgresClusterFeed(DataSource connections, Transactions tx) {
        this.connections = connections;
        this.tx = tx;
        this.sender = Thread.ofPlatform().name("hearth-feed-send").daemon().unstarted(this::sendLoop);
        this.listener = Thread.ofPlatform().name("hearth-feed-listen").daemon().unstarted(this::listenLoop);
    }

    @Override
    public void announce(Collection<String> jobIds) {
        for (String id : jobIds) {
            if (!outgoing.offer(id)) {
                everything = true; // full: the others read everything instead
                outgoing.clear();
                break;
            }
        }
    }

    @Override
    public void start(List<JobWatch> watchers) {
        this.watchers = watchers;
        sender.start();
        listener.start();
        // Listening before the store is handed out: the scheduler's first read of the queue comes after, so no
        // change falls between the two. A database that does not answer in time is retried in the background.
        try {
            if (!listened.await(LISTEN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("not listening for the other coordinators' job changes after {} s; trying on",
                        LISTEN_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            started = true;
        }
    }

    @Override
    public boolean decides() {
        return deciding;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sender.interrupt();
        try {
            sender.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sendPending(); // what the sender had not taken yet
        deciding = false;
        listener.interrupt();
        Connection c = listening;
        if (c != null) {
            try {
                c.close(); // releases the advisory lock
            } catch (SQLException e) {
                log.debug("closing the listening connection failed: {}", e.getMessage());
            }
        }
        try {
            listener.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sendLoop() {
        while (!closed) {
            try {
                String first = outgoing.poll(200, TimeUnit.MILLISECONDS);
                if (first != null || everything) {
                    List<String> batch = new ArrayList<>();
                    if (first != null) {
                        batch.add(first);
                    }
                    send(batch);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sendPending() {
        send(new ArrayList<>());
    }

    /** Sends {@code batch} and whatever else is queued, in payloads of at most {@value #PAYLOAD_CHARS} characters. */
    private void send(List<String> batch) {
        synchronized (sendLock) {
            outgoing.drainTo(batch);
            List<String> payloads = new ArrayList<>();
            if (everything) {
                everything = false;
                payloads.add(origin + ":" + EVERYTHING);
            } else {
                StringBuilder p = new StringBuilder();
                for (String id : batch) {
                    if (p.length() + id.length() + 1 > PAYLOAD_CHARS) {
                        payloads.add(origin + ":" + p);
                        p.setLength(0);
                    }
                    p.append(p.isEmpty() ? "" : ",").append(id);
                }
                if (!p.isEmpty()) {
                    payloads.add(origin + ":" + p);
                }
            }
            if (payloads.isEmpty()) {
                return;
            }
            try {
                tx.write("announce " + batch.size() + " changed jobs", c -> {
                    try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                        for (String payload : payloads) {
                            s.setString(1, CHANNEL);
                            s.setString(2, payload);
                            s.executeQuery().close();
                        }
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                everything = true; // the next send tells the others to read everything
                log.warn("announcing {} changed jobs to the other coordinators failed (they will read everything "
                        + "again): {}", batch.size(), e.getMessage());
            }
        }
    }

    private void listenLoop() {
        while (!closed) {
            try (Connection c = connections.getConnection()) {
                listening = c;
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                boolean late = started;
                listened.countDown();
                if (late) {
                    tell(null); // notifications sent while this was not listening are lost
                }
                listen(c);
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (deciding) {
                    log.warn("this coordinator no longer decides node liveness and lease expiry: its listening "
                            + "connection failed ({})", e.getMessage());
                }
                deciding = false;
                log.warn("listening for the other coordinators' job changes failed: {}; again in 1 s", e.getMessage());
            } finally {
                listening = null;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void listen(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long nextResync = System.nanoTime() + RESYNC_EVERY.toNanos();
        while (!closed) {
            if (!deciding) {
                try (Statement s = c.createStatement();
                        ResultSet r = s.executeQuery("SELECT pg_try_advisory_lock(" + DECIDER_LOCK + ")")) {
                    if (r.next() && r.getBoolean(1)) {
                        deciding = true;
                        log.info("this coordinator decides node liveness and lease expiry for every coordinator on "
                                + "the database now");
                    }
                }
            }
            PGNotification[] got = pg.getNotifications(1000);
            if (got != null) {
                for (PGNotification n : got) {
                    received(n.getParameter());
                }
            }
            if (System.nanoTime() - nextResync > 0) {
                nextResync = System.nanoTime() + RESYNC_EVERY.toNanos();
                tell(null);
            }
        }
    }

    /** Handles one payload, {@code ORIGIN:id,id,...} or {@code ORIGIN:*}; this store's own are skipped. */
    private void received(String payload) {
        int colon = payload.indexOf(':');
        if (colon < 0 || payload.substring(0, colon).equals(origin)) {
            return;
        }
        String ids = payload.substring(colon + 1);
        if (EVERYTHING.equals(ids)) {
            tell(null);
            return;
        }
        for (String id : ids.split(",")) {
            if (!id.isEmpty()) {
                tell(id);
            }
        }
    }

    /** Tells every watcher that another coordinator changed job {@code id}, or (null) that they missed changes. */
    private void tell(String id) {
        for (JobWatch w : watchers) {
            try {
                if (id == null) {
                    w.missed();
                } else {
                    w.changedElsewhere(id);
                }
            } catch (RuntimeException e) {
                log.error("a job watcher failed", e);
            }
        }
    }
}
