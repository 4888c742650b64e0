// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The client side of {@code hearth run} through a resident process ({@code hearth resident}): sends the command
 * line, the environment and the working folder over the resident's unix socket, copies the output frames it gets
 * back to this process's stdout and stderr, and returns the exit status the resident's {@code hearth run} gave.
 * Loads only java.base classes, so a cached start stays small. Used from {@link Main} before any command parsing.
 *
 * <p>Protocol (version 1, big-endian): the client sends the version (int), the argument count (int) and each
 * argument, the environment entry count and each {@code NAME=VALUE}, then the working folder; every string is an
 * int length and that many UTF-8 bytes. The server answers with frames: a byte {@link #STDOUT} or {@link #STDERR},
 * an int length and the bytes; and last a byte {@link #EXIT} and the exit status (int). Closing the connection
 * early cancels the job. Stateless; one call per process.
 */
final class ResidentClient {

    static final int VERSION = 1;
    static final byte STDOUT = 1;
    static final byte STDERR = 2;
    static final byte EXIT = 3;
    /** Largest string or frame either side accepts. */
    static final int MAX_FRAME = 1 << 20;

    /** How {@code hearth run} picks between the resident process and a cold start. */
    enum Mode {
        /** The resident when its socket answers, else cold (the default). */
        AUTO,
        /** The resident or an error: never a cold start. */
        ALWAYS,
        /** Always cold, in this process. */
        NEVER
    }

    /** Options naming local files: such a run is always cold, so paths resolve as the user typed them. */
    private static final java.util.List<String> LOCAL_FILES = java.util.List.of("--file", "--script", "--base-");

    private ResidentClient() {
    }

    /** The resident's socket: HEARTH_RESIDENT_SOCKET, else {@code $HEARTH_HOME/resident/hearth.sock}. */
    static Path socket(Map<String, String> env) {
        String s = env.get("HEARTH_RESIDENT_SOCKET");
        return s != null && !s.isBlank() ? Path.of(s) : HearthPaths.home(env).resolve("resident").resolve("hearth.sock");
    }

    /**
     * The mode from {@code --resident=MODE} or {@code --resident MODE} among the options before {@code --}, else
     * HEARTH_RESIDENT (auto, always, never), else auto; an unknown word is left to the command's own parsing. A run
     * that delivers local files ({@code --file}, {@code --script}, {@code --base-*}) is always cold.
     */
    static Mode mode(String[] args, Map<String, String> env) {
        String word = env.getOrDefault("HEARTH_RESIDENT", "auto");
        for (int i = 1; i < args.length && !args[i].equals("--"); i++) {
            if (args[i].startsWith("--resident=")) {
                word = args[i].substring("--resident=".length());
            } else if (args[i].equals("--resident") && i + 1 < args.length) {
                word = args[i + 1];
            } else if (LOCAL_FILES.stream().anyMatch(args[i]::startsWith)) {
                return Mode.NEVER; // local paths are read by the process that parses them, relative to its folder
            }
        }
        return switch (word) {
            case "always", "on", "1" -> Mode.ALWAYS;
            case "never", "off", "0" -> Mode.NEVER;
            default -> Mode.AUTO;
        };
    }

    /**
     * Runs {@code hearth run args} through the resident when the mode allows and its socket answers.
     *
     * @return the exit status, or empty when this process should run the job cold
     */
    static OptionalInt run(String[] args, Map<String, String> env, OutputStream out, OutputStream err) {
        Mode mode = mode(args, env);
        Path socket = socket(env);
        if (mode == Mode.NEVER || (mode == Mode.AUTO && !Files.exists(socket))) {
            return OptionalInt.empty();
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            if (mode == Mode.ALWAYS) {
                write(err, "hearth: no resident process answers at " + socket + " (" + e.getMessage()
                        + "); start one with 'hearth resident', or run cold with --resident=never\n");
                return OptionalInt.of(ExitCodes.ENGINE);
            }
            return OptionalInt.empty();
        }
        try (channel) {
            DataOutputStream request = new DataOutputStream(new java.io.BufferedOutputStream(Channels.newOutputStream(channel)));
            request.writeInt(VERSION);
            request.writeInt(args.length);
            for (String a : args) {
                string(request, a);
            }
            request.writeInt(env.size());
            for (Map.Entry<String, String> e : env.entrySet()) {
                string(request, e.getKey() + "=" + e.getValue());
            }
            string(request, Path.of("").toAbsolutePath().toString());
            request.flush();
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(channel)));
            byte[] buf = new byte[8192];
            while (true) {
                byte type = in.readByte();
                if (type == EXIT) {
                    return OptionalInt.of(in.readInt());
                }
                int length = in.readInt();
                if (length < 0 || length > MAX_FRAME || (type != STDOUT && type != STDERR)) {
                    throw new IOException("bad frame from the resident (type " + type + ", " + length + " bytes)");
                }
                OutputStream to = type == STDOUT ? out : err;
                while (length > 0) {
                    int n = in.read(buf, 0, Math.min(buf.length, length));
                    if (n < 0) {
                        throw new java.io.EOFException();
                    }
                    to.write(buf, 0, n);
                    length -= n;
                }
                to.flush();
            }
        } catch (IOException e) {
            write(err, "hearth: the resident process at " + socket + " broke off (" + e + "); the job's result is "
                    + "unknown: see 'docker ps -a --filter label=dev.hearth.sandbox'\n");
            return OptionalInt.of(ExitCodes.ENGINE);
        }
    }

    static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String string(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_FRAME) {
            throw new IOException("string of " + n + " bytes: at most " + MAX_FRAME + " accepted");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private static void write(OutputStream err, String text) {
        try {
            err.write(text.getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            // nowhere left to report it; the exit status says it
        }
    }
}
