// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for the tests of one Maven run: started on first use, shared by every test class in
 * the JVM, stopped and deleted when the JVM exits.
 *
 * <p>How it is found and started: the binaries are the newest {@code /usr/lib/postgresql/VERSION/bin} (Debian's
 * {@code postgresql} package, which {@code scripts/setup-host --all} installs), or the folder in
 * {@code HEARTH_PG_BIN}. When none is there the tests fail, everywhere, with what to install: the fast suite needs
 * PostgreSQL as it needs Docker. {@code initdb} runs into a fresh temporary folder with a random password
 * (scram-sha-256, locale C, UTF-8); the server listens on 127.0.0.1 at a free port only, with its socket in that
 * folder, and runs without fsync (a test's data need not survive a power loss). initdb and postgres refuse to run as
 * root, so under root (CI) they run as the {@code postgres} system user the package made (through {@code runuser}),
 * and the folder is given to that user.
 *
 * <p>Each test gets its own database, copied from a template migrated once ({@link #freshDatabase}), so tests are
 * isolated and cheap. Thread-safe.
 */
public final class PostgresCluster {

    private static final String USER = "hearth";
    private static final String TEMPLATE = "hearth_template";
    private static volatile PostgresCluster shared;
    // a failed start is remembered, so that later tests fail with its cause instead of starting more servers
    private static RuntimeException failedStart;

    private final Path folder;
    private final Path bin;
    private final int port;
    private final String password;
    private final boolean asPostgresUser;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgresCluster(Path folder, Path bin, int port, String password, boolean asPostgresUser) {
        this.folder = folder;
        this.bin = bin;
        this.port = port;
        this.password = password;
        this.asPostgresUser = asPostgresUser;
    }

    /** The cluster of this JVM, started on the first call. */
    public static PostgresCluster shared() {
        PostgresCluster c = shared;
        if (c == null) {
            synchronized (PostgresCluster.class) {
                c = shared;
                if (failedStart != null) {
                    throw new IllegalStateException("the test PostgreSQL failed to start earlier in this run",
                            failedStart);
                }
                if (c == null) {
                    try {
                        c = start();
                    } catch (RuntimeException e) {
                        failedStart = e;
                        throw e;
                    }
                    shared = c;
                }
            }
        }
        return c;
    }

    /** The password of the cluster's superuser {@code hearth}. */
    public String password() {
        return password;
    }

    /** Where a database of this cluster is. */
    public PostgresLocation location(String database) {
        return PostgresLocation.parse("postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER);
    }

    /** Creates a new empty database, already migrated to the newest schema, and returns its name. */
    public String freshDatabase() {
        String name = "hearth_" + databases.incrementAndGet();
        // FILE_COPY (PostgreSQL 15+) copies the template's files instead of logging every page: several times faster
        sql("CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE + (version(bin.getParent().getFileName().toString()) >= 15
                ? " STRATEGY FILE_COPY" : ""));
        return name;
    }

    /**
     * Empties a database made by {@link #freshDatabase} whose store is closed, for the next test: every table but
     * Flyway's history truncated, identities restarted. Several times faster than creating a database.
     */
    void empty(String database) {
        Properties login = new Properties();
        login.setProperty("user", USER);
        login.setProperty("password", password);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, login);
                Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (var rs = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    + "AND tablename <> 'flyway_schema_history'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            s.execute("TRUNCATE " + String.join(", ", tables) + " RESTART IDENTITY CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("test cluster on port " + port + ": empty " + database, e);
        }
    }

    /** Creates a new database with no schema at all (for migration and import tests). */
    public String emptyDatabase() {
        String name = "hearth_" + databases.incrementAndGet();
        sql("CREATE DATABASE " + name);
        return name;
    }

    /** Runs one statement on the {@code postgres} maintenance database. */
    void sql(String statement) {
        Properties login = new Properties();
        login.setProperty("user", USER);
        login.setProperty("password", password);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", login);
                Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException("test cluster on port " + port + ": " + statement, e);
        }
    }

    private static PostgresCluster start() {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path folder = Files.createTempDirectory("hearth-pg-");
            String password = HexFormat.of().formatHex(randomBytes());
            Path pwfile = folder.resolve("pwfile");
            Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
            if (root) {
                run(List.of("chown", "-R", "postgres:postgres", folder.toString()), folder);
            }
            int port = freePort();
            PostgresCluster cluster = new PostgresCluster(folder, bin, port, password, root);
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::destroy, "hearth-pg-stop"));
            Path data = folder.resolve("data");
            cluster.runAsOwner(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER,
                    "--pwfile=" + pwfile, "--auth=scram-sha-256", "--locale=C", "-E", "UTF8", "--no-sync"));
            Files.delete(pwfile);
            cluster.runAsOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                    folder.resolve("server.log").toString(), "-w", "-t", "60", "-o",
                    "-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories=" + folder
                            + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                            + " -c max_connections=300 -c shared_buffers=32MB", "start"));
            cluster.sql("CREATE DATABASE " + TEMPLATE);
            try (Store migrated = Store.postgresql(cluster.location(TEMPLATE), password, 2, InstantSource.system())) {
                // opening migrates; the template is copied by CREATE DATABASE ... TEMPLATE from now on
            }
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException("start the test PostgreSQL from " + bin, e);
        }
    }

    /** Newest {@code /usr/lib/postgresql/N/bin} with initdb, or HEARTH_PG_BIN; fails with what to install. */
    private static Path binaries() {
        String override = System.getenv("HEARTH_PG_BIN");
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            if (!Files.isExecutable(p.resolve("initdb"))) {
                throw new IllegalStateException("HEARTH_PG_BIN=" + override + " has no executable initdb");
            }
            return p;
        }
        Path root = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparingInt(b -> version(b.getParent().getFileName().toString())))
                    .orElseThrow(() -> new IllegalStateException("the PostgreSQL store tests need PostgreSQL's "
                            + "server binaries in /usr/lib/postgresql/*/bin (none found): run 'scripts/setup-host "
                            + "--all' (it installs Debian's postgresql) or set HEARTH_PG_BIN to a folder with initdb "
                            + "and pg_ctl"));
        } catch (IOException e) {
            throw new UncheckedIOException("list " + root, e);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static int version(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void runAsOwner(List<String> command) {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        run(full, folder);
    }

    private static void run(List<String> command, Path folder) {
        try {
            Process p = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                String log = "";
                Path server = folder.resolve("server.log");
                if (Files.exists(server)) {
                    log = "\nserver.log:\n" + Files.readString(server);
                }
                throw new IllegalStateException("test PostgreSQL: " + String.join(" ", command) + " failed:\n" + out
                        + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("run " + command.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.getFirst(), e);
        }
    }

    /** Stops the server at once (its data is thrown away) and starts deleting the folder. */
    private void destroy() {
        Path data = folder.resolve("data");
        if (Files.exists(data.resolve("postmaster.pid"))) {
            try {
                runAsOwner(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w",
                        "-t", String.valueOf(Duration.ofSeconds(30).toSeconds()), "stop"));
            } catch (RuntimeException e) {
                System.err.println("test PostgreSQL in " + folder + " did not stop: " + e.getMessage());
            }
        }
        // not waited for: a run's databases take a while to delete, longer than Surefire lets a JVM take to exit
        try {
            new ProcessBuilder("rm", "-rf", "--one-file-system", folder.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            System.err.println("test PostgreSQL: could not delete " + folder + ": " + e.getMessage());
        }
    }
}
