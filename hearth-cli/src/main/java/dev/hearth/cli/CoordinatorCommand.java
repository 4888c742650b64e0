// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.hub.TransportLimits;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.ledger.RateCard;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.Credits;
import dev.hearth.core.units.DurationText;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import dev.hearth.coordinator.oracle.OraclePolicy;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.coordinator.scheduler.LeasePolicy;
import dev.hearth.coordinator.store.NodeLimits;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hearth coordinator}: serves the REST API and the agents' WebSocket until stopped. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        subcommands = {CoordinatorInstallSystemd.class, CoordinatorBackup.class, CoordinatorMigrate.class},
        description = {"Runs the coordinator: the job API, the agents' WebSocket, the scheduler and the store.",
            "Stops cleanly on SIGTERM or Ctrl-C. The admin token is created on first start in DATA/admin.token."})
@Prints(Prints.Kind.SERVICE)
final class CoordinatorCommand implements Callable<Integer> {

    @ParentCommand
    HearthCommand parent;
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "TOML file of settings: each flag of this command is a key without its dashes "
                    + "(listen = \"0.0.0.0:7070\", node-limit = [\"...\"]); flags given here win over the file. "
                    + "See examples/coordinator.toml.")
    Path configFile;
    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7070",
            description = "Address to serve on (default: ${DEFAULT-VALUE}; port 0 picks a free one).")
    String listen;
    @Option(names = "--data", paramLabel = "DIR",
            description = "Data folder: store and admin token (default: $HEARTH_HOME/coordinator or ~/.hearth/coordinator).")
    Path data;
    @Option(names = "--heartbeat-interval", paramLabel = "DURATION",
            description = "Interval agents are asked to heartbeat at (default: HN_HEARTBEAT_INTERVAL, else 10s).")
    String heartbeatInterval;
    @Option(names = "--lost-after", paramLabel = "DURATION",
            description = "Silence after which a node is lost and its jobs placed elsewhere (default: 3 intervals).")
    String lostAfter;
    @Option(names = "--max-frame", paramLabel = "BYTES", defaultValue = "4194304",
            description = "Largest agent message accepted (default: ${DEFAULT-VALUE}).")
    int maxFrame;
    @Option(names = "--unregistered-frame-bytes", paramLabel = "BYTES", defaultValue = "65536",
            description = "Largest message, and WebSocket frame, accepted from a connection that has not registered "
                    + "yet (default: ${DEFAULT-VALUE}); a larger frame is closed on (1009) before it is read, a larger "
                    + "message is refused with frame_too_large and the connection closed.")
    int unregisteredFrameBytes;
    @Option(names = "--registration-deadline", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long a connection may stay open without registering (default: ${DEFAULT-VALUE}).")
    String registrationDeadline;
    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "4096",
            description = "Agent connections open at once, registered or not (default: ${DEFAULT-VALUE}); more are "
                    + "closed at once with 1013.")
    int maxConnections;
    @Option(names = "--max-connections-per-address", paramLabel = "N", defaultValue = "32",
            description = "Agent connections open at once from one remote address (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerAddress;
    @Option(names = "--send-queue-bytes", paramLabel = "BYTES", defaultValue = "16777216",
            description = "Unsent bytes queued for one agent before its connection is closed (default: "
                    + "${DEFAULT-VALUE}).")
    long sendQueueBytes;
    @Option(names = "--send-queue-messages", paramLabel = "N", defaultValue = "4096",
            description = "Unsent messages queued for one agent before its connection is closed (default: "
                    + "${DEFAULT-VALUE}).")
    int sendQueueMessages;
    @Option(names = "--write-deadline", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long one write to an agent may block before its connection is closed (default: "
                    + "${DEFAULT-VALUE}).")
    String writeDeadline;
    @Option(names = "--rate-cpu-second", paramLabel = "CREDITS", defaultValue = "0",
            description = "Price of one CPU for one second, for jobs that name no price (default: ${DEFAULT-VALUE}).")
    String rateCpuSecond;
    @Option(names = "--rate-gib-second", paramLabel = "CREDITS", defaultValue = "0",
            description = "Price of one GiB of memory for one second (default: ${DEFAULT-VALUE}).")
    String rateGibSecond;
    @Option(names = "--rate-gpu-second", paramLabel = "CREDITS", defaultValue = "0",
            description = "Price of one GPU for one second (default: ${DEFAULT-VALUE}).")
    String rateGpuSecond;
    @Option(names = "--stake-reference", paramLabel = "CREDITS", defaultValue = "100",
            description = "The stake that earns a node half the full placement bonus (default: ${DEFAULT-VALUE}).")
    String stakeReference;
    @Option(names = "--settlement-webhook", paramLabel = "URL",
            description = "POST each released payment here as JSON signed with the coordinator's key, until it "
                    + "answers 2xx (retried with backoff, kept across restarts).")
    String settlementWebhook;
    @Option(names = "--unsigned", paramLabel = "allow|pay|deny",
            description = "Results without a signed receipt (Hypernode v2.0 agents): accepted and marked unsigned but "
                    + "not paid (allow), accepted and paid (pay), or refused (deny) (default: allow).")
    String unsigned;
    @Option(names = "--timing", paramLabel = "lenient|hypernode",
            description = "When a run's times are plausible: lenient (within its timeout), or hypernode (more than "
                    + "1 s and less than 2 x its estimated time, as the original) (default: lenient).")
    String timing;
    @Option(names = "--completion", paramLabel = "exit-zero|markers",
            description = "When a run counts as completed: exit code 0, or the original's completion markers in its "
                    + "logs (default: exit-zero).")
    String completion;

    @Option(names = "--oracle-max-attempts", paramLabel = "N", defaultValue = "5",
            description = "Verification attempts that may end in an error before a result fails on the check oracle "
                    + "and its hold is refunded (default: ${DEFAULT-VALUE}).")
    int oracleMaxAttempts;
    @Option(names = "--retain-finished", paramLabel = "DURATION|off", defaultValue = "30d",
            description = "How long a finished job is kept whole; after that its spec, logs, result and receipt are "
                    + "pruned and a tombstone (state, times, ledger entries) stays. 0 or off keeps every job "
                    + "(default: ${DEFAULT-VALUE}).")
    String retainFinished;
    @Option(names = "--blob-max-size", paramLabel = "SIZE", defaultValue = "1g",
            description = "The largest job input one upload (PUT /v1/blobs) may be (default: ${DEFAULT-VALUE}).")
    String blobMaxSize;
    @Option(names = "--blob-quota", paramLabel = "SIZE", defaultValue = "10g",
            description = "The bytes one client's uploaded inputs may add up to (default: ${DEFAULT-VALUE}).")
    String blobQuota;
    @Option(names = "--blob-retention", paramLabel = "DURATION", defaultValue = "7d",
            description = "How long an uploaded input no unfinished job names is kept after its last upload or use "
                    + "(default: ${DEFAULT-VALUE}).")
    String blobRetention;
    @Option(names = "--output-max-size", paramLabel = "SIZE", defaultValue = "1g",
            description = "The bytes of /job/out one job's node may upload; files past it are listed in the receipt "
                    + "but not stored (default: ${DEFAULT-VALUE}).")
    String outputMaxSize;
    @Option(names = "--idempotency-retention", paramLabel = "DURATION", defaultValue = "24h",
            description = "How long a job submit's or instance create's Idempotency-Key and its answer are kept for "
                    + "retries (default: ${DEFAULT-VALUE})")
    String idempotencyRetention;
    @Option(names = "--webhook-allow-cidr", paramLabel = "CIDR",
            description = "An address range webhook URLs may point into although internal (loopback, private and "
                    + "link-local addresses are refused otherwise), e.g. 127.0.0.0/8 for a receiver on this host; "
                    + "repeatable")
    java.util.List<String> webhookAllowCidr = new java.util.ArrayList<>();
    @Option(names = "--job-log-max", paramLabel = "SIZE", defaultValue = "64MiB",
            description = "The most output kept per job in its full log (GET /v1/jobs/ID/logs); later output is "
                    + "dropped after a truncation line (default: ${DEFAULT-VALUE}).")
    String jobLogMax;
    @Option(names = "--log-follow-max", paramLabel = "DURATION", defaultValue = "10m",
            description = "How long one logs?follow=1 response streams before it ends and the client reconnects with "
                    + "its offset (default: ${DEFAULT-VALUE}).")
    String logFollowMax;
    @Option(names = "--lease-grace", paramLabel = "DURATION", defaultValue = "5m",
            description = "Time beyond a job's timeout before its lease expires and the job is taken back from a node "
                    + "that never answered (default: ${DEFAULT-VALUE}).")
    String leaseGrace;
    @Option(names = "--node-max-slots", paramLabel = "N", defaultValue = "16",
            description = "The most slots the scheduler believes of any node, whatever it declares "
                    + "(default: ${DEFAULT-VALUE}).")
    int nodeMaxSlots;
    @Option(names = "--node-max-cpus", paramLabel = "CPUS",
            description = "The most CPUs the scheduler believes of any node (default: as declared).")
    String nodeMaxCpus;
    @Option(names = "--node-max-memory", paramLabel = "SIZE",
            description = "The most memory the scheduler believes of any node, e.g. 64g (default: as declared).")
    String nodeMaxMemory;
    @Option(names = "--node-max-gpus", paramLabel = "N",
            description = "The most GPUs the scheduler believes of any node (default: as declared).")
    Integer nodeMaxGpus;
    @Option(names = "--node-limit", paramLabel = "ID=slots=N,cpus=X,memory=SIZE,gpus=N",
            description = "Limits of one node, over the --node-max-* defaults (repeatable), e.g. "
                    + "--node-limit 7f3c...=slots=64,gpus=8.")
    java.util.List<String> nodeLimits = new java.util.ArrayList<>();
    @Option(names = "--cordon-after-expiries", paramLabel = "N", defaultValue = "3",
            description = "Cordon a node (no new jobs until hearth node uncordon) once this many of its leases expired "
                    + "with no result (default: ${DEFAULT-VALUE}).")
    int cordonAfterExpiries;

    @Option(names = "--tls", description = "Serve HTTPS and WSS with a self-signed certificate made in the data folder "
            + "on first start; its SHA-256 fingerprint is printed for clients to pin (--tls-fingerprint).")
    boolean tlsSelfSigned;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS and WSS with this PEM certificate "
            + "(chain, leaf first); needs --tls-key.")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The PEM private key of --tls-cert.")
    java.nio.file.Path tlsKey;

    private dev.hearth.coordinator.ServerTls.Mode tlsMode() {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new dev.hearth.core.InvalidInputException(tlsCert == null ? "--tls-cert" : "--tls-key", null,
                    "--tls-cert and --tls-key together (a PEM certificate and its key)");
        }
        if (tlsCert != null) {
            return new dev.hearth.coordinator.ServerTls.Mode.Pem(tlsCert, tlsKey);
        }
        return tlsSelfSigned ? new dev.hearth.coordinator.ServerTls.Mode.SelfSigned()
                : new dev.hearth.coordinator.ServerTls.Mode.Off();
    }

    @Override
    public Integer call() throws Exception {
        return withConfigFile(this::serve);
    }

    /**
     * Runs {@code body} with the --config file's values set on every option the command line did not give; a
     * refusal of a value the file gave names its key in the file, not a flag nobody typed.
     */
    <T> T withConfigFile(Callable<T> body) throws Exception {
        OptionsFile file = configFile == null ? null : OptionsFile.read("--config", configFile);
        var given = spec.commandLine().getParseResult();
        try {
            if (file != null) {
                file.applyTo(spec, given);
            }
            return body.call();
        } catch (InvalidInputException e) {
            throw file != null && file.supplied(spec, given, e.field()) ? e.renamed(file.where(e.field())) : e;
        }
    }

    private int serve() throws Exception {
        CoordinatorConfig config = config();
        dev.hearth.coordinator.ServerTls.Mode tls = tlsMode();
        OraclePolicy policy = OraclePolicy.parse(unsigned, timing, completion);
        if (oracleMaxAttempts < 1) {
            throw new InvalidInputException("--oracle-max-attempts", String.valueOf(oracleMaxAttempts),
                    "a number of attempts, 1 or more");
        }
        ServiceLogging.infoUnlessSet(parent.environment());
        // SQLite unpacks its native library into the data folder, not /tmp: hardened hosts mount /tmp noexec
        // (systemd's PrivateTmp= inherits it), and loading the library from there fails, so the store cannot open
        if (System.getProperty("org.sqlite.tmpdir") == null) {
            System.setProperty("org.sqlite.tmpdir", config.dataDir().toAbsolutePath().toString());
        }
        CoordinatorServer server = CoordinatorServer.start(config, InstantSource.system(),
                OracleSettings.DEFAULTS.withPolicy(policy).withAttempts(oracleMaxAttempts,
                        OracleSettings.DEFAULTS.firstRetry()), tls, blobLimits());
        var identity = tls.load(config.dataDir(), config.host());
        String web = identity.isPresent() ? "https" : "http";
        String ws = identity.isPresent() ? "wss" : "ws";
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "hearth-coordinator-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        identity.ifPresent(t -> spec.commandLine().getErr().println("hearth: TLS certificate SHA-256 fingerprint "
                + t.fingerprint() + " (clients: --tls-fingerprint " + t.fingerprint() + ")"));
        spec.commandLine().getErr().printf("hearth: coordinator listening on %s://%s:%d (agents: %s://%s:%d%s); "
                + "data in %s; admin token in %s%n", web, config.host(), server.port(), ws, config.host(), server.port(),
                dev.hearth.core.protocol.Protocol.AGENT_PATH, config.dataDir(), config.dataDir().resolve("admin.token"));
        spec.commandLine().getErr().flush();
        stopped.await();
        return 0;
    }

    CoordinatorConfig config() {
        int colon = listen.lastIndexOf(':');
        String host = colon > 0 ? listen.substring(0, colon) : "";
        int port = -1;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            // reported below
        }
        if (host.isBlank() || port < 0 || port > 65535) {
            throw new InvalidInputException("--listen", listen, "HOST:PORT such as 127.0.0.1:7070 (port 0..65535)");
        }
        String hb = heartbeatInterval != null ? heartbeatInterval : parent.environment().get("HN_HEARTBEAT_INTERVAL");
        Duration interval = hb == null || hb.isBlank() ? Duration.ofSeconds(10)
                : DurationText.parsePositive(heartbeatInterval != null ? "--heartbeat-interval" : "HN_HEARTBEAT_INTERVAL",
                        hb);
        if (interval.toMillis() < 1000) {
            throw new InvalidInputException(heartbeatInterval != null ? "--heartbeat-interval" : "HN_HEARTBEAT_INTERVAL",
                    hb, "a duration of at least 1s (agents are told whole seconds)");
        }
        Duration lost = lostAfter == null ? interval.multipliedBy(3) : DurationText.parsePositive("--lost-after", lostAfter);
        if (lost.compareTo(interval) <= 0) {
            throw new InvalidInputException("--lost-after", lostAfter,
                    "a duration longer than the heartbeat interval of " + DurationText.format(interval));
        }
        if (maxFrame < 1024) {
            throw new InvalidInputException("--max-frame", String.valueOf(maxFrame), "a number of bytes, at least 1024");
        }
        Path dir = data != null ? data : HearthPaths.coordinatorData(parent.environment());
        return new CoordinatorConfig(host, port, dir, interval, lost, maxFrame, Duration.ofSeconds(1), ledger())
                .withTransport(transport()).withLeases(leases()).withRetainFinished(retainFinished())
                .withIdempotencyRetention(DurationText.parsePositive("--idempotency-retention", idempotencyRetention))
                .withWebhookAllow(webhookAllowCidr)
                .withJobLogs(new dev.hearth.coordinator.logs.JobLogLimits(
                        dev.hearth.core.units.ByteSize.parse("--job-log-max", jobLogMax).bytes(),
                        DurationText.parsePositive("--log-follow-max", logFollowMax)));
    }

    /** The --blob-max-size, --blob-quota, --blob-retention and --output-max-size flags. */
    dev.hearth.coordinator.blobs.BlobLimits blobLimits() {
        return new dev.hearth.coordinator.blobs.BlobLimits(
                dev.hearth.core.units.ByteSize.parse("--blob-max-size", blobMaxSize).bytes(),
                dev.hearth.core.units.ByteSize.parse("--blob-quota", blobQuota).bytes(),
                DurationText.parsePositive("--blob-retention", blobRetention),
                dev.hearth.core.units.ByteSize.parse("--output-max-size", outputMaxSize).bytes());
    }

    /** The --retain-finished flag: a positive duration, or 0 / off for keeping every finished job whole. */
    Duration retainFinished() {
        String t = retainFinished.strip();
        if (t.equalsIgnoreCase("off") || t.equals("0")) {
            return Duration.ZERO;
        }
        try {
            return DurationText.parsePositive("--retain-finished", t);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("--retain-finished", retainFinished, DurationText.FORM
                    + ", such as 30d; or 0 or off to keep every finished job");
        }
    }

    private TransportLimits transport() {
        positive("--unregistered-frame-bytes", unregisteredFrameBytes);
        positive("--max-connections", maxConnections);
        positive("--max-connections-per-address", maxConnectionsPerAddress);
        positive("--send-queue-bytes", sendQueueBytes);
        positive("--send-queue-messages", sendQueueMessages);
        return new TransportLimits(unregisteredFrameBytes,
                DurationText.parsePositive("--registration-deadline", registrationDeadline), maxConnections,
                maxConnectionsPerAddress, sendQueueBytes, sendQueueMessages,
                DurationText.parsePositive("--write-deadline", writeDeadline));
    }

    private static void positive(String flag, long value) {
        if (value <= 0) {
            throw new InvalidInputException(flag, String.valueOf(value), "a whole number of at least 1");
        }
    }

    /** The lease policy from the --lease-grace, --node-max-*, --node-limit and --cordon-after-expiries flags. */
    LeasePolicy leases() {
        Duration grace = DurationText.parsePositive("--lease-grace", leaseGrace);
        if (nodeMaxSlots < 1) {
            throw new InvalidInputException("--node-max-slots", String.valueOf(nodeMaxSlots), "a number, 1 or more");
        }
        NodeLimits defaults = NodeLimits.NONE.withSlots(nodeMaxSlots);
        if (nodeMaxCpus != null) {
            defaults = NodeLimits.parse("--node-max-cpus", "cpus=" + nodeMaxCpus, defaults);
        }
        if (nodeMaxMemory != null) {
            defaults = NodeLimits.parse("--node-max-memory", "memory=" + nodeMaxMemory, defaults);
        }
        if (nodeMaxGpus != null) {
            defaults = NodeLimits.parse("--node-max-gpus", "gpus=" + nodeMaxGpus, defaults);
        }
        java.util.Map<String, NodeLimits> overrides = new java.util.HashMap<>();
        String form = "NODE_ID=slots=N,cpus=X,memory=SIZE,gpus=N (any of them), e.g. 7f3c...=slots=64";
        for (String limit : nodeLimits) {
            int eq = limit.indexOf('=');
            String id = eq < 1 ? "" : limit.substring(0, eq);
            if (id.isEmpty() || java.util.Set.of("slots", "cpus", "memory", "gpus").contains(id)) {
                throw new InvalidInputException("--node-limit", limit, form);
            }
            try {
                overrides.put(id, NodeLimits.parse("--node-limit", limit.substring(eq + 1), defaults));
            } catch (InvalidInputException e) {
                throw new InvalidInputException("--node-limit", limit, form);
            }
        }
        if (cordonAfterExpiries < 1) {
            throw new InvalidInputException("--cordon-after-expiries", String.valueOf(cordonAfterExpiries),
                    "a number of expiries, 1 or more");
        }
        return new LeasePolicy(grace, defaults, overrides, cordonAfterExpiries);
    }

    private LedgerConfig ledger() {
        RateCard rates = new RateCard(Credits.parse("--rate-cpu-second", rateCpuSecond),
                Credits.parse("--rate-gib-second", rateGibSecond), Credits.parse("--rate-gpu-second", rateGpuSecond));
        long reference = Credits.parsePositive("--stake-reference", stakeReference);
        Optional<URI> webhook = Optional.empty();
        if (settlementWebhook != null) {
            URI url;
            try {
                url = new URI(settlementWebhook);
            } catch (URISyntaxException e) {
                url = null;
            }
            if (url == null || url.getHost() == null
                    || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                throw new InvalidInputException("--settlement-webhook", settlementWebhook,
                        "an http:// or https:// URL such as https://pay.example/hearth");
            }
            webhook = Optional.of(url);
        }
        return new LedgerConfig(rates, reference, webhook, Duration.ofSeconds(1));
    }
}
