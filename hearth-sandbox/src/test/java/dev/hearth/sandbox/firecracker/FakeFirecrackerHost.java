// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches a {@link StubFirecracker}'s recorded starts and, for each, serves a {@link FakeFirecracker} at the socket
 * its arguments name: {@code --api-sock PATH} for firecracker itself; for the jailer, the path after {@code --}
 * inside {@code <--chroot-base-dir>/<exec file name>/<--id>/root}, as the real jailer would place it. All fakes share
 * one record of exchanges and violations, and the faults to inject.
 */
final class FakeFirecrackerHost implements AutoCloseable {

    private final StubFirecracker stub;
    private final Map<String, String> faults = new ConcurrentHashMap<>();
    private final List<FakeFirecracker.Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<FakeFirecracker> fakes = new CopyOnWriteArrayList<>();
    private final Set<Path> served = new HashSet<>();
    private final Thread watcher;
    private volatile boolean open = true;

    FakeFirecrackerHost(StubFirecracker stub) {
        this.stub = stub;
        this.watcher = Thread.ofPlatform().daemon().name("fake-firecracker-host").start(this::watch);
    }

    /** From now on, {@code operation} (as {@code "PUT /boot-source"}) is answered 400 with this fault message. */
    void fail(String operation, String faultMessage) {
        faults.put(operation, faultMessage);
    }

    /** Every request received so far, in arrival order per fake. */
    List<FakeFirecracker.Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** Every departure from firecracker-api.yaml seen so far, by the driver or by the fake itself. */
    List<String> violations() {
        return List.copyOf(violations);
    }

    /** The fakes started so far, in start order. */
    List<FakeFirecracker> fakes() {
        return List.copyOf(fakes);
    }

    private void watch() {
        while (open) {
            try {
                for (StubFirecracker.Call call : stub.calls()) {
                    if (served.add(call.file())) {
                        fakes.add(serve(call));
                    }
                }
                Thread.sleep(5);
            } catch (IOException e) {
                violations.add("fake host could not serve a stub start: " + e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private FakeFirecracker serve(StubFirecracker.Call call) throws IOException {
        List<String> args = call.args();
        String id = value(args, "--id");
        if (call.program().getFileName().toString().equals("jailer")) {
            Path execFile = Path.of(value(args, "--exec-file"));
            Path root = Path.of(value(args, "--chroot-base-dir")).resolve(execFile.getFileName().toString())
                    .resolve(id).resolve("root");
            List<String> firecrackerArgs = args.subList(args.indexOf("--") + 1, args.size());
            String socket = value(firecrackerArgs, "--api-sock");
            return new FakeFirecracker(root.resolve(socket.substring(1)), root, call.pid(), id, faults, exchanges,
                    violations);
        }
        return new FakeFirecracker(Path.of(value(args, "--api-sock")), null, call.pid(), id, faults, exchanges,
                violations);
    }

    private static String value(List<String> args, String flag) {
        int at = args.indexOf(flag);
        if (at < 0 || at + 1 >= args.size()) {
            throw new IllegalArgumentException("no " + flag + " in " + args);
        }
        return args.get(at + 1);
    }

    @Override
    public void close() throws Exception {
        open = false;
        watcher.interrupt();
        watcher.join(2000);
        List<Exception> failures = new ArrayList<>();
        for (FakeFirecracker fake : fakes) {
            try {
                fake.close();
            } catch (IOException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
