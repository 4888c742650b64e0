// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import dev.hearth.coordinator.api.CoordinatorApi;
import dev.hearth.coordinator.api.NodeRemovalApi;
import dev.hearth.coordinator.api.TenantsApi;
import dev.hearth.coordinator.api.Access;
import dev.hearth.coordinator.api.InstancesApi;
import dev.hearth.coordinator.api.NodeInstancesApi;
import dev.hearth.coordinator.api.JobsApi;
import dev.hearth.coordinator.api.JobLogsApi;
import dev.hearth.coordinator.logs.JobLogs;
import dev.hearth.coordinator.api.LedgerApi;
import dev.hearth.coordinator.api.NodesApi;
import dev.hearth.coordinator.api.TokensApi;
import dev.hearth.coordinator.api.EventsApi;
import dev.hearth.coordinator.api.WebhooksApi;
import dev.hearth.coordinator.api.BlobsApi;
import dev.hearth.coordinator.api.NodeFilesApi;
import dev.hearth.coordinator.api.JobOutputsApi;
import dev.hearth.coordinator.blobs.BlobFiles;
import dev.hearth.coordinator.blobs.BlobLimits;
import dev.hearth.coordinator.blobs.BlobRetention;
import dev.hearth.coordinator.webhook.WebhookEvents;
import dev.hearth.coordinator.webhook.WebhookSender;
import dev.hearth.coordinator.webhook.WebhookTargets;
import dev.hearth.coordinator.api.JobDetailsApi;
import dev.hearth.coordinator.api.OverviewApi;
import dev.hearth.coordinator.dashboard.DashboardService;
import dev.hearth.coordinator.dashboard.DashboardSessions;
import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.hub.Heartbeats;
import dev.hearth.coordinator.hub.ConnectionFrameLimit;
import dev.hearth.coordinator.hub.InstanceRelay;
import dev.hearth.coordinator.hub.MessageHandler;
import dev.hearth.coordinator.ledger.CoordinatorKey;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.ledger.NodePreferences;
import dev.hearth.coordinator.ledger.PaymentWebhook;
import dev.hearth.coordinator.ledger.Settlement;
import dev.hearth.coordinator.scheduler.FinishedJobRetention;
import dev.hearth.coordinator.scheduler.LedgerHooks;
import dev.hearth.coordinator.oracle.CopyJudge;
import dev.hearth.coordinator.oracle.Oracle;
import dev.hearth.coordinator.oracle.OraclePolicy;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.coordinator.oracle.VerificationQueue;
import dev.hearth.coordinator.scheduler.SchedulerLoop;
import dev.hearth.coordinator.store.Cancellation;
import dev.hearth.coordinator.store.Database;
import dev.hearth.coordinator.store.Store;
import dev.hearth.core.protocol.JobCancel;
import dev.hearth.core.protocol.Protocol;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.websocket.WsRouting;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.time.InstantSource;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator process: Helidon SE 4 on virtual threads serving the REST API under /v1 (admin token), the
 * agents' WebSocket at {@link Protocol#AGENT_PATH}, /healthz and Prometheus /metrics, the web dashboard at
 * /dashboard/ (its session cookie accepted by the /v1 filter); the store in the data folder;
 * and the scheduler loop. Start with {@link #start}, stop with {@link #close()}.
 */
public final class CoordinatorServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CoordinatorServer.class);

    private final Store store;
    private final SchedulerLoop scheduler;
    private final VerificationQueue verifier;
    private final WebServer server;
    private final Optional<PaymentWebhook> webhook;
    private final AgentHub hub;
    private final EventsApi events;
    private final CoordinatorMetrics metrics;
    private final WebhookSender webhooks;
    private final JobLogs jobLogs;

    private CoordinatorServer(Store store, SchedulerLoop scheduler, VerificationQueue verifier, WebServer server,
            Optional<PaymentWebhook> webhook, AgentHub hub, EventsApi events, CoordinatorMetrics metrics,
            WebhookSender webhooks, JobLogs jobLogs) {
        this.jobLogs = jobLogs;
        this.webhooks = webhooks;
        this.hub = hub;
        this.events = events;
        this.metrics = metrics;
        this.store = store;
        this.scheduler = scheduler;
        this.verifier = verifier;
        this.server = server;
        this.webhook = webhook;
    }

    /**
     * Opens the store, creates the admin token and the coordinator's key on first start, settles holds a crash left
     * open, and starts serving, with the oracle's defaults.
     *
     * @throws IOException when the data folder, admin token or key cannot be made
     */
    public static CoordinatorServer start(CoordinatorConfig config, InstantSource clock) throws IOException {
        return start(config, clock, OracleSettings.DEFAULTS);
    }

    /**
     * Opens the store, creates the admin token on first start, and starts serving; the oracle runs with
     * {@code oracle}'s policy and tells its listeners each verdict (verdicts left unannounced by a previous run
     * first).
     *
     * @throws IOException when the data folder or admin token cannot be made
     */
    public static CoordinatorServer start(CoordinatorConfig config, InstantSource clock, OracleSettings oracle)
            throws IOException {
        return start(config, clock, oracle, new ServerTls.Mode.Off());
    }

    /**
     * As {@link #start(CoordinatorConfig, InstantSource, OracleSettings)}, serving HTTPS and WSS with the TLS
     * identity {@code tls} names (a self-signed one is made in the data folder on first start; its fingerprint is
     * logged).
     *
     * @throws IOException when the data folder, admin token or TLS identity cannot be made or read
     */
    public static CoordinatorServer start(CoordinatorConfig config, InstantSource clock, OracleSettings oracle,
            ServerTls.Mode tls) throws IOException {
        return start(config, clock, oracle, tls, new Database.Sqlite(config.dataDir().resolve("hearth.db")),
                BlobLimits.DEFAULTS);
    }

    /**
     * As {@link #start(CoordinatorConfig, InstantSource, OracleSettings, ServerTls.Mode)}, keeping the store in
     * {@code database} (a PostgreSQL database, say) instead of the data folder's SQLite file.
     *
     * @throws IOException when the data folder, admin token or TLS identity cannot be made or read
     */
    public static CoordinatorServer start(CoordinatorConfig config, InstantSource clock, OracleSettings oracle,
            ServerTls.Mode tls, Database database) throws IOException {
        return start(config, clock, oracle, tls, database, BlobLimits.DEFAULTS);
    }

    /**
     * As {@link #start(CoordinatorConfig, InstantSource, OracleSettings, ServerTls.Mode)}, keeping uploaded blobs
     * (in the data folder's {@code blobs/}) within {@code blobLimits}.
     *
     * @throws IOException when the data folder, admin token, TLS identity or blob folder cannot be made or read
     */
    public static CoordinatorServer start(CoordinatorConfig config, InstantSource clock, OracleSettings oracle,
            ServerTls.Mode tls, BlobLimits blobLimits) throws IOException {
        return start(config, clock, oracle, tls, new Database.Sqlite(config.dataDir().resolve("hearth.db")),
                blobLimits);
    }

    /**
     * The coordinator with its store in {@code database} and its uploaded blobs (in the data folder's
     * {@code blobs/}) within {@code blobLimits}.
     *
     * @throws IOException when the data folder, admin token, TLS identity or blob folder cannot be made or read
     */
    public static CoordinatorServer start(CoordinatorConfig config, InstantSource clock, OracleSettings oracle,
            ServerTls.Mode tls, Database database, BlobLimits blobLimits) throws IOException {
        AdminToken admin = AdminToken.loadOrCreate(config.dataDir());
        Optional<ServerTls> identity = tls.load(config.dataDir(), config.host());
        CoordinatorKey key = CoordinatorKey.loadOrCreate(config.dataDir());
        Store store = database.open(clock);
        LedgerConfig ledger = config.ledger();
        Optional<PaymentWebhook> webhook = ledger.settlementWebhook()
                .map(url -> new PaymentWebhook(store, url, key, clock, ledger.webhookRetryBase()));
        Settlement settlement = new Settlement(store, webhook.isPresent(),
                () -> webhook.ifPresent(PaymentWebhook::wake), oracle.policy().unsigned() == OraclePolicy.Unsigned.PAY);
        WebhookTargets targets = new WebhookTargets(config.webhookAllow());
        WebhookSender webhooks = new WebhookSender(store.webhooks(), targets, clock, ledger.webhookRetryBase());
        WebhookEvents events = new WebhookEvents(store, clock, webhooks::wake);
        CoordinatorMetrics metrics = new CoordinatorMetrics();
        settlement.onSettled(metrics::settled);
        settlement.reconcile();
        JobLogs jobLogs = openJobLogs(config, store);
        FinishedJobRetention retention = new FinishedJobRetention(store, clock, config.retainFinished())
                .onPruned(jobLogs::pruned);
        BlobFiles blobFiles = new BlobFiles(config.dataDir().resolve("blobs"));
        BlobRetention blobRetention = new BlobRetention(store.blobs(), blobFiles, clock, blobLimits.retention());
        SchedulerLoop[] loop = new SchedulerLoop[1];
        VerificationQueue verifier = new VerificationQueue(store, new Oracle(store, oracle.policy()), clock,
                config.tick(), oracle.startPaused(), oracle.maxAttempts(), oracle.firstRetry());
        AgentHub[] hubRef = new AgentHub[1];
        CopyJudge[] judgeRef = new CopyJudge[1];
        // A job that ends without a verdict (cancelled, lost out of attempts): a copy's k-of-n job is judged again,
        // then its hold is settled.
        Consumer<String> jobEnded = id -> {
            // its lease ended (revoked, reclaimed, cancelled): the full logs of leases without the result go
            jobLogs.abandoned(id, store.result(id).map(dev.hearth.coordinator.store.ResultRecord::epoch).orElse(-1L));
            judgeRef[0].copyEnded(id);
            settlement.onFinal(id);
            events.job(id);
        };
        judgeRef[0] = new CopyJudge(store, id -> cancelCopy(store, hubRef[0], id, settlement), settlement::onFinal);
        oracle.listeners().forEach(verifier::addListener);
        verifier.addListener(judgeRef[0]); // copies are compared before the ledger settles them
        verifier.addListener(settlement); // the ledger pays or refunds on the verdict, never before it
        verifier.addListener((jobId, nodeId, verdict) -> events.job(jobId)); // completed or failed now
        verifier.addListener((jobId, nodeId, verdict) -> metrics.verdict(verdict));
        verifier.onJudged(metrics::verification);
        MessageHandler handler = new MessageHandler(store, () -> loop[0].wake(), metrics, clock,
                config.maxFrameBytes(), (int) config.heartbeatInterval().toSeconds(), jobLogs, verifier);
        AgentHub hub = new AgentHub(handler, config.transport());
        InstanceRelay instances = new InstanceRelay(clock, store.tenants());
        handler.attach(instances);
        hubRef[0] = hub;
        LedgerHooks hooks = new LedgerHooks(new NodePreferences(store, clock, ledger.stakeReferenceMicros(),
                config.tick().multipliedBy(2)), jobEnded, () -> {
                    judgeRef[0].judgeAll();
                    settlement.reconcile();
                    retention.run(); // after settling: a job is pruned only once its hold is settled
                    blobRetention.run();
                });
        loop[0] = new SchedulerLoop(store, hub, clock, config.lostAfter(), config.tick(), hooks, config.leases());
        handler.attach(loop[0]);
        Consumer<String> placedOrStarted = id -> {
            events.job(id); // job.leased, job.running, job.verifying
            jobLogs.wake(id); // a follower sees a new lease at once
        };
        loop[0].onLeased(ids -> {
            events.jobs(ids); // the pass's job.leased events in one write
            ids.forEach(jobLogs::wake);
        });
        handler.onJobChanged(placedOrStarted);
        loop[0].attach(metrics);
        Heartbeats heartbeats = new Heartbeats(store); // written in batches by the scheduler's passes
        handler.attach(heartbeats);
        loop[0].attach(heartbeats);
        registerGauges(metrics, store, hub);
        Runnable wake = loop[0]::wake;
        DashboardSessions sessions = new DashboardSessions(clock);
        Access access = new Access(admin, store.tenants(), clock, sessions);
        Dashboard dashboard = new Dashboard(new DashboardService(sessions, access, store.tenants(),
                identity.isPresent()), new OverviewApi(store, clock), new EventsApi(store, store.tenants(), clock),
                new JobDetailsApi(store));
        Apis apis = new Apis(new JobsApi(store, hub, wake,
                new JobLogsApi(store, jobLogs, clock, config.jobLogs().followMax()), ledger.rates(), jobEnded, store.tenants(),
                config.idempotencyRetention(), events::submitted),
                new NodesApi(store, hub, clock, instances.inventory(), store.tenants(), wake),
                new TokensApi(store, store.tenants()), new LedgerApi(store, store.tenants()),
                new CoordinatorApi(key), new NodeInstancesApi(store, hub, instances, config.idempotencyRetention(), events), new InstancesApi(instances, hub, store.tenants()),
                new TenantsApi(store.tenants()), new NodeRemovalApi(store, store.tenants(), hub, wake),
                new WebhooksApi(store.webhooks(), targets), access, new BlobsApi(store.blobs(), blobFiles, blobLimits),
                new NodeFilesApi(store, blobFiles, blobLimits), new JobOutputsApi(store, blobFiles));
        io.helidon.webserver.WebServerConfig.Builder web = WebServer.builder();
        identity.ifPresent(t -> web.tls(Tls.builder().sslContext(t.context()).build()));
        WebServer server = web
                .host(config.host())
                .port(config.port())
                .addProtocol(new ConnectionFrameLimit(config.maxFrameBytes()))
                .routing(r -> routes(r, store, metrics, apis, dashboard))
                .addRouting(WsRouting.builder().endpoint(Protocol.AGENT_PATH, hub::newConnection))
                .build()
                .start();
        identity.ifPresent(t -> log.info("serving HTTPS and WSS; certificate SHA-256 fingerprint {} (clients pin it "
                + "with --tls-fingerprint)", t.fingerprint()));
        loop[0].start();
        webhook.ifPresent(PaymentWebhook::start);
        webhooks.start();
        verifier.start();
        log.info("coordinator listening on {}:{} (data {}; oracle: unsigned {}, timing {}, completion {}; {}; "
                + "settlement webhook {})", config.host(), server.port(), config.dataDir(),
                oracle.policy().unsigned().name().toLowerCase(java.util.Locale.ROOT), oracle.policy().timing().wireName(),
                oracle.policy().completion().wireName(), ledger.rates(),
                ledger.settlementWebhook().map(Object::toString).orElse("none"));
        return new CoordinatorServer(store, loop[0], verifier, server, webhook, hub, dashboard.events(), metrics,
                webhooks, jobLogs);
    }

    /**
     * The jobs' full logs in the data folder's {@code logs}, with the files no job needs any more (a crash between a
     * job's end or prune and their removal) removed: a file stays while its lease is the job's current one and the job
     * is not final, or while it holds the job's result's lease.
     */
    private static JobLogs openJobLogs(CoordinatorConfig config, Store store) throws IOException {
        JobLogs logs = new JobLogs(config.dataDir().resolve("logs"), config.jobLogs().maxBytes());
        int removed = logs.sweep((id, epoch) -> store.prunedAt(id).isEmpty() && store.result(id)
                .map(r -> r.epoch() == epoch)
                .orElseGet(() -> store.job(id).filter(j -> j.epoch() == epoch && !j.state().isFinal()).isPresent()));
        if (removed > 0) {
            log.info("removed {} full logs no job needs any more", removed);
        }
        return logs;
    }

    /** Cancels a copy of a k-of-n job that can no longer matter (the job failed), telling its node, and settles it. */
    private static void cancelCopy(Store store, AgentHub hub, String copyId, Settlement settlement) {
        if (store.cancelJob(copyId) instanceof Cancellation.Cancelled c) {
            c.heldBy().flatMap(hub::session).ifPresent(s -> s.send(new JobCancel(copyId, null, "cancelled")));
        }
        settlement.onFinal(copyId);
    }

    /** The REST services, each mounted under its /v1 prefix behind the authorization filter. */
    private record Apis(JobsApi jobs, NodesApi nodes, TokensApi tokens, LedgerApi ledger, CoordinatorApi coordinator,
            NodeInstancesApi nodeInstances, InstancesApi instances, TenantsApi tenants, NodeRemovalApi removal,
            WebhooksApi webhooks, Access access, BlobsApi blobs, NodeFilesApi nodeFiles, JobOutputsApi outputs) {
    }

    /** The web dashboard's page and session, and the /v1 reads it adds. */
    private record Dashboard(DashboardService page, OverviewApi overview, EventsApi events, JobDetailsApi jobs) {
    }

    private static void routes(HttpRouting.Builder r, Store store, CoordinatorMetrics metrics, Apis apis,
            Dashboard dashboard) {
        r.get("/healthz", (req, res) -> health(store, res))
                .get("/metrics", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4")
                        .send(metrics.scrape()));
        r.addFilter(dev.hearth.coordinator.api.ProblemDetails.instances()); // problems name the request's path
        // One filter in front of everything under /v1: key -> principal, role per AccessRules, audit, rate limit.
        r.any("/v1", apis.access()::filter).any("/v1/*", apis.access()::filter);
        r.register("/v1/jobs", apis.jobs())
                .register("/v1/nodes", apis.nodes())
                .register("/v1/nodes", apis.nodeInstances())
                .register("/v1/instances", apis.instances())
                .register("/v1/tokens", apis.tokens())
                .register("/v1/ledger", apis.ledger())
                .register("/v1/coordinator", apis.coordinator())
                .register("/v1/nodes", apis.removal())
                .register("/v1", apis.tenants())
                .register("/v1/webhooks", apis.webhooks())
                .register("/v1/blobs", apis.blobs())
                .register("/v1/jobs", apis.outputs())
                .register(Protocol.AGENT_PATH, apis.nodeFiles())
                .register("/v1/jobs", dashboard.jobs())
                .register("/v1/overview", dashboard.overview())
                .register("/v1/events", dashboard.events());
        r.get("/dashboard", (req, res) -> res.status(301).header(HeaderNames.LOCATION, "/dashboard/").send())
                .register("/dashboard", dashboard.page());
    }

    private static void health(Store store, ServerResponse res) {
        try {
            store.ping(); // one trivial query: /healthz is unauthenticated, so it must cost nothing
            res.header(HeaderNames.CONTENT_TYPE, "application/json").send("{\"status\":\"ok\",\"store\":\"ok\"}");
        } catch (RuntimeException e) {
            res.status(503).header(HeaderNames.CONTENT_TYPE, "application/json")
                    .send("{\"status\":\"down\",\"store\":\"" + e.getClass().getSimpleName() + "\"}");
        }
    }

    private static void registerGauges(CoordinatorMetrics metrics, Store store, AgentHub hub) {
        Gauge.builder("hearth_agents_connected", hub, h -> h.sessions().size()).register(metrics.registry());
        StateGauges.register(metrics, store);
    }

    /** The port it listens on (useful with port 0). */
    public int port() {
        return server.port();
    }

    /** The oracle's verification queue (tests pause and resume it). */
    public VerificationQueue verifier() {
        return verifier;
    }

    /** Stops serving, stops the scheduler and the verification queue, and closes the store. */
    @Override
    public void close() {
        events.close(); // open event streams end, so stopping the server does not wait for their deadline
        jobLogs.close(); // and so do log follows
        server.stop();
        hub.close();
        webhook.ifPresent(PaymentWebhook::close);
        webhooks.close();
        scheduler.close();
        verifier.close();
        store.close();
        metrics.close();
    }
}
