// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestWorkload;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A small stand-in service where OpenClaw itself is not the point: busybox httpd serving {"ok":true} at /health on
 * the gateway's port, started by the same wait-for-provisioning main command, provisioned through the same runtime
 * calls (a secrets file written through the engine, a marker made by exec).
 */
final class StubProvisioner implements Provisioner {

    static final int PORT = 18789;
    /** The line the stand-in prints as it starts serving, so its log has something to read. */
    static final String GREETING = "stub-gateway-serving";

    @Override
    public GuestWorkload workload(InstanceState state) {
        return new GuestWorkload(BaseImages.BUSYBOX, List.of("sh", "-c",
                "until [ -f /job/ready ]; do sleep 0.2; done; mkdir -p /job/www; "
                        + "echo '{\"ok\":true,\"status\":\"live\"}' > /job/www/health; "
                        + "echo " + GREETING + "; exec httpd -f -p " + PORT + " -h /job/www"),
                "65534:65534", 65534, Map.of("HOME", "/job"), PORT, "/health");
    }

    @Override
    public void provision(GuestDriver runtime, InstanceState state, InstanceSecrets secrets, StepProgress progress)
            throws SandboxException, InterruptedException, ProvisioningException {
        runtime.writeFile(state.guest(), "/job", "secrets.env", OpenClawProvisioner.dotenv(secrets.environment()),
                0600, 65534);
        var r = runtime.exec(state.guest(), List.of("touch", "/job/ready"), Duration.ofSeconds(30));
        if (r.exitCode() != 0) {
            throw new ProvisioningException("touch /job/ready exited " + r.exitCode() + ": "
                    + new String(r.stderr().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
    }
}
