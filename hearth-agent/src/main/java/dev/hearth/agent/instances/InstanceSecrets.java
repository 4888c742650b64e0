// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The secrets of one instance ({@code STATE_ROOT/ID/secrets.json}, mode 600): the gateway token Hearth made and the
 * keys the user gave. Never shell-sourced, never logged: {@link #toString()} names only which are present.
 *
 * @param gatewayToken 32 random bytes as 64 lower-case hex
 * @param telegramToken the Telegram bot token
 * @param anthropicApiKey or null
 * @param openaiApiKey or null
 * @param minimaxApiKey or null
 */
public record InstanceSecrets(String gatewayToken, String telegramToken, String anthropicApiKey, String openaiApiKey,
        String minimaxApiKey) {

    /** A new gateway token: 32 random bytes as 64 lower-case hex, as fireclaw makes it. */
    public static String newGatewayToken(SecureRandom random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The secrets as the guest's environment variables (names OpenClaw reads), absent ones left out. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OPENCLAW_GATEWAY_TOKEN", gatewayToken);
        env.put("TELEGRAM_BOT_TOKEN", telegramToken);
        if (anthropicApiKey != null) {
            env.put("ANTHROPIC_API_KEY", anthropicApiKey);
        }
        if (openaiApiKey != null) {
            env.put("OPENAI_API_KEY", openaiApiKey);
        }
        if (minimaxApiKey != null) {
            env.put("MINIMAX_API_KEY", minimaxApiKey);
        }
        return env;
    }

    @Override
    public String toString() {
        return "InstanceSecrets" + environment().keySet() + " (values hidden)";
    }
}
