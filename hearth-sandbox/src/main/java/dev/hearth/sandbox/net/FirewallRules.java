// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The iptables rules one bridge needs, each marked with the comment {@code hearth:<bridge>} so that Hearth finds
 * exactly its own rules again, never anyone else's:
 * <ul>
 *   <li>nat POSTROUTING: MASQUERADE for the subnet leaving by any interface but the bridge;
 *   <li>filter FORWARD: traffic from the bridge out to the world, and its replies back (Docker's {@code FORWARD}
 *       policy DROP would otherwise eat it). What leaves the bridge has already passed {@link EgressFilter}'s
 *       chain, jumped from {@code DOCKER-USER};
 *   <li>filter FORWARD: bridge to bridge dropped (isolation) or accepted (peers allowed). This catches what port
 *       isolation alone does not: a guest sending to another guest's address through the host's router, and
 *       bridged frames when {@code br_netfilter} passes them through iptables.
 * </ul>
 * Filter rules are appended to FORWARD, after Docker's {@code DOCKER-USER} and {@code DOCKER-ISOLATION-*} jumps, so
 * an ACCEPT of Hearth's never bypasses Docker's isolation or the egress filter; a rule found ahead of them (written
 * by an older Hearth, which inserted at the top) is moved behind them. The rules are disjoint, so their order among
 * themselves does not matter. Not thread-safe on its own: callers hold the bridge's lock.
 */
final class FirewallRules {

    private static final Logger log = LoggerFactory.getLogger(FirewallRules.class);

    /** One rule: table, chain and the match and target words, comment included. */
    record Rule(String table, String chain, List<String> spec) {
    }

    private final HostCommand host;
    private final String comment;
    private final List<Rule> wanted;

    FirewallRules(HostCommand host, NetworkConfig config) {
        this.host = host;
        String br = config.bridgeName();
        this.comment = "hearth:" + br;
        List<String> mark = List.of("-m", "comment", "--comment", comment);
        // Each spec is in the order iptables -S prints it (addresses, interfaces, then -m matches, then -j).
        this.wanted = List.of(
                rule("nat", "POSTROUTING", List.of("-s", config.subnet(), "!", "-o", br), mark, "MASQUERADE"),
                rule("filter", "FORWARD", List.of("-i", br, "!", "-o", br), mark, "ACCEPT"),
                rule("filter", "FORWARD", List.of("!", "-i", br, "-o", br, "-m", "conntrack", "--ctstate",
                        "RELATED,ESTABLISHED"), mark, "ACCEPT"),
                rule("filter", "FORWARD", List.of("-i", br, "-o", br), mark, config.allowPeers() ? "ACCEPT" : "DROP"));
    }

    private static Rule rule(String table, String chain, List<String> match, List<String> mark, String target) {
        List<String> spec = new ArrayList<>(match);
        spec.addAll(mark);
        spec.addAll(List.of("-j", target));
        return new Rule(table, chain, List.copyOf(spec));
    }

    /** The rules this bridge should have. */
    List<Rule> wanted() {
        return wanted;
    }

    /**
     * Adds each wanted rule that is missing (checked with {@code iptables -C}, so a second call adds nothing) and
     * removes rules carrying this bridge's comment that are no longer wanted (say, after allowPeers changed).
     */
    void ensure() throws HostCommandException {
        for (Rule r : aheadOfDocker()) {
            host.run(command(r, "-D")); // re-appended below, behind Docker's chains
        }
        for (Rule r : wanted) {
            HostCommand.Result check = host.attempt(command(r, "-C"));
            if (check.exitCode() == 1) {
                host.run(command(r, "-A"));
            } else if (!check.ok()) {
                throw host.failure(command(r, "-C"), check);
            }
        }
        for (Rule r : present()) {
            if (wanted.stream().noneMatch(w -> w.table().equals(r.table()) && sameRule(w, r))) {
                host.run(command(r, "-D"));
            }
        }
    }

    /** Removes every rule carrying this bridge's comment; harmless when there is none. */
    void removeAll() throws HostCommandException {
        for (Rule r : present()) {
            host.run(command(r, "-D"));
            log.debug("removed {} {} {}", r.table(), r.chain(), r.spec());
        }
    }

    /** The rules carrying this bridge's comment, as {@code iptables -S} lists them, in nat and filter. */
    List<Rule> present() throws HostCommandException {
        List<Rule> found = new ArrayList<>();
        for (String table : List.of("nat", "filter")) {
            for (String line : host.run("iptables", "-w", "10", "-t", table, "-S").split("\n")) {
                // iptables-nft quotes some comments ("hearth:fc-br0"); no word of Hearth's rules has a space.
                List<String> words = Arrays.stream(line.strip().split(" ")).map(w -> w.replace("\"", "")).toList();
                int c = words.indexOf("--comment");
                if (words.size() > 2 && words.getFirst().equals("-A") && c > 0 && c + 1 < words.size()
                        && words.get(c + 1).equals(comment)) {
                    found.add(new Rule(table, words.get(1), List.copyOf(words.subList(2, words.size()))));
                }
            }
        }
        return found;
    }

    /** The wanted rules are written in the order {@code iptables -S} prints words, so a listed rule is equal. */
    private static boolean sameRule(Rule a, Rule b) {
        return a.chain().equals(b.chain()) && a.spec().equals(b.spec());
    }

    private static String[] command(Rule r, String op) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "10", "-t", r.table(), op, r.chain()));
        argv.addAll(r.spec());
        return argv.toArray(String[]::new);
    }

    /** This bridge's FORWARD rules listed before a jump to one of Docker's chains. */
    List<Rule> aheadOfDocker() throws HostCommandException {
        List<String> forward = host.run("iptables", "-w", "10", "-t", "filter", "-S", "FORWARD").lines()
                .map(l -> l.replace("\"", "").strip()).toList();
        int docker = -1;
        for (int i = 0; i < forward.size(); i++) {
            if (forward.get(i).matches("-A FORWARD -j DOCKER-(USER|ISOLATION-STAGE-1)")) {
                docker = i;
            }
        }
        List<Rule> ahead = new ArrayList<>();
        for (int i = 0; i < docker; i++) {
            List<String> words = List.of(forward.get(i).split(" "));
            int c = words.indexOf("--comment");
            if (words.size() > 2 && c > 0 && c + 1 < words.size() && words.get(c + 1).equals(comment)) {
                ahead.add(new Rule("filter", "FORWARD", List.copyOf(words.subList(2, words.size()))));
            }
        }
        return ahead;
    }
}
