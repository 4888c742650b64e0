// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The server side of {@link ResidentClient}'s protocol: listens on a unix socket that only its owner may open
 * (folder 0700, socket 0600), and runs each request's {@code hearth run} command line, with the request's
 * environment, through the command line that {@code commandLines} makes (one whose {@code run} uses the warm
 * pools), streaming its stdout and stderr back as frames and ending with its exit status. A connection closed by the
 * client interrupts its job, which removes its sandbox. One virtual thread per connection. Thread-safe.
 */
final class ResidentServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResidentServer.class);

    private final Path socket;
    private final ServerSocketChannel server;
    private final Function<Map<String, String>, CommandLine> commandLines;
    private final Thread acceptor;

    private ResidentServer(Path socket, ServerSocketChannel server,
            Function<Map<String, String>, CommandLine> commandLines) {
        this.socket = socket;
        this.server = server;
        this.commandLines = commandLines;
        this.acceptor = Thread.ofPlatform().name("hearth-resident-accept").daemon().start(this::accept);
    }

    /**
     * Listens on {@code socket}, replacing a stale socket file left by a dead resident; refuses when another
     * resident answers there.
     */
    static ResidentServer listen(Path socket, Function<Map<String, String>, CommandLine> commandLines)
            throws IOException {
        Path folder = socket.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        if (Files.exists(socket)) {
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
                throw new IOException("another resident process already serves " + socket
                        + "; stop it first, or give this one another --socket");
            } catch (IOException stale) {
                if (stale.getMessage() != null && stale.getMessage().startsWith("another resident")) {
                    throw stale;
                }
                Files.delete(socket);
            }
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        }
        return new ResidentServer(socket, server, commandLines);
    }

    /** The socket this server listens on. */
    Path socket() {
        return socket;
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("hearth-resident-run").start(() -> serve(client));
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.warn("accepting a resident connection failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(input(client)));
            int version = in.readInt();
            if (version != ResidentClient.VERSION) {
                throw new IOException("client speaks version " + version + ", this resident "
                        + ResidentClient.VERSION + ": run the same hearth build on both sides");
            }
            String[] args = new String[count(in)];
            for (int i = 0; i < args.length; i++) {
                args[i] = ResidentClient.string(in);
            }
            Map<String, String> env = new HashMap<>();
            for (int i = count(in); i > 0; i--) {
                String entry = ResidentClient.string(in);
                int eq = entry.indexOf('=');
                if (eq > 0) {
                    env.put(entry.substring(0, eq), entry.substring(eq + 1));
                }
            }
            ResidentClient.string(in); // the client's folder: runs with local paths are not sent (ResidentClient)
            if (args.length == 0 || !args[0].equals("run")) {
                throw new IOException("a resident runs only 'hearth run', not " + (args.length == 0 ? "nothing" : args[0]));
            }
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(output(client)));
            Thread job = Thread.currentThread();
            Thread watcher = Thread.ofVirtual().start(() -> {
                try {
                    while (in.read() >= 0) {
                        // the client sends nothing more; a read that ends means it went away
                    }
                } catch (IOException gone) {
                    // the same: the client went away
                }
                job.interrupt();
            });
            int code;
            try (PrintWriter stdout = writer(out, ResidentClient.STDOUT);
                    PrintWriter stderr = writer(out, ResidentClient.STDERR)) {
                CommandLine cl = commandLines.apply(env);
                cl.setOut(stdout);
                cl.setErr(stderr);
                code = cl.execute(args);
            }
            synchronized (out) {
                out.writeByte(ResidentClient.EXIT);
                out.writeInt(code);
                out.flush();
            }
            watcher.interrupt();
        } catch (IOException e) {
            log.warn("a resident request failed: {}", e.getMessage());
        }
    }

    /*
     * The channel read and written directly, not through Channels.newInputStream/newOutputStream: those hold the
     * channel's blocking lock for a whole read, so the watcher's read would stall the output.
     */
    private static java.io.InputStream input(SocketChannel channel) {
        return new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : channel.read(java.nio.ByteBuffer.wrap(b, off, len));
            }
        };
    }

    private static OutputStream output(SocketChannel channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }
        };
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 100_000) {
            throw new IOException("count " + n + " out of range 0..100000");
        }
        return n;
    }

    /** A writer whose flushed text goes out as frames of {@code type}. */
    private static PrintWriter writer(DataOutputStream out, byte type) {
        OutputStream frames = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int at = off; at < off + len; at += ResidentClient.MAX_FRAME) {
                    int n = Math.min(ResidentClient.MAX_FRAME, off + len - at);
                    synchronized (out) {
                        out.writeByte(type);
                        out.writeInt(n);
                        out.write(b, at, n);
                        out.flush();
                    }
                }
            }
        };
        return new PrintWriter(new java.io.OutputStreamWriter(frames, StandardCharsets.UTF_8), true);
    }

    /** Stops accepting and removes the socket file; runs in flight finish on their own threads. */
    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
