// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.ExecCreateCmd;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.SandboxException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One command run inside a running container through the Engine API, its output collected: the one exec path of
 * jobs' sandboxes and instances' long-lived containers. Stateless.
 */
final class DockerExec {

    private DockerExec() {
    }

    /**
     * Runs {@code command} in {@code container} and waits up to {@code timeout}; a command still running then gives
     * exit code -1 with what it printed so far.
     *
     * @param name the container's readable name, for errors
     * @param user who runs it, or empty for the container's user
     */
    static ExecResult run(DockerClient docker, String container, String name, List<String> command,
            Optional<String> user, Duration timeout) throws SandboxException, InterruptedException {
        try {
            ExecCreateCmd create = docker.execCreateCmd(container).withCmd(command.toArray(String[]::new))
                    .withAttachStdout(true).withAttachStderr(true).withAttachStdin(false);
            user.ifPresent(create::withUser);
            String execId = create.exec().getId();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            var done = docker.execStartCmd(execId).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    (frame.getStreamType() == StreamType.STDERR ? err : out).writeBytes(frame.getPayload());
                }
            });
            if (!done.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                done.close();
                return new ExecResult(-1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            }
            Long code = docker.inspectExecCmd(execId).exec().getExitCodeLong();
            return new ExecResult(code == null ? -1 : code, out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SandboxException("exec in container " + name + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw DockerErrors.translate("exec in container " + name, e);
        }
    }
}
