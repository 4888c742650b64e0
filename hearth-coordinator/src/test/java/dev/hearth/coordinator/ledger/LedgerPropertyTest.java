// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.GpuInfo;
import dev.hearth.coordinator.store.Hold;
import dev.hearth.coordinator.store.HoldRequest;
import dev.hearth.coordinator.store.HoldSettlement;
import dev.hearth.coordinator.store.InsufficientFundsException;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.LedgerAccount;
import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TransferKind;
import dev.hearth.core.job.Redundancy;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random sequences of deposits, holds (of single and k-of-n jobs), releases, refunds, cancels, duplicates, stakes and reopenings against the real
 * SQLite store, checked after every step against a model and against the ledger's invariants. Seeded, so a failure
 * names the seed and step that reproduce it.
 */
@DisplayName("The ledger's invariants hold under random sequences of operations")
class LedgerPropertyTest {

    private static final List<String> CLIENTS = List.of("client:a", "client:b", "client:c");
    private static final List<String> NODES = List.of("n1", "n2", "n3");

    @TempDir
    Path dir;

    private Store store;
    private Settlement settlement;
    private final Map<String, Long> model = new HashMap<>();
    private final List<String> open = new ArrayList<>();
    private final Map<String, Hold.State> settled = new HashMap<>();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 42, 20260301})
    @DisplayName("sum of all accounts constant (0), no balance below zero, each hold settled once, balances as modelled")
    void randomSequences(long seed) {
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        reopen();
        for (String n : NODES) {
            store.upsertNode(new NodeRecord(n, "key-" + n, n, "linux", "amd64", 4, 8L << 30, List.of("docker"),
                    List.<GpuInfo>of(), "0.1.0", "1.0", NodeState.ONLINE, Instant.EPOCH, Instant.EPOCH));
        }
        List<String> keys = new ArrayList<>();
        int jobs = 0;
        for (int step = 0; step < 250; step++) {
            String where = "seed " + seed + ", step " + step;
            int op = random.nextInt(100);
            if (op < 20) {
                String key = !keys.isEmpty() && random.nextInt(4) == 0 ? keys.get(random.nextInt(keys.size()))
                        : "k" + step;
                String to = CLIENTS.get(random.nextInt(CLIENTS.size()));
                long amount = 1 + random.nextLong(5_000_000);
                if (keys.contains(key)) {
                    LedgerTransfer before = store.ledger().transfers(Optional.empty(), Optional.empty(), 10_000).stream()
                            .filter(t -> t.idempotencyKey().equals(key)).findFirst().orElseThrow();
                    // a duplicate of the same deposit: moves nothing again
                    assertThat(store.ledger().post(key, TransferKind.DEPOSIT, "external", before.toAccount(),
                            before.amountMicros(), null).replayed()).as(where).isTrue();
                } else {
                    store.ledger().post(key, TransferKind.DEPOSIT, "external", to, amount, null);
                    keys.add(key);
                    move("external", to, amount);
                }
            } else if (op < 45) {
                String id = "j" + jobs++;
                String from = CLIENTS.get(random.nextInt(CLIENTS.size()));
                long price = random.nextInt(10) == 0 ? 0 : 1 + random.nextLong(3_000_000);
                int copies = random.nextInt(4) == 0 ? 2 + random.nextInt(4) : 1;
                try {
                    if (copies > 1) {
                        // a k-of-n job: a parent holding 0 and n copies holding shares that add up to the price,
                        // each settled on its own
                        store.submitRedundantJob(id, "{}", 0, 0, new HoldRequest(from, price),
                                new Redundancy(copies, copies / 2 + 1));
                        for (int i = 1; i <= copies; i++) {
                            open.add(JobRecord.copyId(id, i));
                        }
                    } else {
                        store.submitJob(id, "{}", 0, 0, new HoldRequest(from, price));
                    }
                    move(from, "escrow", price);
                    open.add(id);
                } catch (InsufficientFundsException e) {
                    assertThat(model.getOrDefault(from, 0L)).as(where).isLessThan(price);
                    assertThat(store.job(id)).as(where).isEmpty();
                }
            } else if (op < 60 && !open.isEmpty()) {
                String id = open.remove(random.nextInt(open.size()));
                String node = NODES.get(random.nextInt(NODES.size()));
                Hold hold = store.ledger().hold(id).orElseThrow();
                assertThat(settlement.onVerdict(id, node, true)).as(where).isInstanceOf(HoldSettlement.Released.class);
                move("escrow", AccountKind.node(node), hold.amountMicros());
                settled.put(id, Hold.State.RELEASED);
            } else if (op < 70 && !open.isEmpty()) {
                String id = open.remove(random.nextInt(open.size()));
                Hold hold = store.ledger().hold(id).orElseThrow();
                assertThat(settlement.onVerdict(id, null, false)).as(where).isInstanceOf(HoldSettlement.Refunded.class);
                move("escrow", hold.accountId(), hold.amountMicros());
                settled.put(id, Hold.State.REFUNDED);
            } else if (op < 78 && !open.isEmpty()) {
                String id = open.remove(random.nextInt(open.size()));
                Hold hold = store.ledger().hold(id).orElseThrow();
                store.cancelJob(id);
                settlement.onFinal(id); // the interim verdict of a cancelled job: refund
                move("escrow", hold.accountId(), hold.amountMicros());
                settled.put(id, Hold.State.REFUNDED);
            } else if (op < 88 && !settled.isEmpty()) {
                // a duplicate verdict, either way: moves nothing
                String id = new ArrayList<>(settled.keySet()).get(random.nextInt(settled.size()));
                boolean pass = random.nextBoolean();
                assertThat(settlement.onVerdict(id, pass ? NODES.getFirst() : null, pass)).as(where)
                        .isInstanceOf(HoldSettlement.AlreadySettled.class);
            } else if (op < 94) {
                String node = NODES.get(random.nextInt(NODES.size()));
                long amount = 1 + random.nextLong(2_000_000);
                try {
                    store.ledger().post("s" + step, TransferKind.STAKE, AccountKind.node(node),
                            AccountKind.stake(node), amount, node);
                    move(AccountKind.node(node), AccountKind.stake(node), amount);
                } catch (InsufficientFundsException e) {
                    assertThat(model.getOrDefault(AccountKind.node(node), 0L)).as(where).isLessThan(amount);
                }
            } else {
                reopen(); // a restart: nothing held or settled may change
            }
            checkInvariants(where);
        }
        checkTransfersExplainBalances("seed " + seed);
        store.close();
    }

    private void reopen() {
        if (store != null) {
            store.close();
        }
        store = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system());
        settlement = new Settlement(store, true, () -> { }, false);
    }

    private void move(String from, String to, long amount) {
        if (amount > 0) {
            model.merge(from, -amount, Long::sum);
            model.merge(to, amount, Long::sum);
        }
    }

    private void checkInvariants(String where) {
        List<LedgerAccount> accounts = store.ledger().accounts();
        assertThat(accounts.stream().mapToLong(LedgerAccount::balanceMicros).sum()).as("sum of all accounts, " + where)
                .isZero();
        assertThat(accounts).as("no balance below zero but external's, " + where)
                .allMatch(a -> a.balanceMicros() >= 0 || a.kind() == AccountKind.EXTERNAL);
        for (LedgerAccount a : accounts) {
            assertThat(a.balanceMicros()).as("balance of %s, %s", a.id(), where)
                    .isEqualTo(model.getOrDefault(a.id(), 0L));
        }
        long held = open.stream().mapToLong(id -> store.ledger().hold(id).orElseThrow().amountMicros()).sum();
        assertThat(model.getOrDefault("escrow", 0L)).as("escrow holds exactly the open holds, " + where).isEqualTo(held);
        settled.forEach((id, state) -> assertThat(store.ledger().hold(id).orElseThrow().state())
                .as("hold of %s, %s", id, where).isEqualTo(state));
    }

    /** Every balance is what its transfers say, and each job's settle key was used at most once. */
    private void checkTransfersExplainBalances(String where) {
        List<LedgerTransfer> all = store.ledger().transfers(Optional.empty(), Optional.empty(), Integer.MAX_VALUE);
        Map<String, Long> replayed = new HashMap<>();
        for (LedgerTransfer t : all) {
            replayed.merge(t.fromAccount(), -t.amountMicros(), Long::sum);
            replayed.merge(t.toAccount(), t.amountMicros(), Long::sum);
        }
        for (LedgerAccount a : store.ledger().accounts()) {
            assertThat(a.balanceMicros()).as("%s replayed from transfers, %s", a.id(), where)
                    .isEqualTo(replayed.getOrDefault(a.id(), 0L));
        }
        assertThat(all.stream().filter(t -> t.idempotencyKey().startsWith("settle:")).map(LedgerTransfer::jobId))
                .as(where).doesNotHaveDuplicates();
    }
}
