// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.GuestDriver;
import dev.hearth.sandbox.GuestWorkload;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.image.OpenClawImage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Provisions an OpenClaw gateway as fireclaw's step 14 does, without its defects.
 *
 * <ol>
 * <li>Secrets go into {@code ~/.openclaw/.env} (mode 600, owned by the OpenClaw user), written by the runtime's
 *     own file channel (a tar upload through the Engine API): never a command line, never the container's
 *     environment, never a world-readable file. OpenClaw reads that file at start (dotenv, not a shell).</li>
 * <li>One {@code openclaw config set --batch-json} sets what fireclaw sets one by one: gateway.mode local,
 *     gateway.bind lan, gateway.auth.mode token, gateway.auth.token, gateway.tailscale.mode off, the default model,
 *     Telegram (enabled, bot token, dmPolicy allowlist, groupPolicy disabled, allowFrom), the telegram plugin, the
 *     bundled skills, the MiniMax plugin when a MiniMax key was given, and browser.executablePath when the image
 *     has a browser. Secret settings hold {@code ${VAR}} references to the .env file, so the batch carries
 *     none.</li>
 * <li>{@code openclaw doctor --fix --non-interactive}; its failure is shown as a warning, not fatal (it repairs
 *     existing state, and the gateway's health is checked next), its hanging is.</li>
 * <li>A marker file lets the guest's main command go on to {@code openclaw gateway --bind lan --port 18789} in
 *     the foreground, so a gateway crash is the container's exit, which the supervisor restarts.</li>
 * </ol>
 */
public final class OpenClawProvisioner implements Provisioner {

    /** The gateway's port in the guest. */
    public static final int GATEWAY_PORT = 18789;
    static final String CONFIG_DIR = OpenClawImage.HOME + "/.openclaw";
    static final String MARKER = CONFIG_DIR + "/.hearth-provisioned";
    private static final Duration CONFIG_LIMIT = Duration.ofMinutes(3);
    private static final Duration DOCTOR_LIMIT = Duration.ofMinutes(5);
    private static final String BROWSER = "/usr/bin/chromium";

    @Override
    public GuestWorkload workload(InstanceState state) {
        String uid = Integer.toString(OpenClawImage.USER_ID);
        return new GuestWorkload(state.image(), List.of("/bin/sh", "-c",
                "until [ -f " + MARKER + " ]; do sleep 0.5; done; "
                        + "exec openclaw gateway --bind lan --port " + GATEWAY_PORT),
                uid + ":" + uid, OpenClawImage.USER_ID, Map.of("HOME", OpenClawImage.HOME), GATEWAY_PORT, "/health");
    }

    @Override
    public void provision(GuestDriver runtime, InstanceState state, InstanceSecrets secrets, StepProgress progress)
            throws SandboxException, InterruptedException, ProvisioningException {
        progress.detail("write " + CONFIG_DIR + "/.env (mode 600): " + secrets.environment().keySet());
        runtime.writeFile(state.guest(), CONFIG_DIR, ".env", dotenv(secrets.environment()), 0600,
                OpenClawImage.USER_ID);
        boolean browser = !state.skipBrowserInstall()
                && runtime.exec(state.guest(), List.of("test", "-x", BROWSER), Duration.ofSeconds(30)).exitCode() == 0;
        progress.detail("openclaw config set --batch-json (" + settings(state, browser).size() + " settings)");
        run(runtime, state, List.of("openclaw", "config", "set", "--batch-json",
                settings(state, browser).toString()), CONFIG_LIMIT.multipliedBy(runtime.slowdown(state.guest())),
                "openclaw config set");
        progress.detail("openclaw doctor --fix");
        Duration doctorLimit = DOCTOR_LIMIT.multipliedBy(runtime.slowdown(state.guest()));
        ExecResult doctor = runtime.exec(state.guest(), List.of("openclaw", "doctor", "--fix", "--non-interactive"),
                doctorLimit);
        if (doctor.exitCode() < 0) {
            throw new ProvisioningException("openclaw doctor --fix did not finish within " + doctorLimit.toSeconds()
                    + " s: " + tail(doctor));
        }
        if (doctor.exitCode() != 0) {
            // Doctor repairs and migrates existing state; on a fresh instance a refused repair (under emulation its
            // own 5 s worker start-up limit is missed, for one) leaves nothing the gateway needs undone, and the
            // gateway's health, checked next, is what decides.
            progress.done("warning: openclaw doctor --fix exited with " + doctor.exitCode() + " (going on; the "
                    + "gateway's health decides): " + tail(doctor));
        }
        run(runtime, state, List.of("touch", MARKER), Duration.ofSeconds(30), "touch " + MARKER);
    }

    /** The batch of settings; secrets appear only as {@code ${VAR}} references to the .env file. */
    static ArrayNode settings(InstanceState state, boolean browser) {
        ArrayNode batch = Json.mapper().createArrayNode();
        set(batch, "gateway.mode", "local");
        set(batch, "gateway.bind", "lan");
        set(batch, "gateway.auth.mode", "token");
        set(batch, "gateway.auth.token", "${OPENCLAW_GATEWAY_TOKEN}");
        set(batch, "gateway.tailscale.mode", "off");
        set(batch, "agents.defaults.model.primary", state.model());
        set(batch, "channels.telegram.enabled", true);
        set(batch, "channels.telegram.botToken", "${TELEGRAM_BOT_TOKEN}");
        set(batch, "channels.telegram.dmPolicy", "allowlist");
        set(batch, "channels.telegram.groupPolicy", "disabled");
        ObjectNode allow = batch.addObject().put("path", "channels.telegram.allowFrom");
        state.telegramUsers().forEach(allow.putArray("value")::add);
        set(batch, "plugins.entries.telegram.enabled", true);
        ObjectNode skills = batch.addObject().put("path", "skills.allowBundled");
        state.skills().forEach(skills.putArray("value")::add);
        if (state.minimax()) {
            set(batch, "plugins.entries.minimax.enabled", true);
        }
        if (browser) {
            set(batch, "browser.executablePath", BROWSER);
        }
        return batch;
    }

    private static void set(ArrayNode batch, String path, Object value) {
        ObjectNode op = batch.addObject().put("path", path);
        if (value instanceof Boolean b) {
            op.put("value", b);
        } else {
            op.put("value", value.toString());
        }
    }

    /** KEY=value lines; values are checked at input to hold no spaces, quotes, '#', '$' or line breaks. */
    static byte[] dotenv(Map<String, String> env) {
        StringBuilder sb = new StringBuilder("# written by hearth; mode 600\n");
        env.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String tail(ExecResult r) {
        String output = (r.stdout() + r.stderr()).strip();
        return output.length() > 2000 ? "..." + output.substring(output.length() - 2000) : output;
    }

    private static void run(GuestDriver runtime, InstanceState state, List<String> command, Duration limit,
            String what) throws SandboxException, InterruptedException, ProvisioningException {
        ExecResult r = runtime.exec(state.guest(), command, limit);
        if (r.exitCode() != 0) {
            String tail = tail(r);
            throw new ProvisioningException(what + (r.exitCode() < 0 ? " did not finish within " + limit.toSeconds()
                    + " s" : " exited with " + r.exitCode()) + (tail.isEmpty() ? "" : ": " + tail));
        }
    }
}
