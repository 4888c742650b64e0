// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.CoordinatorServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth ledger and hearth node stake against a real coordinator")
class LedgerCommandTest {

    @TempDir
    Path data;
    private TestCoordinator coordinator;
    private CoordinatorServer server;
    private Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        coordinator = TestCoordinator.start(data);
        server = coordinator.server();
        env = coordinator.env();
    }

    @AfterEach
    void stop() {
        coordinator.close();
    }

    private CliRun hearth(String... args) {
        return CliRun.of(env, args);
    }

    @Test
    @DisplayName("deposit, a priced job held, balances summing to zero, history and a CSV and JSON export")
    void depositHoldBalanceExport() {
        CliRun deposit = hearth("ledger", "deposit", "alice", "10", "--key", "bank-1");
        assertThat(deposit.exit()).as(deposit.err()).isZero();
        assertThat(deposit.out()).contains("deposited 10 credits to client:alice").contains("balance 10");
        assertThat(hearth("ledger", "deposit", "alice", "10", "--key", "bank-1").out())
                .contains("already deposited").contains("balance 10");

        CliRun job = hearth("job", "submit", "--price", "2.5", "--account", "alice", "--", "true");
        assertThat(job.exit()).as(job.err()).isZero();
        CliRun poor = hearth("job", "submit", "--price", "100", "--account", "alice", "--", "true");
        assertThat(poor.exit()).isEqualTo(1);
        assertThat(poor.err()).contains("402").contains("client:alice holds 7.5 credits, 100 are needed");

        assertThat(hearth("ledger", "balance", "--account", "alice").out().strip()).isEqualTo("7.5");
        CliRun all = hearth("ledger", "balance");
        assertThat(all.out()).containsPattern("client:alice\\s+client\\s+7.5").containsPattern("escrow\\s+escrow\\s+2.5")
                .containsPattern("external\\s+external\\s+-10").containsPattern("total\\s+0");
        assertThat(hearth("job", "status", job.out().strip()).out()).contains("price          2.5 credits from "
                + "client:alice (held)");
        assertThat(hearth("ledger", "history", "--account", "client:alice").out()).contains("deposit").contains("hold");

        CliRun csv = hearth("ledger", "export", "--format", "csv", "--since", "2020-01-01");
        assertThat(csv.out().lines().toList()).hasSize(3).first().isEqualTo(
                "seq,time,kind,from_account,to_account,amount,amount_micros,job_id,node_id,idempotency_key");
        assertThat(csv.out()).contains(",deposit,external,client:alice,10,10000000,,,bank-1")
                .contains(",hold,client:alice,escrow,2.5,2500000," + job.out().strip() + ",,hold:" + job.out().strip());
        assertThat(hearth("ledger", "export", "--format", "json").out()).startsWith("[{\"seq\":1,");
        assertThat(hearth("ledger", "export", "--since", "2999-01-01").out().lines().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("bad input names the argument; an unknown account or node exits 2 with the coordinator's message")
    void badInput() {
        CliRun format = hearth("ledger", "export", "--format", "xml");
        assertThat(format.exit()).isEqualTo(2);
        assertThat(format.err()).contains("--format 'xml' is invalid: csv or json");
        assertThat(hearth("ledger", "deposit", "Alice!", "1").err()).contains("ACCOUNT 'Alice!' is invalid");
        assertThat(hearth("ledger", "deposit", "alice", "1.0000001").err()).contains("AMOUNT '1.0000001' is invalid");
        assertThat(hearth("ledger", "balance", "--node", "ghost").exit()).isEqualTo(2);
        CliRun stake = hearth("node", "stake", "ghost", "1");
        assertThat(stake.exit()).isEqualTo(2);
        assertThat(stake.err()).contains("Node not found: ghost");
    }

    @Test
    @DisplayName("node stake moves earnings into the stake; node list and node status show reputation and stake")
    void stake() throws Exception {
        String nodeId = registerLegacyNode();
        hearth("ledger", "deposit", "node:" + nodeId, "5");

        CliRun stake = hearth("node", "stake", nodeId, "2");
        assertThat(stake.exit()).as(stake.err()).isZero();
        assertThat(stake.out()).contains("staked 2 credits from node:" + nodeId).contains("stake of 2");
        CliRun tooMuch = hearth("node", "stake", nodeId, "4");
        assertThat(tooMuch.exit()).isEqualTo(1);
        assertThat(tooMuch.err()).contains("holds 3 credits, 4 are needed");

        assertThat(hearth("node", "list").out()).containsPattern(nodeId + ".*0\\.500\\s+2\\s");
        assertThat(hearth("node", "status", nodeId).out()).contains("reputation  0.500").contains("earnings    3 credits")
                .contains("stake       2 credits");
        assertThat(hearth("ledger", "balance", "--node", nodeId).out().strip()).isEqualTo("3");
    }

    @Test
    @DisplayName("node cordon and drain mark a node in list and status; node uncordon lifts it; an unknown node is "
            + "named")
    void uncordon() throws Exception {
        String nodeId = registerLegacyNode();
        CliRun cordon = hearth("node", "cordon", nodeId, "--reason", "disk swap");
        assertThat(cordon.exit()).as(cordon.err()).isZero();
        assertThat(cordon.out()).contains("node " + nodeId + " cordoned (disk swap); 0 jobs still running");
        assertThat(hearth("node", "status", nodeId).out()).contains("cordoned    disk swap");
        assertThat(hearth("node", "list").out()).contains(",cordoned");
        CliRun drain = hearth("node", "drain", nodeId);
        assertThat(drain.out()).as(drain.err()).contains("node " + nodeId + " draining: no new work; 0 jobs left");
        assertThat(hearth("node", "list").out()).contains(",draining");
        assertThat(hearth("node", "drain", "ghost").err()).contains("Node not found: ghost");

        CliRun lifted = hearth("node", "uncordon", nodeId);

        assertThat(lifted.exit()).as(lifted.err()).isZero();
        assertThat(lifted.out()).contains("node " + nodeId + " uncordoned");
        assertThat(hearth("node", "status", nodeId).out()).doesNotContain("cordoned");
        CliRun ghost = hearth("node", "uncordon", "ghost");
        assertThat(ghost.exit()).isEqualTo(2);
        assertThat(ghost.err()).contains("Node not found: ghost");
    }

    @Test
    @DisplayName("node limits sets a node's capacity limits and clears them; a bad limit names its field")
    void limits() throws Exception {
        String nodeId = registerLegacyNode();

        CliRun set = hearth("node", "limits", nodeId, "--slots", "2", "--memory", "8g");

        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(set.out()).contains("node " + nodeId + " limits:").contains("\"slots\":2")
                .contains("\"memoryBytes\":" + (8L << 30));
        assertThat(hearth("node", "limits", nodeId, "--clear").out()).contains("the coordinator's flags apply");
        CliRun bad = hearth("node", "limits", nodeId, "--memory", "lots");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("memory");
        assertThat(hearth("node", "limits", nodeId).exit()).isEqualTo(2);
    }

    /** Registers a Hypernode v2.0 node over a real WebSocket and returns its id. */
    private String registerLegacyNode() throws Exception {
        return LegacyNode.register(server.port(), env);
    }
}
